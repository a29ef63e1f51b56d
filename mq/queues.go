package mq

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"time"
	"unicode/utf8"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"
)

func checkName(kind, name string) error {
	switch {
	case name == "":
		return invalid("err.name_missing", "kind", refusal.KindWord(kind))
	case len(name) > 255:
		return invalid("err.name_long", "kind", refusal.KindWord(kind), "size", len(name))
	case !utf8.ValidString(name):
		return invalid("err.name_utf8", "kind", refusal.KindWord(kind))
	}
	return nil
}

// DeclareQueue declares a queue and returns it with its depth.
func (b *Broker) DeclareQueue(spec board.QueueSpec) (board.QueueInfo, error) {
	if err := checkName("queue", spec.Name); err != nil {
		return board.QueueInfo{}, err
	}
	args, err := toTable(spec.Arguments)
	if err != nil {
		return board.QueueInfo{}, invalid("err.queue_args", "why", said(err))
	}
	var q amqp.Queue
	err = b.withChannel(func(ch *amqp.Channel) (err error) {
		q, err = ch.QueueDeclare(spec.Name, spec.Durable, spec.AutoDelete, false, false, args)
		return err
	})
	if err != nil {
		return board.QueueInfo{}, err
	}
	if spec.Arguments == nil {
		spec.Arguments = map[string]any{}
	}
	b.remember(spec)
	info := board.QueueInfo{QueueSpec: spec, Messages: q.Messages, Consumers: q.Consumers}
	b.reportQueue(info)
	return info, nil
}

// remember adds a queue to the set whose depth rabbitboard shows.
func (b *Broker) remember(spec board.QueueSpec) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.known[spec.Name] = spec
}

// InspectQueue returns a queue's depth with a passive declare; NOT_FOUND
// when it does not exist.
func (b *Broker) InspectQueue(name string) (board.QueueInfo, error) {
	if err := checkName("queue", name); err != nil {
		return board.QueueInfo{}, err
	}
	var q amqp.Queue
	err := b.withChannel(func(ch *amqp.Channel) (err error) {
		q, err = ch.QueueDeclarePassive(name, false, false, false, false, nil)
		return err
	})
	if err != nil {
		return board.QueueInfo{}, err
	}
	b.mu.Lock()
	spec, ok := b.known[name]
	b.mu.Unlock()
	if !ok {
		spec = board.QueueSpec{Name: name, Arguments: map[string]any{}}
	}
	return board.QueueInfo{QueueSpec: spec, Messages: q.Messages, Consumers: q.Consumers}, nil
}

// DeleteQueue deletes a queue and the messages in it.
func (b *Broker) DeleteQueue(name string) error {
	if _, err := b.InspectQueue(name); err != nil {
		return err
	}
	err := b.withChannel(func(ch *amqp.Channel) error {
		_, err := ch.QueueDelete(name, false, false, false)
		return err
	})
	if err != nil {
		return err
	}
	b.mu.Lock()
	delete(b.known, name)
	delete(b.reported, name)
	b.mu.Unlock()
	b.cfg.Events(board.QueueGoneEvent{Type: board.TypeQueueGone, Queue: name})
	return nil
}

// PurgeQueue removes the ready messages of a queue and says how many.
func (b *Broker) PurgeQueue(name string) (int, error) {
	if _, err := b.InspectQueue(name); err != nil {
		return 0, err
	}
	var n int
	err := b.withChannel(func(ch *amqp.Channel) (err error) {
		n, err = ch.QueuePurge(name, false)
		return err
	})
	b.refreshQueue(name)
	return n, err
}

// Queues lists the queues rabbitboard knows with exact depths, and every
// queue of the vhost when the management plugin answers.
func (b *Broker) Queues(ctx context.Context) ([]board.QueueInfo, error) {
	if _, err := b.connection(); err != nil {
		return nil, err
	}
	all := map[string]board.QueueInfo{}
	if listed, err := b.mgmt.Queues(ctx); err == nil {
		for _, q := range listed {
			all[q.Name] = q
		}
	}
	b.mu.Lock()
	names := slices.Sorted(maps.Keys(b.known))
	b.mu.Unlock()
	for _, name := range names {
		q, err := b.InspectQueue(name)
		var me *board.Error
		var down *refusal.QueueDownError
		if errors.As(err, &down) {
			q, listed := all[name]
			if !listed {
				b.mu.Lock()
				q.QueueSpec = b.known[name]
				b.mu.Unlock()
			}
			q.Unavailable = down.Error()
			all[name] = q
			continue
		}
		if errors.As(err, &me) && me.Code == board.CodeUnavailable {
			return nil, err // a partial list would look like lost queues
		}
		if err != nil {
			continue
		}
		if m, ok := all[name]; ok {
			if len(q.Arguments) == 0 {
				q.QueueSpec = m.QueueSpec
			}
			q.Published = m.Published
		}
		all[name] = q
	}
	out := make([]board.QueueInfo, 0, len(all))
	for _, name := range slices.Sorted(maps.Keys(all)) {
		out = append(out, all[name])
	}
	return out, nil
}

func (b *Broker) refreshQueue(name string) {
	if q, err := b.InspectQueue(name); err == nil {
		b.reportQueue(q)
	}
}

// reportQueue tells viewers a queue's depth and remembers what it told, so
// that the poller corrects any report that is out of date, whoever made it
// (a depth read just after a publish, say, whose messages were consumed
// before the next poll).
func (b *Broker) reportQueue(q board.QueueInfo) {
	b.mu.Lock()
	if b.reported == nil {
		b.reported = map[string]board.QueueInfo{}
	}
	if q.Published == 0 {
		// A depth read by a passive declare: the publish count stays the
		// management API's last.
		q.Published = b.reported[q.Name].Published
	}
	b.reported[q.Name] = q
	b.mu.Unlock()
	b.cfg.Events(board.QueueEvent{Type: board.TypeQueue, Queue: q})
}

// pollQueues polls queue depths and reports the ones that changed. The
// last poll is kept as the "before" of a survival report.
func (b *Broker) pollQueues() {
	defer b.wg.Done()
	t := time.NewTicker(b.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		gen := b.generation()
		heldNow := b.heldByQueue()
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.PollInterval)
		qs, err := b.Queues(ctx)
		cancel()
		if err != nil || gen != b.generation() {
			continue
		}
		seen := make(map[string]board.QueueInfo, len(qs))
		for _, q := range qs {
			seen[q.Name] = q
		}
		b.mu.Lock()
		b.lastPoll, b.lastHeld = seen, heldNow
		told := maps.Clone(b.reported)
		b.mu.Unlock()
		for _, q := range qs {
			if prev, ok := told[q.Name]; !ok || !reflect.DeepEqual(prev, q) {
				b.reportQueue(q)
			}
		}
		for name := range told {
			if _, ok := seen[name]; !ok {
				b.mu.Lock()
				delete(b.reported, name)
				b.mu.Unlock()
				b.cfg.Events(board.QueueGoneEvent{Type: board.TypeQueueGone, Queue: name})
			}
		}
		b.topologyChanged() // exchanges and bindings made by others, too
	}
}

// reportSurvival compares the queues of the last poll before an outage
// with their depth on the new connection, before any receiver consumes
// again, and reports what was kept and lost.
func (b *Broker) reportSurvival(conn *amqp.Connection) {
	b.mu.Lock()
	before, held := b.lastPoll, b.lastHeld
	b.mu.Unlock()
	ev := board.SurvivalEvent{Type: board.TypeSurvival, At: time.Now().UTC(), Queues: []board.QueueSurvival{}}
	var ch *amqp.Channel
	for _, name := range slices.Sorted(maps.Keys(before)) {
		q := before[name]
		s := board.QueueSurvival{QueueSpec: q.QueueSpec, Before: q.Messages + held[name]}
		if ch == nil || ch.IsClosed() {
			var err error
			if ch, err = conn.Channel(); err != nil {
				return
			}
		}
		if now, err := ch.QueueDeclarePassive(name, false, false, false, false, nil); err == nil {
			s.After = now.Messages
			s.Kept = min(s.After, s.Before)
		} else {
			s.Missing = true
		}
		s.Lost = s.Before - s.Kept
		s.VerdictKey = s.Key()
		s.Verdict = s.Said().String()
		ev.Queues = append(ev.Queues, s)
	}
	if ch != nil {
		_ = ch.Close()
	}
	b.cfg.Events(ev)
}

func (b *Broker) generation() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.gen
}

// heldByQueue counts the messages rabbitboard's receivers hold unacked, per
// queue: they are not ready, but they are in the queue for the broker.
func (b *Broker) heldByQueue() map[string]int {
	held := map[string]int{}
	for _, r := range b.ownReceivers() {
		held[r.Queue] += int(r.Unacked)
	}
	return held
}
