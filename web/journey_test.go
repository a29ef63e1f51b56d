package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// messageIDOf is the message_id of the delivery kept last on queue q.
func messageIDOf(t *testing.T, s *stack, q string) string {
	t.Helper()
	var id string
	testkit.WaitFor(t, 10*time.Second, "a delivery on "+q, func() bool {
		resp, err := http.Get(s.url + "/api/timeline")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		lines, err := ReadTimeline(resp.Body, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if ev, err := board.DecodeEvent(l.Event); err == nil {
				if d, ok := ev.(board.DeliveryEvent); ok && d.Queue == q {
					id = d.Properties.MessageID
				}
			}
		}
		return id != ""
	})
	return id
}

// journey asks for a message's journey until it has want steps.
func journey(t *testing.T, s *stack, id string, want int) Journey {
	t.Helper()
	var j Journey
	testkit.WaitFor(t, 10*time.Second, "the journey's steps", func() bool {
		s.mustCall(t, "GET", "/api/journey?message_id="+url.QueryEscape(id), nil, http.StatusOK, &j)
		return len(j.Steps) >= want
	})
	return j
}

// stepsOf is a journey's steps, each as step@queue/receiver, and checks
// that their times are in order.
func stepsOf(t *testing.T, j Journey, names map[string]string) string {
	t.Helper()
	var out []string
	for i, s := range j.Steps {
		if i > 0 && s.At.Before(j.Steps[i-1].At) {
			t.Errorf("step %d (%s at %v) comes before the step it follows (%v)", i, s.Step, s.At, j.Steps[i-1].At)
		}
		if s.Said["en"] == "" || s.Said["ko"] == "" {
			t.Errorf("step %s is not said in both languages: %v", s.Step, s.Said)
		}
		where := s.Queue + strings.Join(s.Queues, ",")
		if s.Receiver != "" {
			where += "/" + names[s.Receiver]
		}
		out = append(out, s.Step+"@"+where)
	}
	return strings.Join(out, " ")
}

// A message published, expired by its queue's TTL, dead-lettered, taken
// from the dead-letter queue and acked: its journey tells every step, in
// time order, in both languages; clicking its card's Journey shows it.
func TestJourneyDeadLettered(t *testing.T) {
	s := startStack(t, Limits{})
	dlq := s.queue(t, board.QueueSpec{Name: "rb-journey-dlq"})
	ttl := s.queue(t, board.QueueSpec{Name: "rb-journey-ttl", Arguments: map[string]any{"x-message-ttl": 300, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq}})
	r := s.receiver(t, board.ReceiverSpec{Queue: dlq, Name: "dead letters", Ack: board.AckManual, WorkMS: 200})
	t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+r.ID, nil, nil) })
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": ttl, "body": "Too late"}, http.StatusOK, nil)
	id := messageIDOf(t, s, dlq)
	if !strings.HasPrefix(id, "rb-") {
		t.Fatalf("rabbitboard stamped the message %q, want an id of its own", id)
	}
	j := journey(t, s, id, 6)
	names := map[string]string{r.ID: "dead letters"}
	want := "published@ routed@rb-journey-ttl expired@rb-journey-ttl dead_lettered@rb-journey-ttl delivered@rb-journey-dlq/dead letters ack@/dead letters"
	if got := stepsOf(t, j, names); got != want || len(j.Unknown) != 0 {
		t.Fatalf("the journey is\n%s\nwant\n%s\n(unknown: %v)", got, want, j.Unknown)
	}
	if got := j.Steps[3].Said["en"]; got != "Dead-lettered to exchange (default) with routing key 'rb-journey-dlq'." {
		t.Fatalf("the dead-lettering says %q", got)
	}

	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=ko"), chromedp.WaitVisible(chromedp.CSS("#live.on")),
		chromedp.Click(chromedp.CSS(`article[data-receiver="`+r.ID+`"] li.card a.journey`)), chromedp.WaitVisible(chromedp.CSS("#journey ol.steps li"))); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("journey-title").textContent + " | " + document.querySelectorAll("#journey ol.steps li").length + " | " + document.querySelector('#journey li[data-step="expired"]').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(shown, "메시지 "+id+"의 여정 | 6 | ") || !strings.HasSuffix(shown, "큐 rb-journey-ttl에서 만료되었습니다: TTL이 지났습니다.") {
		t.Fatalf("the Korean page's journey shows %q", shown)
	}
}

// A message its first receiver was killed holding goes back to the queue
// and to another receiver: its journey says both deliveries, the broker
// taking it back, and the second receiver's ack.
func TestJourneyRedeliveredAfterKill(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{Name: "rb-journey-kill"})
	a := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "doomed", Ack: board.AckManual, WorkMS: 5000})
	t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+a.ID, nil, nil) })
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "Hard work", "properties": map[string]any{"message_id": "task-42"}}, http.StatusOK, nil)
	if id := messageIDOf(t, s, q); id != "task-42" {
		t.Fatalf("the message's id is %q, want the one it was published with", id)
	}
	b := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "survivor", Ack: board.AckManual})
	t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+b.ID, nil, nil) })
	s.mustCall(t, "POST", "/api/receivers/"+a.ID+"/kill", nil, http.StatusOK, nil)
	j := journey(t, s, "task-42", 6)
	names := map[string]string{a.ID: "doomed", b.ID: "survivor"}
	want := "published@ routed@rb-journey-kill delivered@rb-journey-kill/doomed requeued@/doomed delivered@rb-journey-kill/survivor ack@/survivor"
	if got := stepsOf(t, j, names); got != want {
		t.Fatalf("the journey is\n%s\nwant\n%s", got, want)
	}
	if got := j.Steps[4].Said["en"]; got != "Delivered again to survivor from queue rb-journey-kill (attempt 2, marked redelivered)." {
		t.Fatalf("the second delivery says %q", got)
	}
	s.mustCall(t, "GET", "/api/journey?message_id=nobody", nil, http.StatusNotFound, nil)
	s.mustCall(t, "GET", "/api/journey", nil, http.StatusBadRequest, nil)
}

// The messages of a downloaded timeline published again reach a queue
// with the same bodies, properties and headers, each once.
func TestRepublishTimeline(t *testing.T) {
	s := startStack(t, Limits{})
	from := s.queue(t, board.QueueSpec{Name: "rb-republish-from"})
	to := s.queue(t, board.QueueSpec{Name: "rb-republish-to"})
	r := s.receiver(t, board.ReceiverSpec{Queue: from, Name: "first time", Ack: board.AckAuto})
	t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+r.ID, nil, nil) })
	for i := range 3 {
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": from, "body": fmt.Sprintf("Again {{seq}} #%d", i+1), "persistent": i == 1,
			"properties": map[string]any{"content_type": "text/plain", "correlation_id": fmt.Sprint("c", i), "type": "lesson", "priority": i},
			"headers":    map[string]any{"step": i + 1, "who": "teacher"}}, http.StatusOK, nil)
	}
	export := exported(t, s, 3)
	// The page's form sends the file as multipart.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("timeline", "lesson.ndjson")
	_, _ = fw.Write(export)
	_ = mw.WriteField("routing_key", to)
	_ = mw.WriteField("timing", "fast")
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.url+"/api/republish", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	got, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var res RepublishResult
	_ = json.NewDecoder(got.Body).Decode(&res)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || res != (RepublishResult{Messages: 3, Published: 3, Confirmed: 3}) {
		t.Fatalf("republish answered %d %+v", got.StatusCode, res)
	}
	ch := testkit.Channel(t)
	for i := range 3 {
		m, ok, err := ch.Get(to, true)
		if err != nil || !ok {
			t.Fatalf("message %d: %v %v", i+1, ok, err)
		}
		want := fmt.Sprintf("Again 1 #%d|text/plain|c%d|lesson|%d|%d|map[step:%d who:teacher]", i+1, i, i, map[bool]uint8{true: 2, false: 1}[i == 1], i+1)
		if got := fmt.Sprintf("%s|%s|%s|%s|%d|%d|%v", m.Body, m.ContentType, m.CorrelationId, m.Type, m.Priority, m.DeliveryMode, m.Headers); got != want {
			t.Fatalf("message %d arrived as %q, want %q", i+1, got, want)
		}
		if !strings.HasPrefix(m.MessageId, "rb-") {
			t.Fatalf("message %d lost its message_id: %q", i+1, m.MessageId)
		}
	}
	if _, ok, _ := ch.Get(to, true); ok {
		t.Fatal("a message was published again twice")
	}
	s.mustCall(t, "POST", "/api/republish", "not a timeline", http.StatusBadRequest, nil)

	// The same file, played on every page from the replay's form.
	form.Reset()
	mw = multipart.NewWriter(&form)
	fw, _ = mw.CreateFormFile("timeline", "lesson.ndjson")
	_, _ = fw.Write(export)
	_ = mw.Close()
	req, _ = http.NewRequest("POST", s.url+"/api/replay/file", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	played, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ev ReplayEvent
	_ = json.NewDecoder(played.Body).Decode(&ev)
	played.Body.Close()
	if lines := bytes.Count(export, []byte("\n")); played.StatusCode != http.StatusOK || ev.State != ShowReplay || ev.Total != lines || ev.File != "lesson.ndjson" {
		t.Fatalf("playing the file answered %d %+v, want a replay of its %d events", played.StatusCode, ev, lines)
	}
	s.mustCall(t, "POST", "/api/replay/live", nil, http.StatusOK, nil)
}

// Another program's message, observed through the firehose: its journey
// has its publish (by that program's connection), where it was routed and
// its delivery to the program's consumer, and says that whether it was
// acked cannot be seen.
func TestJourneyObservedProgram(t *testing.T) {
	tracingOff(t)
	s := startStackWith(t, options{management: true})
	q := s.queue(t, board.QueueSpec{Name: "rb-journey-watched", Durable: true})
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": true}, http.StatusOK, nil)
	t.Cleanup(func() { s.call(t, "POST", "/api/observe", map[string]any{"enabled": false}, nil) })
	startWorker(t, q)
	worker := s.outsideOn(t, q, 1)[0]
	newTask(t, q, "Observed.", "observed-7")
	j := journey(t, s, "observed-7", 3)
	got := stepsOf(t, j, map[string]string{worker.ID: "worker"})
	if want := "published@ routed@rb-journey-watched delivered@rb-journey-watched/worker"; got != want {
		t.Fatalf("the journey is\n%s\nwant\n%s", got, want)
	}
	if said := j.Steps[0].Said["en"]; !strings.HasPrefix(said, "Published by another program (") || !strings.Contains(said, " 127.0.0.1:") || !strings.HasSuffix(said, ") to exchange (default) with routing key 'rb-journey-watched'.") {
		t.Fatalf("the publish says %q", said)
	}
	if len(j.Unknown) != 1 || !strings.Contains(j.Unknown[0]["en"], "the firehose shows deliveries, not acks") {
		t.Fatalf("the journey says it cannot know %v", j.Unknown)
	}
}
