package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"rabbitboard/mq"
)

// Preset is one scenario of the tutorial series, set up in one click.
type Preset struct {
	Name      string            `json:"name"`
	Title     string            `json:"title"`
	Watch     string            `json:"watch"` // what to watch for, in two or three sentences
	Exchanges []mq.ExchangeSpec `json:"exchanges"`
	Queues    []mq.QueueSpec    `json:"queues"`
	Bindings  []mq.BindingSpec  `json:"bindings"`
	Receivers []mq.ReceiverSpec `json:"receivers"`
	// Try is the publish that shows the lesson; the page fills its form.
	Try publishTry `json:"try"`
	// Cluster: offered only when rabbitboard is given a cluster's nodes.
	Cluster bool `json:"cluster,omitempty"`
}

type publishTry struct {
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Body       string `json:"body"`
	Count      int    `json:"count"`
	Persistent bool   `json:"persistent"`
}

// Presets are the scenarios, in the order of the tutorials.
var Presets = []Preset{
	{
		Name: "hello", Title: "Hello world",
		Watch:     "The sender publishes to the default exchange with routing key 'hello'; the default exchange hands the message to the queue of that name, and the receiver, with auto ack, takes it at once.",
		Queues:    []mq.QueueSpec{{Name: "hello"}},
		Receivers: []mq.ReceiverSpec{{Queue: "hello", Name: "receiver", Ack: mq.AckAuto}},
		Try:       publishTry{RoutingKey: "hello", Body: "Hello World!", Count: 1},
	},
	{
		Name: "work-queue", Title: "Work queue, round-robin",
		Watch:  "Six tasks, two workers: RabbitMQ hands them out in turn, 1, 3, 5 to one worker and 2, 4, 6 to the other, however long each takes. Each dot in a task is 200 ms of work.",
		Queues: []mq.QueueSpec{{Name: "task_queue", Durable: true}},
		Receivers: []mq.ReceiverSpec{
			{Queue: "task_queue", Name: "worker A", Ack: mq.AckManual, DotMS: 200},
			{Queue: "task_queue", Name: "worker B", Ack: mq.AckManual, DotMS: 200},
		},
		Try: publishTry{RoutingKey: "task_queue", Body: "Task {{seq}}...", Count: 6, Persistent: true},
	},
	{
		Name: "fair-dispatch", Title: "Fair dispatch, prefetch 1",
		Watch:  "With prefetch 1 a worker gets a new task only once it acked the last: the fast worker takes most of the ten while the slow one is busy. With prefetch 0 they would split evenly whatever their speed.",
		Queues: []mq.QueueSpec{{Name: "fair_queue", Durable: true}},
		Receivers: []mq.ReceiverSpec{
			{Queue: "fair_queue", Name: "slow worker", Prefetch: 1, Ack: mq.AckManual, WorkMS: 2000},
			{Queue: "fair_queue", Name: "fast worker", Prefetch: 1, Ack: mq.AckManual, WorkMS: 100},
		},
		Try: publishTry{RoutingKey: "fair_queue", Body: "Task {{seq}}", Count: 10, Persistent: true},
	},
	{
		Name: "durability", Title: "Durability across a restart",
		Watch:  "Publish persistent messages to durable_queue and to transient_queue, then restart the broker (rabbitmqctl stop_app, then start_app). The survival table shows what was kept: persistent messages in the durable queue; the transient queue is gone with its messages.",
		Queues: []mq.QueueSpec{{Name: "durable_queue", Durable: true}, {Name: "transient_queue"}},
		Try:    publishTry{RoutingKey: "durable_queue", Body: "Keep me {{seq}}", Count: 3, Persistent: true},
	},
	{
		Name: "pubsub", Title: "Publish/subscribe, fanout",
		Watch:     "A fanout exchange copies every message to every queue bound to it: both receivers get each log line, whatever the routing key.",
		Exchanges: []mq.ExchangeSpec{{Name: "logs", Type: "fanout"}},
		Queues:    []mq.QueueSpec{{Name: "logs_screen"}, {Name: "logs_disk"}},
		Bindings:  []mq.BindingSpec{{Exchange: "logs", Queue: "logs_screen"}, {Exchange: "logs", Queue: "logs_disk"}},
		Receivers: []mq.ReceiverSpec{{Queue: "logs_screen", Name: "to the screen"}, {Queue: "logs_disk", Name: "to disk"}},
		Try:       publishTry{Exchange: "logs", Body: "log line {{seq}}", Count: 2},
	},
	{
		Name: "routing", Title: "Routing, direct exchange",
		Watch:     "Key 'error' reaches both queues; 'info' and 'warning' reach only all_logs; 'debug' reaches none (tick mandatory to see it come back).",
		Exchanges: []mq.ExchangeSpec{{Name: "direct_logs", Type: "direct"}},
		Queues:    []mq.QueueSpec{{Name: "errors_only"}, {Name: "all_logs"}},
		Bindings: []mq.BindingSpec{
			{Exchange: "direct_logs", Queue: "errors_only", RoutingKey: "error"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "info"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "warning"},
			{Exchange: "direct_logs", Queue: "all_logs", RoutingKey: "error"},
		},
		Receivers: []mq.ReceiverSpec{{Queue: "errors_only", Name: "error log"}, {Queue: "all_logs", Name: "every log"}},
		Try:       publishTry{Exchange: "direct_logs", RoutingKey: "error", Body: "disk full", Count: 1},
	},
	{
		Name: "topics", Title: "Topics, * and #",
		Watch:     "quick.orange.rabbit reaches both queues, lazy.orange.elephant both too; quick.orange.fox only the first, lazy.brown.fox only the second, quick.brown.fox none. '*' is one word, '#' any number.",
		Exchanges: []mq.ExchangeSpec{{Name: "topic_animals", Type: "topic"}},
		Queues:    []mq.QueueSpec{{Name: "orange_animals"}, {Name: "rabbits_and_lazy"}},
		Bindings: []mq.BindingSpec{
			{Exchange: "topic_animals", Queue: "orange_animals", RoutingKey: "*.orange.*"},
			{Exchange: "topic_animals", Queue: "rabbits_and_lazy", RoutingKey: "*.*.rabbit"},
			{Exchange: "topic_animals", Queue: "rabbits_and_lazy", RoutingKey: "lazy.#"},
		},
		Receivers: []mq.ReceiverSpec{{Queue: "orange_animals", Name: "Q1 *.orange.*"}, {Queue: "rabbits_and_lazy", Name: "Q2 *.*.rabbit, lazy.#"}},
		Try:       publishTry{Exchange: "topic_animals", RoutingKey: "quick.orange.rabbit", Body: "a quick orange rabbit", Count: 1},
	},
	{
		Name: "dead-letter", Title: "Dead-lettering with a TTL",
		Watch: "Nobody consumes work_with_ttl, so each message expires after 5 seconds and RabbitMQ moves it to dead_letters, where the receiver shows it. Watch the queue depths on the way.",
		Queues: []mq.QueueSpec{
			{Name: "dead_letters"},
			{Name: "work_with_ttl", Arguments: map[string]any{"x-message-ttl": 5000, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead_letters"}},
		},
		Receivers: []mq.ReceiverSpec{{Queue: "dead_letters", Name: "dead letters"}},
		Try:       publishTry{RoutingKey: "work_with_ttl", Body: "expires in 5 s", Count: 1},
	},
	{
		Name: "quorum-failover", Title: "Quorum queue across a node failure", Cluster: true,
		Watch: "The durability lesson's next chapter. Publish the 100 persistent tasks to quorum_tasks (and a few to classic_tasks), then stop the node rabbitboard is connected to " +
			"(rabbitmqctl -n NODE stop_app). rabbitboard moves to another node and the page names it. The quorum queue keeps a copy on a majority of the nodes, so every confirmed message is still there and the worker takes them all; " +
			"the classic queue lived on the stopped node alone, so it is unavailable until that node is back.",
		Queues: []mq.QueueSpec{
			{Name: "quorum_tasks", Durable: true, Arguments: map[string]any{"x-queue-type": "quorum"}},
			{Name: "classic_tasks", Durable: true},
		},
		Receivers: []mq.ReceiverSpec{{Queue: "quorum_tasks", Name: "worker", Prefetch: 10, Ack: mq.AckManual, WorkMS: 50}},
		Try:       publishTry{RoutingKey: "quorum_tasks", Body: "Task {{seq}}", Count: 100, Persistent: true},
	},
}

// offeredPresets lists the scenarios this broker can show: the cluster ones only
// on a cluster.
func offeredPresets(cluster bool) []Preset {
	return slices.DeleteFunc(slices.Clone(Presets), func(p Preset) bool { return p.Cluster && !cluster })
}

// presets runs presets and remembers which receivers each run added, so
// a reset removes exactly what the preset made.
type presets struct {
	mu        sync.Mutex
	receivers map[string][]string // preset name -> receiver ids
}

func findPreset(name string) (Preset, error) {
	for _, p := range Presets {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, &mq.Error{Code: mq.CodeNotFound, Message: fmt.Sprintf("There is no scenario %q.", name)}
}

func (s *Server) listPresets(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, offeredPresets(s.cfg.Broker.Nodes() > 1))
}

func (s *Server) runPreset(w http.ResponseWriter, r *http.Request) {
	p, err := findPreset(r.PathValue("name"))
	if err == nil {
		err = s.setUp(p)
	}
	if err != nil {
		respondError(w, r, err)
		return
	}
	// Every viewer shows the lesson until the next one.
	s.cfg.State.Apply(mq.LessonEvent{Type: mq.TypeLesson, Name: p.Name, Title: p.Title, Watch: p.Watch})
	respond(w, r, http.StatusOK, p, requestLang(r).ScenarioReady(p.Name, p.Title, p.Watch, p.Try.Exchange, p.Try.RoutingKey))
}

// setUp declares what the preset needs and adds its receivers. A preset
// run twice replaces its receivers rather than doubling them.
func (s *Server) setUp(p Preset) error {
	if err := s.tearDown(p, false); err != nil {
		return err
	}
	b := s.cfg.Broker
	for _, x := range p.Exchanges {
		if _, err := b.DeclareExchange(x); err != nil {
			return err
		}
	}
	for _, q := range p.Queues {
		if _, err := b.DeclareQueue(q); err != nil {
			return err
		}
	}
	for _, bd := range p.Bindings {
		if _, err := b.Bind(bd); err != nil {
			return err
		}
	}
	for _, rs := range p.Receivers {
		info, err := b.AddReceiver(rs)
		if err != nil {
			return err
		}
		s.presets.mu.Lock()
		s.presets.receivers[p.Name] = append(s.presets.receivers[p.Name], info.ID)
		s.presets.mu.Unlock()
	}
	return nil
}

// tearDown removes the preset's receivers and, with everything, its
// queues and exchanges too.
func (s *Server) tearDown(p Preset, everything bool) error {
	s.presets.mu.Lock()
	ids := s.presets.receivers[p.Name]
	delete(s.presets.receivers, p.Name)
	s.presets.mu.Unlock()
	for _, id := range ids {
		if rc, err := s.cfg.Broker.Receiver(id); err == nil {
			// One still finishing long work goes when its queue does.
			if _, err := removeWithin(rc); err != nil {
				return err
			}
		}
	}
	if !everything {
		return nil
	}
	var errs []error
	for _, q := range slices.Backward(p.Queues) {
		if err := s.cfg.Broker.DeleteQueue(q.Name); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
	}
	for _, x := range p.Exchanges {
		if err := s.cfg.Broker.DeleteExchange(x.Name); err != nil && !isNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func isNotFound(err error) bool {
	var me *mq.Error
	return errors.As(err, &me) && (me.Code == mq.CodeBrokerNotFound || me.Code == mq.CodeNotFound)
}

func (s *Server) resetPreset(w http.ResponseWriter, r *http.Request) {
	p, err := findPreset(r.PathValue("name"))
	if err == nil {
		err = s.tearDown(p, true)
	}
	if err != nil {
		respondError(w, r, err)
		return
	}
	s.cfg.State.endLesson(p.Name)
	respond(w, r, http.StatusOK, map[string]string{"reset": p.Name}, fmt.Sprintf("%s: removed its receivers, queues and exchanges.", p.Title))
}
