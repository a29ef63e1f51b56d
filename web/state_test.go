package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"rabbitboard/board"
)

// A receiver's ring keeps its last deliveries, oldest first, and nothing
// when no history is kept.
func TestRecentRing(t *testing.T) {
	seqs := func(r *recentRing) []int64 {
		var got []int64
		for i := range r.len() {
			got = append(got, r.at(i).Seq)
		}
		return got
	}
	r := &recentRing{}
	for seq := int64(1); seq <= 7; seq++ {
		r.add(recentDelivery{DeliveryEvent: board.DeliveryEvent{Seq: seq}}, 3)
		want := max(1, seq-2)
		if got := seqs(r); len(got) != int(seq-want+1) || got[0] != want || got[len(got)-1] != seq {
			t.Fatalf("after %d: %v", seq, got)
		}
	}
	r.at(2).Settled = board.OutcomeAck
	if r.at(2).Seq != 7 || r.buf[(r.start+2)%3].Settled != board.OutcomeAck {
		t.Fatalf("the newest is not changed in place: %+v", r.buf)
	}
	none := &recentRing{}
	none.add(recentDelivery{}, 0)
	var missing *recentRing
	if none.len() != 0 || missing.len() != 0 {
		t.Fatalf("kept %d with no history", none.len())
	}
}

// The snapshot carries what the charts count, by the second each event
// happened, and the last publish the lesson bar says; a settled recent
// delivery says when it was settled. A late page draws what the others do.
func TestSnapshotCarriesChartsAndActivity(t *testing.T) {
	s := NewState(&broadcasts{}, 10, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	ago := func(sec int) time.Time { return now.Add(-time.Duration(sec) * time.Second) }
	s.Apply(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: board.ReceiverInfo{ID: "r1", ReceiverSpec: board.ReceiverSpec{Queue: "hello", Ack: board.AckAuto}}})
	s.Apply(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: board.ReceiverInfo{ID: "r2", ReceiverSpec: board.ReceiverSpec{Queue: "task_queue", Ack: board.AckManual}}})
	s.Apply(board.PublishedEvent{Type: board.TypePublished, RoutingKey: "hello", Count: 3, Confirmed: 3, Queues: []string{"hello"}, At: ago(5)})
	s.Apply(board.ObservedPublishEvent{Type: board.TypeObservedPublish, RoutingKey: "task_queue", RoutedQueues: []string{"task_queue"}, At: ago(3)})
	for seq := range int64(3) {
		s.Apply(board.DeliveryEvent{Type: board.TypeDelivery, Receiver: "r1", Queue: "hello", Seq: seq + 1, At: ago(4)})
	}
	s.Apply(board.DeliveryEvent{Type: board.TypeDelivery, Receiver: "r2", Queue: "task_queue", Seq: 1, At: ago(3)})
	s.Apply(board.SettledEvent{Type: board.TypeSettled, Receiver: "r2", Seq: 1, Outcome: board.OutcomeAck, At: ago(1)})
	s.Apply(board.PublishedEvent{Type: board.TypePublished, RoutingKey: "nowhere", Count: 1, Confirmed: 1, Queues: []string{}, At: ago(70)})

	snap := s.Snapshot()
	at := func(key, what string, sec int) int {
		counts := snap.Rates.Series[key][what]
		if counts == nil {
			return 0
		}
		if len(counts) != RateWindow {
			t.Fatalf("%s %s: %d counts", key, what, len(counts))
		}
		return counts[RateWindow-1-int(snap.Rates.Now-ago(sec).Unix())]
	}
	for _, c := range []struct {
		key, what string
		sec, want int
	}{
		{"r1", "delivered", 4, 3}, {"r1", "acked", 4, 3}, // auto ack: acked as delivered
		{"r2", "delivered", 3, 1}, {"r2", "acked", 3, 0}, {"r2", "acked", 1, 1},
		{"q:hello", "published", 5, 3}, {"q:task_queue", "published", 3, 1},
		{"", "published", 5, 3}, {"", "published", 3, 1},
		{"", "published", 0, 1}, // a time outside the window counts now
	} {
		if got := at(c.key, c.what, c.sec); got != c.want {
			t.Errorf("%q %s %d s ago: %d, want %d", c.key, c.what, c.sec, got, c.want)
		}
	}
	var last struct {
		Type       string `json:"type"`
		RoutingKey string `json:"routing_key"`
	}
	if err := json.Unmarshal(snap.Activity, &last); err != nil || last.Type != "published" || last.RoutingKey != "nowhere" {
		t.Errorf("activity %s (%v)", snap.Activity, err)
	}
	var settled []recentDelivery
	for _, d := range snap.Recent {
		if d.Settled != "" {
			settled = append(settled, d)
		}
	}
	if len(settled) != 1 || settled[0].Receiver != "r2" || !settled[0].SettledAt.Equal(ago(1)) {
		t.Errorf("settled recent deliveries: %+v", settled)
	}

	s.Apply(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: "r1"})
	if _, ok := s.Snapshot().Rates.Series["r1"]; ok {
		t.Error("a removed receiver's chart is still in the snapshot")
	}
}
