package web

import (
	"testing"

	"rabbitboard/mq"
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
		r.add(recentDelivery{DeliveryEvent: mq.DeliveryEvent{Seq: seq}}, 3)
		want := max(1, seq-2)
		if got := seqs(r); len(got) != int(seq-want+1) || got[0] != want || got[len(got)-1] != seq {
			t.Fatalf("after %d: %v", seq, got)
		}
	}
	r.at(2).Settled = mq.OutcomeAck
	if r.at(2).Seq != 7 || r.buf[(r.start+2)%3].Settled != mq.OutcomeAck {
		t.Fatalf("the newest is not changed in place: %+v", r.buf)
	}
	none := &recentRing{}
	none.add(recentDelivery{}, 0)
	var missing *recentRing
	if none.len() != 0 || missing.len() != 0 {
		t.Fatalf("kept %d with no history", none.len())
	}
}
