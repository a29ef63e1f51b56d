package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"rabbitboard/board"
	"rabbitboard/mq"
	"rabbitboard/words"
)

// Lesson is one lesson of the tutorial series, set up in one click. It
// declares what the official tutorial of its chapter declares (names,
// durability, queue type), so the official programs run beside it.
type Lesson struct {
	Name string `json:"name"`
	// Chapter is the official tutorial's number ("" for lessons beyond
	// the series).
	Chapter   string               `json:"chapter,omitempty"`
	Title     string               `json:"title"`
	Watch     string               `json:"watch"` // what to watch for, in two or three sentences
	Exchanges []board.ExchangeSpec `json:"exchanges"`
	Queues    []board.QueueSpec    `json:"queues"`
	Bindings  []board.BindingSpec  `json:"bindings"`
	Receivers []board.ReceiverSpec `json:"receivers"`
	// Try is the publish that shows the lesson; the page fills its form.
	Try publishTry `json:"try"`
	// Programs are the official tutorial's programs a student runs
	// beside it, as command lines.
	Programs []string `json:"programs,omitempty"`
	// Cluster: offered only when rabbitboard is given a cluster's nodes.
	Cluster bool `json:"cluster,omitempty"`
	// Essential names the queues whose settings the lesson depends on:
	// one that exists with other settings is not used as it is.
	Essential []string `json:"-"`
}

// tutorialQueue is how the official tutorials declare their queues since
// 2026: durable quorum queues.
func tutorialQueue(name string) board.QueueSpec {
	return board.QueueSpec{Name: name, Durable: true, Arguments: map[string]any{"x-queue-type": "quorum"}}
}

// tutorialStream is a stream as the streams tutorials declare it, with
// their retention (x-max-length-bytes).
func tutorialStream(name string, maxBytes int64) board.QueueSpec {
	return board.QueueSpec{Name: name, Durable: true, Arguments: map[string]any{"x-queue-type": "stream", "x-max-length-bytes": maxBytes}}
}

type publishTry struct {
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Body       string `json:"body"`
	Count      int    `json:"count"`
	Persistent bool   `json:"persistent"`
	// ReplyTo makes the messages requests: each gets a correlation id.
	ReplyTo string `json:"reply_to,omitempty"`
}

// Lessons are the lessons, in the order of the tutorials.
var Lessons = []Lesson{
	{
		Name: "hello", Chapter: "1", Title: "Hello world",
		Watch:     "The sender publishes to the default exchange with routing key 'hello'; the default exchange hands the message to the queue of that name, and the receiver, with auto ack, takes it at once.",
		Programs:  []string{"python send.py", "python receive.py"},
		Queues:    []board.QueueSpec{tutorialQueue("hello")},
		Receivers: []board.ReceiverSpec{{Queue: "hello", Name: "receiver", Ack: board.AckAuto}},
		Try:       publishTry{RoutingKey: "hello", Body: "Hello World!", Count: 1},
	},
	{
		Name: "work-queue", Chapter: "2", Title: "Work queue, round-robin",
		Watch:    "Six tasks, two workers: RabbitMQ hands them out in turn, 1, 3, 5 to one worker and 2, 4, 6 to the other, however long each takes. Each dot in a task is 200 ms of work.",
		Programs: []string{"python worker.py", "python new_task.py First message."},
		Queues:   []board.QueueSpec{tutorialQueue("task_queue")},
		Receivers: []board.ReceiverSpec{
			{Queue: "task_queue", Name: "worker A", Ack: board.AckManual, DotMS: 200},
			{Queue: "task_queue", Name: "worker B", Ack: board.AckManual, DotMS: 200},
		},
		Try: publishTry{RoutingKey: "task_queue", Body: "Task {{seq}}...", Count: 6, Persistent: true},
	},
	{
		Name: "fair-dispatch", Chapter: "2", Title: "Fair dispatch, prefetch 1",
		Watch:    "With prefetch 1 a worker gets a new task only once it acked the last: the fast worker takes most of the ten while the slow one is busy. With prefetch 0 they would split evenly whatever their speed.",
		Programs: []string{"python worker.py", "python new_task.py A task....."},
		Queues:   []board.QueueSpec{tutorialQueue("task_queue")},
		Receivers: []board.ReceiverSpec{
			{Queue: "task_queue", Name: "slow worker", Prefetch: 1, Ack: board.AckManual, WorkMS: 2000},
			{Queue: "task_queue", Name: "fast worker", Prefetch: 1, Ack: board.AckManual, WorkMS: 100},
		},
		Try: publishTry{RoutingKey: "task_queue", Body: "Task {{seq}}", Count: 10, Persistent: true},
	},
	{
		Name: "durability", Chapter: "2", Title: "Durability across a restart", Essential: []string{"durable_queue", "transient_queue"},
		Watch:  "Publish persistent messages to durable_queue and to transient_queue, then restart the broker (rabbitmqctl stop_app, then start_app). The survival table shows what was kept: persistent messages in the durable queue; the transient queue is gone with its messages.",
		Queues: []board.QueueSpec{{Name: "durable_queue", Durable: true}, {Name: "transient_queue"}},
		Try:    publishTry{RoutingKey: "durable_queue", Body: "Keep me {{seq}}", Count: 3, Persistent: true},
	},
	{
		Name: "pubsub", Chapter: "3", Title: "Publish/subscribe, fanout",
		Watch:     "A fanout exchange copies every message to every queue bound to it: both receivers get each log line, whatever the routing key.",
		Programs:  []string{"python receive_logs.py", "python emit_log.py"},
		Exchanges: []board.ExchangeSpec{{Name: "logs", Type: "fanout"}},
		Queues:    []board.QueueSpec{{Name: "logs_screen"}, {Name: "logs_disk"}},
		Bindings:  []board.BindingSpec{{Exchange: "logs", Queue: "logs_screen"}, {Exchange: "logs", Queue: "logs_disk"}},
		Receivers: []board.ReceiverSpec{{Queue: "logs_screen", Name: "to the screen"}, {Queue: "logs_disk", Name: "to disk"}},
		Try:       publishTry{Exchange: "logs", Body: "log line {{seq}}", Count: 2},
	},
	{
		Name: "routing", Chapter: "4", Title: "Routing, direct exchange",
		Watch:     "Key 'error' reaches both queues; 'info' and 'warning' reach only all_logs; 'debug' reaches none (tick mandatory to see it come back).",
		Programs:  []string{"python receive_logs_direct.py warning error", "python emit_log_direct.py error \"Run. Run. Or it will explode.\""},
		Exchanges: []board.ExchangeSpec{{Name: "direct_logs", Type: "direct"}},
		Queues:    []board.QueueSpec{{Name: "errors_only"}, {Name: "all_logs"}},
		Bindings: []board.BindingSpec{
			{Exchange: "direct_logs", Queue: "errors_only", RoutingKey: "error"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "info"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "warning"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "error"},
		},
		Receivers: []board.ReceiverSpec{{Queue: "errors_only", Name: "error log"}, {Queue: "all_logs", Name: "every log"}},
		Try:       publishTry{Exchange: "direct_logs", RoutingKey: "error", Body: "disk full", Count: 1},
	},
	{
		Name: "topics", Chapter: "5", Title: "Topics, * and #",
		Watch:     "quick.orange.rabbit reaches both queues, lazy.orange.elephant both too; quick.orange.fox only the first, lazy.brown.fox only the second, quick.brown.fox none. '*' is one word, '#' any number.",
		Programs:  []string{"python receive_logs_topic.py \"*.orange.*\"", "python emit_log_topic.py quick.orange.rabbit \"A quick orange rabbit\""},
		Exchanges: []board.ExchangeSpec{{Name: "topic_logs", Type: "topic"}},
		Queues:    []board.QueueSpec{{Name: "orange_animals"}, {Name: "rabbits_and_lazy"}},
		Bindings: []board.BindingSpec{
			{Exchange: "topic_logs", Queue: "orange_animals", RoutingKey: "*.orange.*"},
			{Exchange: "topic_logs", Queue: "rabbits_and_lazy", RoutingKey: "*.*.rabbit"},
			{Exchange: "topic_logs", Queue: "rabbits_and_lazy", RoutingKey: "lazy.#"},
		},
		Receivers: []board.ReceiverSpec{{Queue: "orange_animals", Name: "Q1 *.orange.*"}, {Queue: "rabbits_and_lazy", Name: "Q2 *.*.rabbit, lazy.#"}},
		Try:       publishTry{Exchange: "topic_logs", RoutingKey: "quick.orange.rabbit", Body: "a quick orange rabbit", Count: 1},
	},
	{
		Name: "rpc", Chapter: "6", Title: "RPC, request and reply",
		Watch: "The client publishes each request to rpc_queue naming the queue for its reply (reply_to) and with a correlation id of its own; the server, with prefetch 1, works out fib(n) and publishes the answer to that queue with the same correlation id. " +
			"Each reply card names its request and how long the round trip took. " +
			"Publish again with reply_to amq.rabbitmq.reply-to: direct reply-to sends each reply straight to the client that asked, through no queue at all.",
		Programs: []string{"python rpc_server.py", "python rpc_client.py"},
		Queues:   []board.QueueSpec{tutorialQueue("rpc_queue"), {Name: "rpc_replies"}},
		Receivers: []board.ReceiverSpec{
			{Queue: "rpc_queue", Name: "RPC server", Prefetch: 1, Ack: board.AckManual, WorkMS: 100, Reply: board.ReplyFibonacci},
			{Queue: "rpc_replies", Name: "RPC client"},
			{Queue: mq.DirectReplyTo, Name: "RPC client, direct reply-to"},
		},
		Try: publishTry{RoutingKey: "rpc_queue", Body: "{{seq}}", Count: 10, ReplyTo: "rpc_replies"},
	},
	{
		Name: "publisher-confirms", Chapter: "7", Title: "Publisher confirms, three ways",
		Watch: "The broker confirms each message it has taken responsibility for. Measure publishes the same 1,000 messages three ways, as the tutorial does: waiting for each confirm before the next, " +
			"publishing batches of 100 and waiting for each batch, and handling confirms as they come; the table shows each way's rate and its time to confirm. A queue that is full nacks what it refuses, and a mandatory message no queue takes comes back.",
		Programs: []string{"java PublisherConfirms (the tutorial has no Python program)"},
		Queues:   []board.QueueSpec{{Name: confirmsQueue}, {Name: confirmsLimited, Arguments: map[string]any{"x-max-length": confirmsLimit, "x-overflow": "reject-publish"}}},
		Try:      publishTry{RoutingKey: confirmsQueue, Body: "Message {{seq}}", Count: 1000},
	},
	{
		Name: "streams", Chapter: "Streams 1", Title: "A stream: a log that readers do not empty",
		Watch: "hello-python-stream is a stream: a log that keeps every message at an offset. Publish 100 messages and the reader, starting from the first, reads them all; the stream still holds all 100. " +
			"Read the log from the queue list: looking takes nothing away. Add a second receiver starting from first, from an offset such as 50, or from next, and each reads from there at its own pace.",
		Programs:  []string{"python send.py", "python receive.py"},
		Queues:    []board.QueueSpec{tutorialStream("hello-python-stream", 5_000_000_000)},
		Receivers: []board.ReceiverSpec{{Queue: "hello-python-stream", Name: "reader from first", Prefetch: 10, Ack: board.AckManual, Offset: board.OffsetFirst}},
		Try:       publishTry{RoutingKey: "hello-python-stream", Body: "Hello, World! {{seq}}", Count: 100},
	},
	{
		Name: "stream-offsets", Chapter: "Streams 2", Title: "Stream offsets: each reader at its own place",
		Watch: "Two readers of stream-offset-tracking-python start from the first message: the fast one keeps up, the slow one (half a second a message) falls behind, and each column says the offset it has reached. " +
			"Neither takes anything from the other. Pause the slow reader and resume it: it goes on from the first message it had not acked, as the tutorial's program does with its stored offset.",
		Programs: []string{"python offset_tracking_send.py", "python offset_tracking_receive.py"},
		Queues:   []board.QueueSpec{tutorialStream("stream-offset-tracking-python", 2_000_000_000)},
		Receivers: []board.ReceiverSpec{
			{Queue: "stream-offset-tracking-python", Name: "fast reader", Prefetch: 10, Ack: board.AckManual, Offset: board.OffsetFirst},
			{Queue: "stream-offset-tracking-python", Name: "slow reader", Prefetch: 1, Ack: board.AckManual, WorkMS: 500, Offset: board.OffsetFirst},
		},
		Try: publishTry{RoutingKey: "stream-offset-tracking-python", Body: "hello {{seq}}", Count: 100},
	},
	{
		Name: "dead-letter", Title: "Dead-lettering with a TTL", Essential: []string{"work_with_ttl"},
		Watch: "Nobody consumes work_with_ttl, so each message expires after 5 seconds and RabbitMQ moves it to dead_letters, where the receiver shows it. Watch the queue depths on the way.",
		Queues: []board.QueueSpec{
			{Name: "dead_letters"},
			{Name: "work_with_ttl", Arguments: map[string]any{"x-message-ttl": 5000, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead_letters"}},
		},
		Receivers: []board.ReceiverSpec{{Queue: "dead_letters", Name: "dead letters"}},
		Try:       publishTry{RoutingKey: "work_with_ttl", Body: "expires in 5 s", Count: 1},
	},
	{
		Name: "quorum-failover", Title: "Quorum queue across a node failure", Cluster: true,
		Watch: "The durability lesson's next chapter. Publish the 100 persistent tasks to quorum_tasks (and a few to classic_tasks), then stop the node rabbitboard is connected to " +
			"(rabbitmqctl -n NODE stop_app). rabbitboard moves to another node and the page names it. The quorum queue keeps a copy on a majority of the nodes, so every confirmed message is still there and the worker takes them all; " +
			"the classic queue lived on the stopped node alone, so it is unavailable until that node is back.",
		Queues: []board.QueueSpec{
			{Name: "quorum_tasks", Durable: true, Arguments: map[string]any{"x-queue-type": "quorum"}},
			{Name: "classic_tasks", Durable: true},
		},
		Receivers: []board.ReceiverSpec{{Queue: "quorum_tasks", Name: "worker", Prefetch: 10, Ack: board.AckManual, WorkMS: 50}},
		Try:       publishTry{RoutingKey: "quorum_tasks", Body: "Task {{seq}}", Count: 100, Persistent: true},
	},
}

// offeredLessons lists the lessons this broker can show: the cluster ones only
// on a cluster.
func offeredLessons(cluster bool) []Lesson {
	return slices.DeleteFunc(slices.Clone(Lessons), func(p Lesson) bool { return p.Cluster && !cluster })
}

// lessons runs lessons and remembers what each run added (its receivers,
// and the queues and exchanges that did not exist before it), so a reset
// removes exactly what the lesson made.
type lessons struct {
	mu   sync.Mutex
	made map[string]*made // lesson name -> what its runs made
}

type made struct {
	receivers, queues, exchanges []string
}

// madeBy is what a lesson's runs made, for the caller to change under mu.
func (ps *lessons) madeBy(name string) *made {
	if ps.made[name] == nil {
		ps.made[name] = &made{}
	}
	return ps.made[name]
}

func findLesson(name string) (Lesson, error) {
	for _, p := range Lessons {
		if p.Name == name {
			return p, nil
		}
	}
	return Lesson{}, board.Fail(board.CodeNotFound, "err.no_lesson", "name", fmt.Sprintf("%q", name))
}

func (s *Server) listLessons(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, offeredLessons(s.cfg.Broker.Nodes() > 1))
}

// setUpLesson sets a lesson up; ?replace=true (or a form's replace field)
// deletes and declares again a queue or exchange that exists with other
// settings than the tutorial's.
func (s *Server) setUpLesson(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Replace bool `json:"replace"`
	}
	p, err := findLesson(r.PathValue("name"))
	if err == nil {
		err = decode(r, 4<<10, &req)
	}
	var notes words.Sentences
	if err == nil {
		notes, err = s.setUp(p, req.Replace || r.URL.Query().Get("replace") == "true")
	}
	if err != nil {
		respondError(w, r, err)
		return
	}
	// Every viewer shows the lesson until the next one.
	s.cfg.State.Apply(lessonOf(p))
	to := words.Say("lesson.to_default")
	if p.Try.Exchange != "" {
		to = words.Say("lesson.to_exchange", "exchange", p.Try.Exchange)
	}
	ready := words.Say("lesson.ready", "title", words.LessonText{Name: p.Name, What: "title", English: p.Title}, "to", to,
		"routing_key", p.Try.RoutingKey, "watch", words.LessonText{Name: p.Name, What: "watch", English: p.Watch})
	respond(w, r, http.StatusOK, p, append(words.Sentences{ready}, notes...))
}

// setUp declares what the lesson needs and adds its receivers. A lesson
// run twice replaces its receivers rather than doubling them, and the
// receivers of other lessons on its queues go: one lesson at a time. A
// queue that exists with other settings is used as it is, with a note,
// unless the lesson depends on them (Essential) or replace says to
// declare it again.
func (s *Server) setUp(p Lesson, replace bool) (notes words.Sentences, err error) {
	for _, other := range Lessons {
		if other.Name == p.Name || sharesQueue(p, other) {
			if err := s.tearDown(other, false); err != nil {
				return nil, err
			}
		}
	}
	b := s.cfg.Broker
	for _, x := range p.Exchanges {
		existed := b.ExchangeExists(x.Name)
		if _, err := b.DeclareExchange(x); err != nil {
			if !replace || !isPrecondition(err) {
				return nil, offerReplace(p, err)
			}
			if err := b.DeleteExchange(x.Name); err != nil {
				return nil, err
			}
			if _, err := b.DeclareExchange(x); err != nil {
				return nil, err
			}
			notes = append(notes, words.Say("done.replaced_exchange", "exchange", x.Name))
		}
		if !existed {
			s.remember(p.Name, func(m *made) { m.exchanges = append(m.exchanges, x.Name) })
		}
	}
	for _, q := range p.Queues {
		before, inspectErr := b.InspectQueue(q.Name)
		existed := inspectErr == nil
		if _, err := b.DeclareQueue(q); err != nil {
			switch {
			case !isPrecondition(err):
				return nil, err
			case replace:
				if err := b.DeleteQueue(q.Name); err != nil {
					return nil, err
				}
				if _, err := b.DeclareQueue(q); err != nil {
					return nil, err
				}
				notes = append(notes, words.Say("done.replaced_queue", "queue", q.Name, "count", before.Messages))
			case slices.Contains(p.Essential, q.Name):
				return nil, offerReplace(p, err)
			default:
				notes = append(notes, words.Say("done.kept_queue", "queue", q.Name))
			}
		}
		if !existed {
			s.remember(p.Name, func(m *made) { m.queues = append(m.queues, q.Name) })
		}
	}
	for _, bd := range p.Bindings {
		if _, err := b.Bind(bd); err != nil {
			return nil, err
		}
	}
	for _, rs := range p.Receivers {
		info, err := b.AddReceiver(rs)
		if err != nil {
			return nil, err
		}
		s.remember(p.Name, func(m *made) { m.receivers = append(m.receivers, info.ID) })
	}
	return notes, nil
}

func (s *Server) remember(lesson string, change func(m *made)) {
	s.lessons.mu.Lock()
	defer s.lessons.mu.Unlock()
	m := s.lessons.madeBy(lesson)
	change(m)
	m.queues, m.exchanges = slices.Compact(m.queues), slices.Compact(m.exchanges)
}

// sharesQueue says whether two lessons use a queue of the same name.
func sharesQueue(a, b Lesson) bool {
	return slices.ContainsFunc(a.Queues, func(q board.QueueSpec) bool {
		return slices.ContainsFunc(b.Queues, func(o board.QueueSpec) bool { return o.Name == q.Name })
	})
}

func isPrecondition(err error) bool {
	var me *board.Error
	return errors.As(err, &me) && me.Code == board.CodePreconditionFailed
}

// offerReplace adds to a refusal what a lesson can do about it.
func offerReplace(p Lesson, err error) error {
	var me *board.Error
	if !errors.As(err, &me) || me.Code != board.CodePreconditionFailed {
		return err
	}
	return board.Fail(me.Code, "err.replace", "why", me.Said, "name", p.Name)
}

// tearDown removes the lesson's receivers and, with everything, the queues
// and exchanges it made: never one that existed before it.
func (s *Server) tearDown(p Lesson, everything bool) error {
	s.lessons.mu.Lock()
	m := s.lessons.madeBy(p.Name)
	ids := m.receivers
	m.receivers = nil
	var queues, exchanges []string
	if everything {
		queues, exchanges = m.queues, m.exchanges
		delete(s.lessons.made, p.Name)
	}
	s.lessons.mu.Unlock()
	for _, id := range ids {
		if rc, err := s.cfg.Broker.Receiver(id); err == nil {
			// One still finishing long work goes when its queue does.
			if _, err := removeWithin(rc); err != nil {
				return err
			}
		}
	}
	var errs []error
	for _, q := range slices.Backward(queues) {
		if err := s.cfg.Broker.DeleteQueue(q); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
	}
	for _, x := range exchanges {
		if err := s.cfg.Broker.DeleteExchange(x); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func isNotFound(err error) bool {
	var me *board.Error
	return errors.As(err, &me) && (me.Code == board.CodeBrokerNotFound || me.Code == board.CodeNotFound)
}

func (s *Server) resetLesson(w http.ResponseWriter, r *http.Request) {
	p, err := findLesson(r.PathValue("name"))
	if err == nil {
		err = s.tearDown(p, true)
	}
	if err != nil {
		respondError(w, r, err)
		return
	}
	s.cfg.State.endLesson(p.Name)
	respond(w, r, http.StatusOK, map[string]string{"reset": p.Name}, words.Say("done.lesson_reset", "title", words.LessonText{Name: p.Name, What: "title", English: p.Title}))
}

// The publisher confirms lesson's queues: one for the three ways, and one
// that refuses publishes past its length, to show a nack.
const (
	confirmsQueue   = "confirms_lesson"
	confirmsLimited = "confirms_limited"
	confirmsLimit   = 10
)

// measureConfirms is POST /api/confirms {"count": N}: the publisher
// confirms lesson's measurement (N messages, 1,000 unless said), on every
// viewer's screen. The lesson's queues are declared when missing.
func (s *Server) measureConfirms(w http.ResponseWriter, r *http.Request) {
	req := struct {
		Count int `json:"count"`
	}{Count: 1000}
	if err := decode(r, 4<<10, &req); err != nil {
		respondError(w, r, err)
		return
	}
	if req.Count < 1 || req.Count > s.cfg.Limits.MaxCount {
		respondError(w, r, board.Fail(board.CodeLimit, "err.count_range", "max", s.cfg.Limits.MaxCount))
		return
	}
	p, _ := findLesson("publisher-confirms")
	for _, q := range p.Queues {
		if _, err := s.cfg.Broker.DeclareQueue(q); err != nil {
			respondError(w, r, err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	ev, err := s.cfg.Broker.CompareConfirms(ctx, confirmsQueue, confirmsLimited, req.Count, confirmsLimit)
	if err != nil {
		respondError(w, r, err)
		return
	}
	s.cfg.State.Apply(ev)
	rate := func(i int) int { return int(ev.Strategies[i].Rate + 0.5) }
	respond(w, r, http.StatusOK, ev, words.Say("done.confirms", "count", req.Count, "one", rate(0), "batch", rate(1), "async", rate(2),
		"nacked", ev.Nacked, "sent", ev.LimitedSent, "returned", ev.Returned))
}

// lessonOf is the lesson event of a lesson: its words and what it
// declares.
func lessonOf(p Lesson) board.LessonEvent {
	l := board.LessonEvent{Type: board.TypeLesson, Name: p.Name, Title: p.Title, Watch: p.Watch,
		TitleSaid: words.InEvery(words.LessonText{Name: p.Name, What: "title", English: p.Title}),
		WatchSaid: words.InEvery(words.LessonText{Name: p.Name, What: "watch", English: p.Watch})}
	for _, x := range p.Exchanges {
		l.Exchanges = append(l.Exchanges, x.Name)
	}
	for _, q := range p.Queues {
		l.Queues = append(l.Queues, q.Name)
	}
	return l
}
