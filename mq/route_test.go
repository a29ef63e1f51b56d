package mq

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// routeCase is one message: where rabbitboard says it goes, and where the
// broker put it.
type routeCase struct {
	key     string
	headers map[string]any
}

// checkRouting declares an exchange with the bindings, publishes every case
// to it, reads which queues got what, and compares with Route.
func checkRouting(t *testing.T, b *Broker, ex board.ExchangeSpec, bindings []board.BindingSpec, cases []routeCase) int {
	t.Helper()
	t.Cleanup(func() { _ = b.DeleteExchange(ex.Name) })
	_ = b.DeleteExchange(ex.Name)
	if _, err := b.DeclareExchange(ex); err != nil {
		t.Fatal(err)
	}
	queues := map[string]bool{}
	for i := range bindings {
		bindings[i].Exchange = ex.Name
		if !queues[bindings[i].Queue] {
			queues[bindings[i].Queue] = true
			freshQueue(t, b, board.QueueSpec{Name: bindings[i].Queue})
		}
		if _, err := b.Bind(bindings[i]); err != nil {
			t.Fatal(err)
		}
	}
	topo := board.TopologyEvent{Exchanges: []board.ExchangeSpec{ex}, Bindings: bindings}
	want := map[string][]string{} // queue -> bodies
	for i, c := range cases {
		body := fmt.Sprint("case ", i)
		publish(t, b, Publication{Message: board.Message{Exchange: ex.Name, RoutingKey: c.key, Headers: c.headers, Body: []byte(body)}, Count: 1})
		for _, q := range Route(topo, ex.Name, c.key, c.headers) {
			want[q] = append(want[q], body)
		}
	}
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	time.Sleep(100 * time.Millisecond)
	for q := range queues {
		var got []string
		for {
			d, ok, err := ch.Get(q, true)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, string(d.Body))
		}
		if !slices.Equal(got, want[q]) {
			t.Errorf("queue %s: the broker delivered %v, rabbitboard predicted %v", q, got, want[q])
		}
	}
	return len(cases)
}

func TestTopicRoutingAgreesWithTheBroker(t *testing.T) {
	b, _ := openBroker(t)
	bindings := []board.BindingSpec{
		{Queue: "rb-test-topic-orange", RoutingKey: "*.orange.*"},
		{Queue: "rb-test-topic-rabbit", RoutingKey: "*.*.rabbit"},
		{Queue: "rb-test-topic-rabbit", RoutingKey: "lazy.#"},
		{Queue: "rb-test-topic-all", RoutingKey: "#"},
		{Queue: "rb-test-topic-exact", RoutingKey: "kern.critical"},
		{Queue: "rb-test-topic-kern", RoutingKey: "kern.*"},
		{Queue: "rb-test-topic-mid", RoutingKey: "a.#.z"},
		{Queue: "rb-test-topic-empty", RoutingKey: ""},
		{Queue: "rb-test-topic-star", RoutingKey: "*"},
		{Queue: "rb-test-topic-hashes", RoutingKey: "#.#.#.#.#.#.#.z"},
		{Queue: "rb-test-topic-hashstar", RoutingKey: "#.*.#.b"},
	}
	var cases []routeCase
	for _, key := range []string{
		"quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "lazy.brown.fox", "lazy.pink.rabbit",
		"quick.brown.fox", "quick.orange.new.rabbit", "lazy.orange.new.rabbit", "orange", "lazy", "lazy.",
		"kern.critical", "kern.info", "kern", "kern.critical.disk", "a.z", "a.b.z", "a.b.c.z", "a.z.z", "z.a",
		"", ".", "..", "quick..rabbit", "*.orange.*", "#", "a.#.z", "x.orange.y", "orange.orange.orange", "rabbit",
		"z", "b", "x.b", "b.b", "z.z.z", strings.Repeat("a.", 9) + "a", strings.Repeat("a.", 9) + "z", strings.Repeat("a.", 8) + "b",
	} {
		cases = append(cases, routeCase{key: key})
	}
	n := checkRouting(t, b, board.ExchangeSpec{Name: "rb-test-topic", Type: "topic"}, bindings, cases)
	t.Logf("%d topic cases over %d bindings agree with the broker", n, len(bindings))
	if n < 30 {
		t.Fatalf("only %d cases", n)
	}
}

func TestHeadersRoutingAgreesWithTheBroker(t *testing.T) {
	b, _ := openBroker(t)
	bindings := []board.BindingSpec{
		{Queue: "rb-test-headers-all", Arguments: map[string]any{"x-match": "all", "format": "pdf", "type": "report"}},
		{Queue: "rb-test-headers-any", Arguments: map[string]any{"x-match": "any", "format": "pdf", "type": "log"}},
		{Queue: "rb-test-headers-default", Arguments: map[string]any{"format": "zip"}},
		{Queue: "rb-test-headers-number", Arguments: map[string]any{"x-match": "all", "size": float64(42)}},
		{Queue: "rb-test-headers-none", Arguments: map[string]any{"x-match": "all"}},
		{Queue: "rb-test-headers-anynone", Arguments: map[string]any{"x-match": "any"}},
	}
	var cases []routeCase
	for _, h := range []map[string]any{
		nil,
		{"format": "pdf", "type": "report"},
		{"format": "pdf"},
		{"type": "log"},
		{"format": "zip"},
		{"format": "zip", "type": "report"},
		{"format": "PDF", "type": "report"},
		{"size": float64(42)},
		{"size": "42"},
		{"size": float64(43)},
		{"format": "pdf", "type": "report", "size": float64(42)},
		{"type": "report"},
		{"other": "x"},
		{"format": "pdf", "type": "log"},
		{"x-match": "any", "format": "zip"},
		{"format": true},
		{"format": "pdf", "extra": map[string]any{"nested": "yes"}},
		{"type": "log", "size": float64(42)},
		{"format": "zip", "size": float64(42), "type": "log"},
		{"format": ""},
		{"type": "report", "format": "pdf", "other": float64(1)},
		{"size": float64(42.5)},
	} {
		cases = append(cases, routeCase{headers: h})
	}
	n := checkRouting(t, b, board.ExchangeSpec{Name: "rb-test-headers", Type: "headers"}, bindings, cases)
	t.Logf("%d headers cases over %d bindings agree with the broker", n, len(bindings))
	if n < 20 {
		t.Fatalf("only %d cases", n)
	}
}

func TestDirectFanoutAndAlternateExchange(t *testing.T) {
	b, _ := openBroker(t)
	_ = b.DeleteExchange("rb-test-unrouted")
	if _, err := b.DeclareExchange(board.ExchangeSpec{Name: "rb-test-unrouted", Type: "fanout"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.DeleteExchange("rb-test-unrouted") })
	freshQueue(t, b, board.QueueSpec{Name: "rb-test-direct-unrouted"})
	if _, err := b.Bind(board.BindingSpec{Exchange: "rb-test-unrouted", Queue: "rb-test-direct-unrouted"}); err != nil {
		t.Fatal(err)
	}
	bindings := []board.BindingSpec{
		{Queue: "rb-test-direct-error", RoutingKey: "error"},
		{Queue: "rb-test-direct-all", RoutingKey: "error"},
		{Queue: "rb-test-direct-all", RoutingKey: "info"},
		{Queue: "rb-test-direct-all", RoutingKey: "warning"},
	}
	var cases []routeCase
	for _, k := range []string{"error", "info", "warning", "debug", "", "Error"} {
		cases = append(cases, routeCase{key: k})
	}
	ex := board.ExchangeSpec{Name: "rb-test-direct", Type: "direct", Arguments: map[string]any{"alternate-exchange": "rb-test-unrouted"}}
	n := checkRouting(t, b, ex, bindings, cases)
	conn, _ := amqp.Dial(testkit.AMQPURL())
	defer conn.Close()
	ch, _ := conn.Channel()
	got := 0
	for {
		_, ok, _ := ch.Get("rb-test-direct-unrouted", true)
		if !ok {
			break
		}
		got++
	}
	if got != 3 { // debug, "" and Error match no binding
		t.Errorf("the alternate exchange's queue got %d, want 3", got)
	}
	t.Logf("%d direct cases agree with the broker", n)

	if _, err := b.DeclareExchange(board.ExchangeSpec{Name: "rb-test-bad", Type: "x-custom"}); err == nil || err.(*board.Error).Code != board.CodeInvalid {
		t.Fatalf("an unknown exchange type: %v, want invalid input before the broker sees it", err)
	}
	publish(t, b, Publication{Message: board.Message{RoutingKey: "rb-test-direct-error", Body: []byte("still connected")}, Count: 1})
}

// A pattern of many "#" against a long key: the matcher's time grows with
// words times pattern words (the old backtracking one took seconds here).
func BenchmarkTopicMatchManyHashes(b *testing.B) {
	pattern := keyWords("#.#.#.#.#.#.#.z")
	key := keyWords(strings.Repeat("a.", 39) + "a")
	for b.Loop() {
		if topicMatch(pattern, key) {
			b.Fatal("matched")
		}
	}
}
