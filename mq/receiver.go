package mq

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/words"
)

// command is an action, or (without one) the settling of a delivery.
type command struct {
	action  board.Action
	outcome board.Outcome
	tag     uint64
	requeue bool
	reply   chan error
}

// session is one channel of a receiver, with the deliveries it holds unsettled.
type session struct {
	ch         *amqp.Channel
	closed     <-chan *amqp.Error
	deliveries <-chan amqp.Delivery // nil while not consuming
	tag        string
	canceled   bool               // basic.cancel sent; deliveries drain then close
	paced      bool               // consumed with prefetch 1 and manual acks for the pacer
	held       map[uint64]int64   // delivery tag -> seq
	offsets    map[uint64]int64   // a stream's: delivery tag -> offset in the log
	bodies     map[uint64][]byte  // manual mode: bodies of held deliveries, for the work time
	requests   map[uint64]request // an RPC server's held requests that name a reply queue
}

// request is where an RPC server's reply goes.
type request struct{ replyTo, correlationID string }

// Receiver consumes from one queue on a channel of its own, as a separate
// worker process would, and reports each delivery as an event.
type Receiver struct {
	b      *Broker
	id     string
	colour int
	spec   board.ReceiverSpec
	cmds   chan command
	done   chan struct{}

	// Owned by the receiver's goroutine.
	s        *session
	want     board.ReceiverState
	consumes int
	waiters  []chan error   // answered after the next consume attempt
	pending  []uint64       // manual mode: held deliveries in arrival order
	working  *time.Timer    // runs while the first pending delivery is worked on
	waiting  *amqp.Delivery // while paced: the message sent, shown when the pacer gives a turn

	mu       sync.Mutex // guards the fields below
	state    board.ReceiverState
	errText  string
	errSaid  words.Said
	counters board.Counters
	seq      int64
	// position is the offset of the last message read from a stream
	// (-1: none yet); resume reads again from the first one unsettled.
	position int64
	restart  int64
	// replyCh is the channel of a receiver on amq.rabbitmq.reply-to while
	// it consumes: requests naming it as reply_to are published there.
	replyCh *amqp.Channel
}

// AddReceiver starts a receiver on an existing queue and returns once it
// consumes (or says why it cannot).
func (b *Broker) AddReceiver(spec board.ReceiverSpec) (board.ReceiverInfo, error) {
	if err := validateReceiver(&spec); err != nil {
		return board.ReceiverInfo{}, err
	}
	q, err := b.InspectQueue(spec.Queue)
	if err != nil {
		return board.ReceiverInfo{}, err
	}
	if err := b.checkStreamReceiver(&spec); err != nil {
		return board.ReceiverInfo{}, err
	}
	b.own.mu.Lock()
	if len(b.own.receivers) >= b.cfg.MaxReceivers {
		b.own.mu.Unlock()
		return board.ReceiverInfo{}, board.Fail(board.CodeLimit, "err.receivers_max", "max", b.cfg.MaxReceivers)
	}
	b.own.nextID++
	id := b.idPrefix() + "r" + strconv.Itoa(b.own.nextID)
	if spec.Name == "" {
		spec.Name = "receiver " + id
	}
	taken := map[int]bool{}
	for _, other := range b.own.receivers {
		taken[other.colour] = true
	}
	r := &Receiver{
		b: b, id: id, colour: board.ColourFor(spec.Name, taken), spec: spec, cmds: make(chan command), done: make(chan struct{}),
		want: board.StateConsuming, state: board.StateWaiting, position: -1, restart: -1,
	}
	started := make(chan error, 1)
	r.waiters = append(r.waiters, started)
	b.own.receivers[id] = r
	b.own.order = append(b.own.order, id)
	b.own.mu.Unlock()
	b.mu.Lock()
	if _, ok := b.known[q.Name]; !ok {
		b.known[q.Name] = q.QueueSpec
	}
	b.mu.Unlock()
	go r.run()
	if err := <-started; err != nil {
		// It keeps waiting for its queue; the caller learns why.
		b.log.Info("receiver waits", "receiver", id, "reason", err)
	}
	return r.Info(), nil
}

// Info returns the receiver's settings, state and counters.
func (r *Receiver) Info() board.ReceiverInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.infoLocked()
}

func (r *Receiver) infoLocked() board.ReceiverInfo {
	info := board.ReceiverInfo{ID: r.id, Kind: board.KindOwn, ReceiverSpec: r.spec, Colour: r.colour, State: r.state, Counters: r.counters, Error: r.errText, ErrorSaid: r.errSaid, Replica: r.b.cfg.Replica, Start: r.spec.Offset}
	if r.position >= 0 {
		p := r.position
		info.Offset = &p
	}
	return info
}

// Do carries out an action:
//   - pause cancels the consumer: the receiver takes no new messages;
//   - resume consumes again, after a pause or a kill;
//   - kill closes the receiver's channel at once without acking, as a
//     crashed worker would; the broker requeues what it held;
//   - delete starts removing the receiver: it cancels its consumer,
//     finishes and acks the message in hand, gives back the rest and is
//     gone (Done says when); meanwhile its state is stopping.
func (r *Receiver) Do(a board.Action) error {
	if !slices.Contains(board.Actions, a) {
		return invalid("err.action", "value", fmt.Sprintf("%q", a))
	}
	return r.do(command{action: a})
}

// Done is closed once the receiver is gone.
func (r *Receiver) Done() <-chan struct{} { return r.done }

// Settle acks, nacks or rejects a delivery of an interactive receiver.
func (r *Receiver) Settle(tag uint64, outcome board.Outcome, requeue bool) error {
	if !outcome.Chosen() {
		return invalid("err.outcome")
	}
	return r.do(command{outcome: outcome, tag: tag, requeue: requeue})
}

func (r *Receiver) do(c command) error {
	c.reply = make(chan error, 1)
	select {
	case r.cmds <- c:
	case <-r.done:
		return board.Fail(board.CodeNotFound, "err.receiver_gone", "receiver", fmt.Sprintf("%q", r.id))
	}
	select {
	case err := <-c.reply:
		return err
	case <-r.done:
		return nil
	}
}

// stop is the broker's shutdown: the receiver leaves at once, and what it
// held goes back to the queue unacked.
func (r *Receiver) stop() {
	select {
	case r.cmds <- command{action: actionShutdown, reply: make(chan error, 1)}:
	case <-r.done:
	}
}

func (r *Receiver) run() {
	defer close(r.done)
	var retry <-chan time.Time
	var ready <-chan struct{}
	for {
		if r.want == stateRemoved && r.working == nil {
			r.closeSession()
			r.answerWaiters(nil)
			r.b.forget(r.id)
			return
		}
		if r.want == board.StateConsuming && retry == nil && (r.s == nil || r.s.deliveries == nil) {
			if err := r.consume(); err != nil {
				r.setState(board.StateWaiting, err)
				retry = time.After(time.Second)
				if errors.Is(err, board.ErrUnavailable) {
					retry = time.After(250 * time.Millisecond)
					ready = r.b.readyChan()
				}
				r.answerWaiters(err)
			} else {
				r.setState(board.StateConsuming, nil)
				r.answerWaiters(nil)
			}
		}
		if r.want != board.StateConsuming {
			r.answerWaiters(nil)
		}
		r.startWork()
		var deliveries <-chan amqp.Delivery
		var closed <-chan *amqp.Error
		if r.s != nil {
			deliveries, closed = r.s.deliveries, r.s.closed
		}
		var worked <-chan time.Time
		if r.working != nil {
			worked = r.working.C
		}
		var turns <-chan struct{}
		if r.waiting != nil {
			deliveries, turns = nil, r.b.pacer.turns
		}
		select {
		case <-turns:
			r.takeWaiting()
		case <-retry:
			retry, ready = nil, nil
		case <-ready:
			retry, ready = nil, nil
		case <-closed:
			r.sessionLost()
			retry = time.After(250 * time.Millisecond)
		case <-worked:
			tag := r.pending[0]
			r.working, r.pending = nil, r.pending[1:]
			if r.reply(tag) == nil {
				_ = r.settle(tag, board.OutcomeAck, false) // a failure is reported as the channel's loss
			}
		case d, ok := <-deliveries:
			if ok && r.s.paced {
				r.waiting = &d
				continue
			}
			if ok {
				r.take(d)
				continue
			}
			if r.s.canceled {
				r.s.deliveries, r.s.canceled = nil, false
				continue
			}
			// The broker cancelled the consumer: the queue was deleted.
			r.closeSession()
			retry = time.After(time.Second)
		case c := <-r.cmds:
			r.command(c)
		}
	}
}

// startWork starts the simulated work on the next message a manual
// receiver holds, unless it is working already or being removed.
func (r *Receiver) startWork() {
	if r.working != nil || len(r.pending) == 0 || r.want == stateRemoved {
		return
	}
	r.working = time.NewTimer(r.workTime(r.pending[0]))
}

// workTime is work_ms plus dot_ms for every '.' in the body, the classic
// work-queue convention, stretched by the pace.
func (r *Receiver) workTime(tag uint64) time.Duration {
	dots := bytes.Count(r.s.bodies[tag], []byte{'.'})
	d := time.Duration(r.spec.WorkMS)*time.Millisecond + time.Duration(dots*r.spec.DotMS)*time.Millisecond
	if pace := r.b.Pace(); pace < 1 {
		// Slow motion stretches the work too (held, it runs at the slowest).
		d = time.Duration(float64(d) / max(pace, 0.25))
	}
	return d
}

// consume opens a channel if needed and starts consuming.
func (r *Receiver) consume() error {
	if r.s == nil {
		conn, err := r.b.receiverConnection()
		if err != nil {
			return err
		}
		ch, err := conn.Channel()
		if err != nil {
			return refusal.Explain(err)
		}
		if r.spec.Queue == DirectReplyTo {
			if err := ch.Confirm(false); err != nil { // requests are published here
				return refusal.Explain(err)
			}
		}
		r.s = &session{ch: ch, closed: ch.NotifyClose(make(chan *amqp.Error, 1)), held: map[uint64]int64{}, bodies: map[uint64][]byte{}, requests: map[uint64]request{}, offsets: map[uint64]int64{}}
	}
	// Paced, the receiver is sent one message at a time and acks it
	// itself, even in auto-ack mode.
	paced := r.paced()
	prefetch := r.spec.Prefetch
	if paced {
		prefetch = 1
	}
	if err := r.s.ch.Qos(prefetch, 0, false); err != nil {
		r.sessionLost()
		return refusal.Explain(err)
	}
	r.s.paced = paced
	r.consumes++
	tag := fmt.Sprintf("rabbitboard-%s-%d", r.id, r.consumes)
	var args amqp.Table
	if r.spec.Offset != "" {
		start, err := r.streamStart()
		if err != nil {
			return err
		}
		args = amqp.Table{"x-stream-offset": start}
	}
	d, err := r.s.ch.Consume(r.spec.Queue, tag, r.spec.Ack == board.AckAuto && !paced, false, false, false, args)
	if err != nil {
		r.sessionLost()
		return refusal.Explain(err)
	}
	r.s.deliveries, r.s.tag = d, tag
	if r.spec.Queue == DirectReplyTo {
		r.mu.Lock()
		r.replyCh = r.s.ch
		r.mu.Unlock()
	}
	return nil
}

func (r *Receiver) answerWaiters(err error) {
	for _, w := range r.waiters {
		w <- err
	}
	r.waiters = nil
}

// command carries out one command, on the receiver's goroutine; commands
// that arrive during simulated work are carried out at once, the work
// timer keeps running.
func (r *Receiver) command(c command) {
	var err error
	switch c.action {
	case board.ActionPause:
		r.want = board.StatePaused
		if r.s != nil && r.s.deliveries != nil && !r.s.canceled {
			r.s.canceled = true
			if cerr := r.s.ch.Cancel(r.s.tag, false); cerr != nil {
				r.sessionLost()
			}
		}
		r.setState(board.StatePaused, nil)
	case board.ActionResume:
		if r.want != board.StateConsuming {
			r.want = board.StateConsuming
			r.waiters = append(r.waiters, c.reply)
			return // answered after the consume attempt
		}
	case board.ActionKill:
		r.want = board.StateKilled
		r.closeSession()
		r.setState(board.StateKilled, nil)
	case board.ActionDelete:
		// Finish the message in hand; the channel's close gives back the rest.
		r.want = stateRemoved
		if r.s != nil && r.s.deliveries != nil && !r.s.canceled {
			r.s.canceled = true
			_ = r.s.ch.Cancel(r.s.tag, false)
		}
		r.setState(board.StateStopping, nil)
	case actionShutdown:
		r.want = stateRemoved
		r.closeSession()
	case actionRepace:
		// Consume again in the mode the new pace needs, once what was
		// sent has drained; held messages stay held.
		paced := r.paced()
		if r.s != nil && r.s.deliveries != nil && !r.s.canceled && r.s.paced != paced {
			r.s.canceled = true
			if cerr := r.s.ch.Cancel(r.s.tag, false); cerr != nil {
				r.sessionLost()
			}
		}
	default:
		err = r.settleInteractive(c)
	}
	c.reply <- err
}

// paced says whether the receiver is to be given its messages one at a
// time by the pacer: while the pace is below 1, except on the reply
// pseudo-queue and a stream, which keep their own modes.
func (r *Receiver) paced() bool {
	return r.b.pacer.slow.Load() && r.spec.Queue != DirectReplyTo && r.spec.Offset == ""
}

// closeSession closes the channel without acking; the broker requeues
// every delivery the receiver held.
func (r *Receiver) closeSession() {
	if r.s == nil {
		return
	}
	_ = r.s.ch.Close()
	r.sessionLost()
}

// sessionLost forgets a channel that is gone and reports its unsettled
// deliveries as requeued, which the broker does when a channel closes.
func (r *Receiver) sessionLost() {
	s := r.s
	r.s, r.pending, r.waiting = nil, nil, nil // the broker gives back what was held
	if r.working != nil {
		r.working.Stop()
		r.working = nil
	}
	if s == nil {
		return
	}
	tags := make([]uint64, 0, len(s.held))
	for tag := range s.held {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replyCh = nil
	for _, o := range s.offsets {
		if r.restart < 0 || o < r.restart {
			r.restart = o
		}
	}
	for _, tag := range tags {
		r.counters.Unacked--
		r.b.cfg.Events(board.SettledEvent{Type: board.TypeSettled, Receiver: r.id, DeliveryTag: tag, Seq: s.held[tag],
			Outcome: board.OutcomeRequeued, Requeue: true, Counters: board.EventCounters(r.counters), At: time.Now()})
	}
}

// setState records the receiver's state and, for a waiting one, why.
func (r *Receiver) setState(state board.ReceiverState, why error) {
	errText := ""
	if why != nil {
		errText = why.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state == state && r.errText == errText {
		return
	}
	r.state, r.errText, r.errSaid = state, errText, board.SaidOf(why)
	r.b.cfg.Events(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: r.infoLocked()})
}
