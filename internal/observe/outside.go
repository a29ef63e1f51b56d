package observe

import (
	"hash/fnv"
	"strings"
	"time"

	"rabbitboard/board"
)

// What a column of another program's consumer may say. The firehose shows
// each delivery but never an ack, so a card of a manual-ack consumer is
// "delivered" until something the broker counts proves it done:
//
//   - a consumer with prefetch p that is given a message while p of its
//     cards are unsettled has finished the oldest (the broker sends no more
//     than p unacked), at the moment of that delivery;
//   - the broker's channel statistics count fewer unacked messages than
//     there are unsettled cards, for cards older than the statistics'
//     interval (a younger card may postdate the count), at the moment the
//     lists are read;
//   - a consumer that left: a card whose message is delivered again,
//     redelivered, on its queue was taken back; the others were done.
//
// So a card never runs a "working" timer for a message the broker no
// longer counts as unacked, and the counts add up: received = acked +
// unacked + taken back.

// statsLag is how old a card must be before the channel statistics'
// unacked count speaks for it: their interval (5 s by default) and a
// little more.
const statsLag = 5500 * time.Millisecond

// unlistedFor is how long a column made from a trace may wait for the
// broker to list its consumer before it turns gone: a basic.get, or a
// consumer that left before it was listed (the broker lists a new one
// within its statistics interval).
const unlistedFor = 8 * time.Second

// takenBackWithin is how long after a consumer left its unsettled cards
// wait to be seen delivered again before they count as done.
const takenBackWithin = 10 * time.Second

// outsideReceiver is a consumer of another program, shown as a column.
type outsideReceiver struct {
	id       string
	replica  string
	colour   int
	consumer outsideConsumer
	state    board.ReceiverState
	counters board.Counters
	seq      int64
	// since is when it appeared, or turned gone.
	since time.Time
	// unsettled are its cards not known done, oldest first: every card
	// while the consumer is not listed yet (its ack mode unknown), then
	// those of a manual-ack consumer.
	unsettled []unsettledCard
}

type unsettledCard struct {
	seq  int64
	at   time.Time
	body uint64 // the message's hash, to know it when it comes back
}

func bodyHash(body []byte) uint64 {
	h := fnv.New64a()
	_, _ = h.Write(body)
	return h.Sum64()
}

// provisional: traced, but not (yet) in the broker's consumer list.
func (r *outsideReceiver) provisional() bool { return len(r.consumer.Tags) == 0 }

func (r *outsideReceiver) info() board.ReceiverInfo {
	ack := board.AckAuto
	if r.consumer.AckRequired {
		ack = board.AckManual
	}
	return board.ReceiverInfo{
		ID: r.id, Kind: board.KindOutside, Colour: r.colour, State: r.state, Counters: r.countsNow(), Replica: r.replica,
		ReceiverSpec: board.ReceiverSpec{Queue: r.consumer.Key.Queue, Name: r.consumer.Name, Prefetch: r.consumer.Prefetch, Ack: ack},
		Client:       r.consumer.Client, Connection: r.consumer.Key.Connection, Channel: r.consumer.Key.Channel,
		ConsumerTag: strings.Join(r.consumer.Tags, " "),
	}
}

// countsNow: received as traced, unacked the cards not known done, acked
// the rest.
func (r *outsideReceiver) countsNow() board.Counters {
	c := r.counters
	c.Unacked = int64(len(r.unsettled))
	return c
}

// delivered records the delivery seq and returns the cards it proves done.
func (r *outsideReceiver) delivered(seq int64, body []byte, now time.Time) []board.SettledEvent {
	r.counters.Received++
	if !r.provisional() && !r.consumer.AckRequired {
		r.counters.Acked++ // auto ack: the broker forgot it on delivery
		return nil
	}
	var done []board.SettledEvent
	if p := r.consumer.Prefetch; p > 0 && !r.provisional() {
		for len(r.unsettled) >= p {
			done = append(done, r.settleOldest(board.OutcomeAck))
		}
	}
	r.unsettled = append(r.unsettled, unsettledCard{seq: seq, at: now, body: bodyHash(body)})
	return done
}

// settleOldest settles the oldest unsettled card with outcome.
func (r *outsideReceiver) settleOldest(outcome board.Outcome) board.SettledEvent {
	return r.settle(0, outcome)
}

func (r *outsideReceiver) settle(i int, outcome board.Outcome) board.SettledEvent {
	c := r.unsettled[i]
	r.unsettled = append(r.unsettled[:i], r.unsettled[i+1:]...)
	if outcome == board.OutcomeAck {
		r.counters.Acked++
	}
	return board.SettledEvent{Type: board.TypeSettled, Receiver: r.id, Seq: c.seq, Outcome: outcome, Counters: board.EventCounters(r.countsNow()), At: time.Now()}
}

// reconcile settles what the broker's lists prove done: everything of an
// auto-ack consumer (its earliest cards waited for the lists to say its
// ack mode), and a manual one's cards beyond its channel's unacked count.
func (r *outsideReceiver) reconcile(now time.Time) []board.SettledEvent {
	if r.provisional() || r.state != board.StateConsuming {
		return nil
	}
	if !r.consumer.AckRequired {
		r.counters.Acked += int64(len(r.unsettled))
		r.unsettled = nil
		return nil
	}
	var done []board.SettledEvent
	for int64(len(r.unsettled)) > r.consumer.Unacked && now.Sub(r.unsettled[0].at) > statsLag {
		done = append(done, r.settleOldest(board.OutcomeAck))
	}
	return done
}

// takenBack settles as requeued the card of a consumer that left whose
// message (by its body) was delivered again on its queue.
func (r *outsideReceiver) takenBack(body uint64) (board.SettledEvent, bool) {
	for i, c := range r.unsettled {
		if c.body == body {
			return r.settle(i, board.OutcomeRequeued), true
		}
	}
	return board.SettledEvent{}, false
}

// settleLeft settles, once a consumer has been gone takenBackWithin, the
// cards nobody was given again: it finished them before it left.
func (r *outsideReceiver) settleLeft(now time.Time) []board.SettledEvent {
	var done []board.SettledEvent
	for r.state == board.StateGone && len(r.unsettled) > 0 && now.Sub(r.since) > takenBackWithin {
		done = append(done, r.settleOldest(board.OutcomeAck))
	}
	return done
}
