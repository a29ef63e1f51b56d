package web

import (
	"time"

	"rabbitboard/board"
)

// RateWindow is how many seconds of counts the charts show.
const RateWindow = 60

// perSecond counts something each second of the last RateWindow seconds,
// in a ring: the slot of a second that has passed is reused.
type perSecond [RateWindow]struct {
	sec int64
	n   int
}

func (p *perSecond) add(sec int64, n int) {
	b := &p[sec%RateWindow]
	if b.sec != sec {
		b.sec, b.n = sec, 0
	}
	b.n += n
}

// last are the counts of the RateWindow seconds up to now, oldest first,
// and whether any is not 0.
func (p *perSecond) last(now int64) (counts []int, any bool) {
	counts = make([]int, RateWindow)
	for i := range counts {
		sec := now - RateWindow + 1 + int64(i)
		if b := p[sec%RateWindow]; b.sec == sec && sec > 0 {
			counts[i] = b.n
			any = any || b.n != 0
		}
	}
	return counts, any
}

// rateCounts are one chart's counts: a receiver's deliveries and acks, a
// queue's publishes (key "q:" and its name), or every publish (key "").
type rateCounts struct {
	delivered, acked, published perSecond
}

// Rates are the charts' counts as the snapshot carries them, so that a
// page opened late, or reloaded, draws what the others draw: Series[key]
// holds up to three lists of RateWindow counts, the last one Now's.
type Rates struct {
	Now    int64                       `json:"now"`
	Series map[string]map[string][]int `json:"series"`
}

// rates counts, under the state's lock, what every viewer's charts count:
// the server's clock decides the second, so every page agrees.
type rates map[string]*rateCounts

func (r rates) of(key string) *rateCounts {
	c := r[key]
	if c == nil {
		c = &rateCounts{}
		r[key] = c
	}
	return c
}

// unixSecond is the second an event counts in: its own time, unless it
// has none or one outside the window (a replica's clock gone wrong).
func unixSecond(t time.Time) int64 {
	now := time.Now().Unix()
	if sec := t.Unix(); !t.IsZero() && sec > now-RateWindow && sec <= now+1 {
		return sec
	}
	return now
}

// count adds what one event changes to the charts. receivers are the
// receivers as the state knows them.
func (r rates) count(ev board.Event, receivers map[string]board.ReceiverInfo) {
	switch e := ev.(type) {
	case board.DeliveryEvent:
		c, sec := r.of(e.Receiver), unixSecond(e.At)
		c.delivered.add(sec, 1)
		if receivers[e.Receiver].Ack == board.AckAuto {
			c.acked.add(sec, 1)
		}
	case board.SettledEvent:
		if e.Outcome == board.OutcomeAck {
			r.of(e.Receiver).acked.add(unixSecond(e.At), 1)
		}
	case board.PublishedEvent:
		r.published(e.Queues, unixSecond(e.At), e.Confirmed)
	case board.ObservedPublishEvent:
		r.published(e.RoutedQueues, unixSecond(e.At), 1)
	case board.ReceiverRemovedEvent:
		delete(r, e.Receiver)
	}
}

func (r rates) published(queues []string, sec int64, n int) {
	if n == 0 {
		return
	}
	r.of("").published.add(sec, n)
	for _, q := range queues {
		r.of("q:"+q).published.add(sec, n)
	}
}

// snapshot are the counts up to now, leaving out lists of zeros; it
// forgets the charts that have nothing left to draw.
func (r rates) snapshot(now time.Time) Rates {
	out := Rates{Now: now.Unix(), Series: map[string]map[string][]int{}}
	for key, c := range r {
		m := map[string][]int{}
		for name, p := range map[string]*perSecond{"delivered": &c.delivered, "acked": &c.acked, "published": &c.published} {
			if counts, any := p.last(out.Now); any {
				m[name] = counts
			}
		}
		if len(m) == 0 {
			delete(r, key)
			continue
		}
		out.Series[key] = m
	}
	return out
}
