package mq

import (
	"sync"
	"sync/atomic"
	"time"

	"rabbitboard/board"

	"rabbitboard/words"
)

// maxSteps is how many steps may wait for a receiver at once.
const maxSteps = 100

// paceInterval is the time between two messages given out at pace 1
// while pacing: at 0.5 one every second, at 0.25 one every two.
const paceInterval = 500 * time.Millisecond

// pacer gives rabbitboard's receivers their messages one at a time while
// the pace is below 1. Each receiver then consumes with prefetch 1 (and
// acks itself for an auto-ack receiver), so the broker holds the rest in
// the queue: the lesson runs slowly on the broker, not only on screen. A
// receiver holds the one message it was sent until the pacer lets it
// through: at the pace, or one by one with Step.
type pacer struct {
	slow   atomic.Bool // pace below 1: receivers hold each message for a turn
	mu     sync.Mutex
	pace   float64
	change chan struct{} // closed and replaced on every change
	turns  chan struct{} // a receiver holding a message takes a turn here
	steps  chan struct{}
}

func newPacer() *pacer {
	return &pacer{pace: 1, change: make(chan struct{}), turns: make(chan struct{}), steps: make(chan struct{}, maxSteps)}
}

func (p *pacer) get() (float64, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pace, p.change
}

func (p *pacer) set(pace float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pace == p.pace {
		return false
	}
	p.pace = pace
	p.slow.Store(pace < 1)
	close(p.change)
	p.change = make(chan struct{})
	return true
}

// run hands out turns until done: freely at pace 1 (to the receivers still
// holding a message from before), one every paceInterval/pace below it,
// and one for each step.
func (p *pacer) run(done <-chan struct{}) {
	for {
		pace, change := p.get()
		var tick <-chan time.Time
		switch {
		case pace >= 1:
			select {
			case p.turns <- struct{}{}:
			case <-change:
			case <-done:
				return
			}
			continue
		case pace > 0:
			tick = time.After(time.Duration(float64(paceInterval) / pace))
		}
		select {
		case <-tick:
		case <-p.steps:
		case <-change:
			continue
		case <-done:
			return
		}
		select {
		case p.turns <- struct{}{}:
		case <-change:
		case <-done:
			return
		}
	}
}

// Pace is the pace of rabbitboard's receivers.
func (b *Broker) Pace() float64 {
	pace, _ := b.pacer.get()
	return pace
}

// SetPace sets the pace of rabbitboard's receivers: 1, 0.5, 0.25 or 0.
// Going below 1 or back, each receiver consumes again in the mode the pace
// needs.
func (b *Broker) SetPace(pace float64) error {
	valid := false
	for _, p := range board.Paces {
		valid = valid || p == pace
	}
	if !valid {
		return invalid("err.pace", "pace", pace)
	}
	before := b.Pace()
	if !b.pacer.set(pace) {
		return nil
	}
	b.cfg.Events(board.PaceEvent{Type: board.TypePace, Pace: pace, Said: words.InEvery(board.PaceSaid(pace))})
	if (before < 1) != (pace < 1) {
		for _, r := range b.receiverList() {
			_ = r.do(command{action: actionRepace})
		}
	}
	return nil
}

// Step lets exactly one more message through to a receiver while the pace
// holds them.
func (b *Broker) Step() error {
	if !b.pacer.slow.Load() {
		return board.Fail(board.CodeConflict, "err.step_full_speed")
	}
	select {
	case b.pacer.steps <- struct{}{}:
	default:
		return board.Fail(board.CodeLimit, "err.steps_max", "max", maxSteps)
	}
	return nil
}
