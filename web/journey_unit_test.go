package web

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"
)

// A journey read from hand-made events, with no broker: a stamped publish,
// a delivery carrying two x-death entries (expired, then rejected), its
// ack; a delivery of another message is not in it.
func TestJourneyOf(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 10, 42, 5, 0, time.UTC)
	event := func(v any) []byte { b, _ := json.Marshal(v); return b }
	delivery := func(id string, seq int64, headers map[string]any) board.DeliveryEvent {
		d := board.DeliveryEvent{Type: board.TypeDelivery, Receiver: "r1", Queue: "dlq", Seq: seq, Exchange: "dlx", RoutingKey: "dead"}
		d.Properties.MessageID = id
		d.Headers = headers
		return d
	}
	deaths := map[string]any{"x-death": []any{
		map[string]any{"queue": "retry", "reason": "rejected", "count": 1, "exchange": "retry-x", "routing-keys": []any{"again"}, "time": "2026-12-04T10:42:06Z"},
		map[string]any{"queue": "work", "reason": "expired", "count": 1, "exchange": "", "routing-keys": []any{"work"}, "time": "2026-12-04T10:42:05Z"},
	}}
	entries := []timelineEntry{
		{seq: 1, at: t0.Add(100 * time.Millisecond), data: event(board.PublishedEvent{Type: board.TypePublished, RoutingKey: "work", Count: 3, Queues: []string{"work"}, Stamped: "rb-abc-", SentAt: t0.Add(100 * time.Millisecond)})},
		{seq: 2, at: t0.Add(2 * time.Second), data: event(delivery("rb-abc-2", 1, deaths))},
		{seq: 3, at: t0.Add(2 * time.Second), data: event(delivery("rb-abc-3", 2, nil))},
		{seq: 4, at: t0.Add(3 * time.Second), data: event(board.SettledEvent{Type: board.TypeSettled, Receiver: "r1", Seq: 1, Outcome: board.OutcomeAck})},
		{seq: 5, at: t0.Add(3 * time.Second), data: event(board.SettledEvent{Type: board.TypeSettled, Receiver: "r1", Seq: 2, Outcome: board.OutcomeAck})},
	}
	j := journeyOf("rb-abc-2", entries, func(id string) (string, bool) { return "worker", false })
	var got []string
	for _, s := range j.Steps {
		got = append(got, s.At.Format("05.000")+" "+s.Said["en"])
	}
	want := []string{
		"05.100 Published by rabbitboard to exchange (default) with routing key 'work'.",
		"05.100 Routed to work.",
		"05.100 Expired in queue work: its time to live ran out.",
		"05.100 Dead-lettered to exchange retry-x with routing key 'again'.",
		"06.000 Rejected in queue retry without being requeued.",
		"06.000 Dead-lettered to exchange dlx with routing key 'dead'.",
		"07.000 Delivered to worker from queue dlq (attempt 1), 1.9s after it was published.",
		"08.000 Acked by worker: the broker removed it.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(j.Unknown) != 0 {
		t.Fatalf("the journey is\n%s\nwant\n%s\n(unknown %v)", strings.Join(got, "\n"), strings.Join(want, "\n"), j.Unknown)
	}
}
