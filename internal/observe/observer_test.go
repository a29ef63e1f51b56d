package observe

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/management"
	"rabbitboard/internal/testkit"

	amqp "github.com/rabbitmq/amqp091-go"
)

// host lends the Observer a connection of the test's own, as the AMQP
// adapter lends its: that connection is rabbitboard's, any other is
// another program's.
type host struct {
	conn  *amqp.Connection
	ready chan struct{}
}

func (h *host) Connection() (*amqp.Connection, error) { return h.conn, nil }
func (h *host) Ready() <-chan struct{}                { return h.ready }
func (h *host) RefreshQueue(string)                   {}
func (h *host) OwnConnection(name string) bool {
	return name == h.conn.LocalAddr().String()+" -> "+h.conn.RemoteAddr().String()
}
func (h *host) WithChannel(f func(*amqp.Channel) error) error {
	ch, err := h.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return f(ch)
}
func (h *host) Content(body []byte, props board.Properties, _ amqp.Table) board.Content {
	return board.Content{Body: string(body), BodySize: len(body), Properties: props}
}

// sink keeps the events the Observer reports.
type sink struct {
	mu     sync.Mutex
	events []board.Event
}

func (s *sink) add(e board.Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *sink) all() []board.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

// The Observer on its own, lent a connection through Host: switched on,
// it turns the firehose on; another program's publishes show as observed
// publishes routed to its queue, its consumer as an outside receiver
// (manual ack, prefetch 1, its connection's name) and each message it
// takes as a delivery in that receiver's column, in order; rabbitboard's
// own connection's traffic shows nowhere. Switched off, the receiver
// leaves and the firehose is off again, as it was found.
func TestObserverShowsAnotherProgram(t *testing.T) {
	testkit.NeedsBroker(t)
	if testkit.Tracing(t) {
		t.Fatal("tracing is on before the test: another run left it on")
	}
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatalf("RabbitMQ at %s: %v", testkit.AMQPURL(), err)
	}
	defer conn.Close()
	h := &host{conn: conn, ready: make(chan struct{})}
	close(h.ready)
	events := &sink{}
	o := New(h, Config{
		Management: management.New("/", management.Endpoint{Base: "http://127.0.0.1:15672", User: "guest", Password: "guest", Client: &http.Client{}}, TraceQueuePrefix),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)), Events: events.add,
		OpTimeout: 5 * time.Second, QueueLength: 1000, MaxOutside: 64, GoneAfter: time.Minute, Replica: "r",
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o.Start(ctx)
	st, err := o.Switch(ctx, true)
	if err != nil || !st.Enabled || st.Tracing != board.TracingOn {
		t.Fatalf("switched on: %+v, %v; want enabled with tracing on", st, err)
	}
	defer func() {
		if !testkit.Tracing(t) {
			return
		}
		_, _ = o.Switch(context.Background(), false) // leave the broker as found, even on failure
	}()

	// rabbitboard's own traffic, on the host's connection: never shown.
	own, _ := conn.Channel()
	q := "rb-observe-pkg-" + time.Now().Format("150405.000")
	if _, err := own.QueueDeclare(q, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	if err := own.Publish("", q+"-nowhere", false, false, amqp.Publishing{Body: []byte("rabbitboard's own")}); err != nil {
		t.Fatal(err)
	}

	// Another program: a worker with prefetch 1 and manual acks, and a sender.
	other, err := amqp.DialConfig(testkit.AMQPURL(), amqp.Config{Properties: amqp.Table{"connection_name": "worker.py"}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ch, _ := other.Channel()
	_ = ch.Qos(1, 0, false)
	deliveries, err := ch.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for d := range deliveries {
			_ = d.Ack(false)
		}
	}()
	time.Sleep(200 * time.Millisecond) // the consumer listed before the first message
	for _, body := range []string{"First.", "Second..", "Third..."} {
		if err := ch.Publish("", q, false, false, amqp.Publishing{Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}

	var outside board.ReceiverInfo
	var published, delivered []string
	testkit.WaitFor(t, 15*time.Second, "three observed publishes, three deliveries and the listed consumer", func() bool {
		published, delivered = nil, nil
		for _, e := range events.all() {
			switch e := e.(type) {
			case board.ObservedPublishEvent:
				published = append(published, e.Body+" -> "+e.RoutingKey+" "+strings.Join(e.RoutedQueues, ","))
			case board.ReceiverEvent:
				if e.Receiver.Kind == board.KindOutside && e.Receiver.Queue == q {
					outside = e.Receiver
				}
			case board.DeliveryEvent:
				if e.Queue == q {
					delivered = append(delivered, e.Receiver+" "+e.Body)
				}
			}
		}
		// A delivery may come before the broker lists its consumer: the
		// column is then corrected from the lists (within a second).
		return len(published) >= 3 && len(delivered) >= 3 && outside.ConsumerTag != ""
	})
	want := []string{"First. -> " + q + " " + q, "Second.. -> " + q + " " + q, "Third... -> " + q + " " + q}
	if !slices.Equal(published, want) {
		t.Errorf("observed publishes %q, want %q (rabbitboard's own publish never)", published, want)
	}
	id := outside.ID
	if !strings.HasPrefix(id, "r-o") || outside.Name != "worker.py" || outside.Ack != board.AckManual || outside.Prefetch != 1 || outside.Channel != 1 {
		t.Errorf("the outside receiver: %+v; want one of replica r (r-o...) named worker.py, manual ack, prefetch 1, channel 1", outside)
	}
	if want := []string{id + " First.", id + " Second..", id + " Third..."}; !slices.Equal(delivered, want) {
		t.Errorf("deliveries %q, want %q", delivered, want)
	}

	st, err = o.Switch(ctx, false)
	if err != nil || st.Enabled {
		t.Fatalf("switched off: %+v, %v", st, err)
	}
	if testkit.Tracing(t) {
		t.Error("tracing stayed on after the observer that switched it on stopped")
	}
	removed := false
	for _, e := range events.all() {
		if r, ok := e.(board.ReceiverRemovedEvent); ok && r.Receiver == id {
			removed = true
		}
	}
	if !removed || len(o.Receivers()) != 0 {
		t.Errorf("switched off, the outside receiver stays: removed event %v, receivers %+v", removed, o.Receivers())
	}
}
