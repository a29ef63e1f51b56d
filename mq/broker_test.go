package mq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/goleak"

	"rabbitboard/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorder keeps every event a Broker reports.
type recorder struct {
	mu     sync.Mutex
	events []board.Event
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) record(e board.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// all is every event so far.
func (r *recorder) all() []board.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func (r *recorder) deliveries(receiver string) []board.DeliveryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []board.DeliveryEvent
	for _, e := range r.events {
		if d, ok := e.(board.DeliveryEvent); ok && (receiver == "" || d.Receiver == receiver) {
			out = append(out, d)
		}
	}
	return out
}

func (r *recorder) settled(receiver string) []board.SettledEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []board.SettledEvent
	for _, e := range r.events {
		if s, ok := e.(board.SettledEvent); ok && s.Receiver == receiver {
			out = append(out, s)
		}
	}
	return out
}

// openBroker starts a Broker against the machine's RabbitMQ and closes it
// when the test ends. A missing broker fails the test.
func openBroker(t *testing.T) (*Broker, *recorder) {
	t.Helper()
	return openBrokerNamed(t, "rabbitboard-test")
}

func openBrokerNamed(t *testing.T, connectionName string) (*Broker, *recorder) {
	t.Helper()
	testkit.NeedsBroker(t)
	rec := newRecorder()
	b := New(Config{URL: testkit.AMQPURL(), Events: rec.record, PollInterval: 200 * time.Millisecond, ManagementURL: "-", ConnectionName: connectionName})
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	testkit.WaitFor(t, 5*time.Second, "the broker connection (is RabbitMQ running at "+Redact(testkit.AMQPURL())+"?)", func() bool {
		return b.State().State == "connected"
	})
	return b, rec
}

// freshQueue declares an empty queue named for the test and deletes it after.
func freshQueue(t *testing.T, b *Broker, spec board.QueueSpec) string {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "rb-test-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	}
	_ = b.DeleteQueue(spec.Name)
	if _, err := b.DeclareQueue(spec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.DeleteQueue(spec.Name) })
	return spec.Name
}

func addReceiver(t *testing.T, b *Broker, spec board.ReceiverSpec) string {
	t.Helper()
	info, err := b.AddReceiver(spec)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != board.StateConsuming {
		t.Fatalf("receiver %s is %s (%s), want consuming", info.ID, info.State, info.Error)
	}
	return info.ID
}

func publish(t *testing.T, b *Broker, p Publication) board.PublishResult {
	t.Helper()
	res, err := b.Publish(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Confirmed != p.Count {
		t.Fatalf("publish: %+v, want %d confirmed", res, p.Count)
	}
	return res
}

func bodies(ds []board.DeliveryEvent) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Body
	}
	return out
}

func TestRoundRobin(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	a := addReceiver(t, b, board.ReceiverSpec{Queue: q, Ack: board.AckAuto})
	c := addReceiver(t, b, board.ReceiverSpec{Queue: q, Ack: board.AckAuto})
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("Task {{seq}}")}, Count: 10})
	testkit.WaitFor(t, 5*time.Second, "10 deliveries", func() bool { return len(rec.deliveries("")) == 10 })

	got := map[string][]string{a: bodies(rec.deliveries(a)), c: bodies(rec.deliveries(c))}
	odd := []string{"Task 1", "Task 3", "Task 5", "Task 7", "Task 9"}
	even := []string{"Task 2", "Task 4", "Task 6", "Task 8", "Task 10"}
	first, second := a, c
	if len(got[a]) > 0 && got[a][0] == "Task 2" {
		first, second = c, a
	}
	if fmt.Sprint(got[first]) != fmt.Sprint(odd) || fmt.Sprint(got[second]) != fmt.Sprint(even) {
		t.Fatalf("round-robin: %s got %v, %s got %v; want one %v and the other %v", a, got[a], c, got[c], odd, even)
	}
	for _, id := range []string{a, c} {
		r, _ := b.Receiver(id)
		if info := r.Info(); info.Counters != (board.Counters{Received: 5, Acked: 5, Unacked: 0}) {
			t.Errorf("%s counters %+v, want 5 received, 5 acked, 0 unacked", id, info.Counters)
		}
	}
}

func TestFairDispatch(t *testing.T) {
	for _, tc := range []struct {
		name             string
		prefetch         int
		minFast, maxFast int
	}{
		// Prefetch 1: the slow receiver (300 ms a message) holds one message
		// at a time, so the fast one takes nearly all of the 20. It takes at
		// least 15 as long as it is scheduled at all during the slow one's
		// first 300 ms.
		{"prefetch 1", 1, 15, 19},
		// Prefetch 0: the broker pushes every message at once, in turn,
		// whatever the receivers' speed.
		{"prefetch 0", 0, 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, rec := openBroker(t)
			q := freshQueue(t, b, board.QueueSpec{})
			slow := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: tc.prefetch, Ack: board.AckManual, WorkMS: 300})
			fast := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: tc.prefetch, Ack: board.AckManual})
			publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("Task {{seq}}")}, Count: 20})
			testkit.WaitFor(t, 10*time.Second, "20 deliveries", func() bool { return len(rec.deliveries("")) == 20 })
			nf, ns := len(rec.deliveries(fast)), len(rec.deliveries(slow))
			if nf < tc.minFast || nf > tc.maxFast || nf+ns != 20 {
				t.Fatalf("fast receiver took %d, slow %d; want fast in [%d, %d] and 20 in all", nf, ns, tc.minFast, tc.maxFast)
			}
		})
	}
}

func TestKillRedelivers(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	slow := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: 3, Ack: board.AckManual, WorkMS: 60000})
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("job {{seq}}")}, Count: 5})
	testkit.WaitFor(t, 5*time.Second, "the slow receiver to hold 3", func() bool {
		r, _ := b.Receiver(slow)
		return r.Info().Unacked == 3
	})
	held := bodies(rec.deliveries(slow))
	r, _ := b.Receiver(slow)
	if err := r.Do(board.ActionKill); err != nil {
		t.Fatal(err)
	}
	if info := r.Info(); info.State != board.StateKilled || info.Unacked != 0 {
		t.Fatalf("after kill: %+v, want killed with 0 unacked", info)
	}
	requeued := rec.settled(slow)
	if len(requeued) != 3 {
		t.Fatalf("settled events after kill: %+v, want 3 requeued", requeued)
	}
	for _, s := range requeued {
		if s.Outcome != "requeued" || !s.Requeue {
			t.Errorf("settled %+v, want outcome requeued", s)
		}
	}
	other := addReceiver(t, b, board.ReceiverSpec{Queue: q, Ack: board.AckManual})
	testkit.WaitFor(t, 5*time.Second, "5 deliveries to the other receiver", func() bool { return len(rec.deliveries(other)) == 5 })
	redelivered := map[string]bool{}
	for _, d := range rec.deliveries(other) {
		redelivered[d.Body] = d.Redelivered
	}
	for i := 1; i <= 5; i++ {
		body := fmt.Sprintf("job %d", i)
		wasHeld := false
		for _, h := range held {
			wasHeld = wasHeld || h == body
		}
		got, ok := redelivered[body]
		if !ok || got != wasHeld {
			t.Errorf("%q: delivered=%v redelivered=%v, want delivered and redelivered=%v", body, ok, got, wasHeld)
		}
	}
	testkit.WaitFor(t, 5*time.Second, "the queue to be empty and all acked", func() bool {
		info, err := b.InspectQueue(q)
		o, _ := b.Receiver(other)
		return err == nil && info.Messages == 0 && o.Info().Acked == 5
	})
}

func TestPropertiesRoundTrip(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{Durable: true})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q})
	binary := []byte{0, 0xff, 0xfe, 'a', 0x80}
	publish(t, b, Publication{Message: board.Message{
		RoutingKey: q, Body: binary, Persistent: true,
		Properties: board.PublishProperties{ContentType: "application/octet-stream", MessageID: "m-1", CorrelationID: "c-1", Priority: 3, AppID: "test"},
		Headers:    map[string]any{"trace": "abc", "n": float64(42), "nested": map[string]any{"ok": true}},
	}, Count: 1})
	testkit.WaitFor(t, 5*time.Second, "the delivery", func() bool { return len(rec.deliveries(id)) == 1 })
	d := rec.deliveries(id)[0]
	if d.Encoding != "base64" || d.Body != "AP/+YYA=" {
		t.Errorf("body %q encoding %q, want base64 AP/+YYA=", d.Body, d.Encoding)
	}
	want := board.Properties{PublishProperties: board.PublishProperties{ContentType: "application/octet-stream", MessageID: "m-1", CorrelationID: "c-1", Priority: 3, AppID: "test"}, DeliveryMode: 2}
	if d.Properties != want {
		t.Errorf("properties %+v, want %+v", d.Properties, want)
	}
	h, _ := json.Marshal(d.Headers)
	if string(h) != `{"n":42,"nested":{"ok":true},"trace":"abc"}` {
		t.Errorf("headers %s", h)
	}
}

func TestRefusalsKeepConnection(t *testing.T) {
	b, _ := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{Durable: false})
	const internal = "rb-test-internal"
	ch := testkit.Channel(t)
	if err := ch.ExchangeDeclare(internal, "fanout", false, true, true, false, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		do   func() error
		code board.Code
		msg  string
	}{
		{"redeclare durable", func() error { _, err := b.DeclareQueue(board.QueueSpec{Name: q, Durable: true}); return err },
			"PRECONDITION_FAILED", "The queue '" + q + "' is not durable; this asks for one that is durable."},
		{"reserved name", func() error { _, err := b.DeclareQueue(board.QueueSpec{Name: "amq.mine"}); return err },
			"ACCESS_REFUSED", "The name 'amq.mine' starts with 'amq.', which RabbitMQ keeps for itself: choose another queue name."},
		{"missing queue", func() error { _, err := b.PurgeQueue("rb-test-no-such-queue"); return err },
			"NOT_FOUND", "There is no queue 'rb-test-no-such-queue': declare it first."},
		{"missing exchange", func() error {
			_, err := b.Publish(context.Background(), Publication{Message: board.Message{Exchange: "rb-no-such-exchange"}, Count: 1})
			return err
		}, "NOT_FOUND", "There is no exchange 'rb-no-such-exchange': declare it first."},
		{"internal exchange", func() error {
			_, err := b.Publish(context.Background(), Publication{Message: board.Message{Exchange: internal}, Count: 1})
			return err
		}, "ACCESS_REFUSED", "RabbitMQ refused access: ACCESS_REFUSED - cannot publish to internal exchange 'rb-test-internal'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			e, ok := err.(*board.Error)
			if !ok || e.Code != tc.code || !strings.HasPrefix(e.Error(), tc.msg) {
				t.Fatalf("got %#v, want code %s and message starting %q", err, tc.code, tc.msg)
			}
			publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("still fine")}, Count: 1})
		})
	}
}

func TestMandatoryReturn(t *testing.T) {
	b, rec := openBroker(t)
	res, err := b.Publish(context.Background(), Publication{Message: board.Message{RoutingKey: "rb-test-nobody-here", Body: []byte("x"), Mandatory: true}, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res != (board.PublishResult{Published: 3, Confirmed: 3, Returned: 3}) {
		t.Fatalf("result %+v, want 3 published, confirmed and returned", res)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, e := range rec.events {
		if r, ok := e.(board.ReturnedEvent); ok {
			n++
			if r.ReplyText != "NO_ROUTE" || r.Body != "x" {
				t.Errorf("returned %+v", r)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d returned events, want 3", n)
	}
}

// Requests that publish at the same time overlap on the publisher's
// channels, and each counts exactly its own returns: eight at once, every
// other one mandatory to a key no queue has.
func TestConcurrentPublishesCountTheirOwnReturns(t *testing.T) {
	b, _ := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	const requests, count = 8, 500
	results := make([]board.PublishResult, requests)
	errs := make([]error, requests)
	var wg sync.WaitGroup
	for i := range requests {
		key := q
		if i%2 == 1 {
			key = "rb-test-nobody-here"
		}
		wg.Go(func() {
			results[i], errs[i] = b.Publish(context.Background(), Publication{Message: board.Message{RoutingKey: key, Body: []byte("x"), Mandatory: true}, Count: count})
		})
	}
	wg.Wait()
	for i := range requests {
		want := board.PublishResult{Published: count, Confirmed: count}
		if i%2 == 1 {
			want.Returned = count
		}
		if errs[i] != nil || results[i] != want {
			t.Errorf("request %d: %+v, %v; want %+v", i, results[i], errs[i], want)
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the queue's messages", func() bool {
		info, err := b.InspectQueue(q)
		return err == nil && info.Messages == requests/2*count
	})
}

// A message published by another AMQP client reaches a receiver, and one
// published by rabbitboard reaches another client.
func TestOtherClients(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	ch := testkit.Channel(t)
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("to outside")}, Count: 1})
	got, ok, err := ch.Get(q, true)
	if err != nil || !ok || string(got.Body) != "to outside" {
		t.Fatalf("outside get: %q %v %v", got.Body, ok, err)
	}
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q})
	if err := ch.Publish("", q, false, false, amqp.Publishing{Body: []byte("from outside")}); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the outside message", func() bool { return len(rec.deliveries(id)) == 1 })
	if d := rec.deliveries(id)[0]; d.Body != "from outside" {
		t.Fatalf("body %q", d.Body)
	}
}
