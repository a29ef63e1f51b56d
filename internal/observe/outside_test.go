package observe

import (
	"testing"
	"time"

	"rabbitboard/board"
)

// A column of another program's consumer settles its cards from what the
// broker counts: a prefetch-1 consumer's card is done when the next
// message reaches it; the channel statistics settle what is older than
// their interval; an auto-ack consumer's cards are taken at once; a
// card of a consumer that left is taken back only when its message is
// delivered again. received = acked + unacked + taken back throughout.
func TestOutsideReceiverSettles(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	manual := func(prefetch int) *outsideReceiver {
		return &outsideReceiver{id: "o1", state: board.StateConsuming, consumer: outsideConsumer{Tags: []string{"ctag"}, AckRequired: true, Prefetch: prefetch}}
	}
	outcomes := func(evs []board.SettledEvent) []string {
		var out []string
		for _, e := range evs {
			out = append(out, string(e.Outcome)+":"+string(rune('0'+e.Seq)))
		}
		return out
	}
	check := func(r *outsideReceiver, received, acked, unacked int64) {
		t.Helper()
		c := r.countsNow()
		if c.Received != received || c.Acked != acked || c.Unacked != unacked {
			t.Fatalf("counts %+v, want received %d acked %d unacked %d", c, received, acked, unacked)
		}
	}

	r := manual(1)
	if evs := r.delivered(1, []byte("Task 1."), now); len(evs) != 0 {
		t.Fatalf("the first delivery settled %v", outcomes(evs))
	}
	evs := r.delivered(2, []byte("Task 2."), now.Add(time.Second))
	if got := outcomes(evs); len(got) != 1 || got[0] != "ack:1" {
		t.Fatalf("the second delivery to a prefetch-1 consumer settled %v, want ack:1", got)
	}
	check(r, 2, 1, 1)
	r.consumer.Unacked = 0 // the statistics: it holds nothing
	if evs := r.reconcile(now.Add(2 * time.Second)); len(evs) != 0 {
		t.Fatalf("a card younger than the statistics' interval settled: %v", outcomes(evs))
	}
	if got := outcomes(r.reconcile(now.Add(7 * time.Second))); len(got) != 1 || got[0] != "ack:2" {
		t.Fatalf("reconcile settled %v, want ack:2", got)
	}
	check(r, 2, 2, 0)

	// A consumer that left holding two cards: the message delivered again
	// elsewhere is taken back, the other done once the wait is over.
	k := manual(0)
	k.delivered(1, []byte("a"), now)
	k.delivered(2, []byte("b"), now)
	k.state, k.since = board.StateGone, now
	if ev, ok := k.takenBack(bodyHash([]byte("b"))); !ok || ev.Outcome != board.OutcomeRequeued || ev.Seq != 2 {
		t.Fatalf("taken back: %+v %v", ev, ok)
	}
	if evs := k.settleLeft(now.Add(5 * time.Second)); len(evs) != 0 {
		t.Fatalf("settled before the wait was over: %v", outcomes(evs))
	}
	if got := outcomes(k.settleLeft(now.Add(11 * time.Second))); len(got) != 1 || got[0] != "ack:1" {
		t.Fatalf("settleLeft: %v, want ack:1", got)
	}
	check(k, 2, 1, 0) // and one taken back

	// Not listed yet: its ack mode is unknown, its cards wait; listed as
	// auto ack, they are all taken.
	p := &outsideReceiver{id: "o2", state: board.StateConsuming}
	p.delivered(1, []byte("x"), now)
	p.delivered(2, []byte("y"), now)
	check(p, 2, 0, 2)
	p.consumer = outsideConsumer{Tags: []string{"ctag"}}
	p.reconcile(now)
	check(p, 2, 2, 0)
	p.delivered(3, []byte("z"), now)
	check(p, 3, 3, 0)
}
