package observe

import (
	"context"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/management"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Tracing is left as rabbitboard found it, even after a crash and with
// several rabbitboards observing one vhost. The one that switches the
// firehose on first declares a durable marker queue; every rabbitboard
// that observes under the marker consumes from it (nothing is ever
// published there), so the marker's consumer count is the number of
// rabbitboards observing, and one that dies, SIGKILL included, stops
// consuming with its connection. Whoever stops observing, or starts without
// observing, and finds the marker with no consumer switches tracing off and
// then deletes the marker (if unused: one that started observing meanwhile
// keeps it, and switches tracing back on at its next look). Tracing that
// was on without a marker was an operator's choice, and stays.
const tracingMarker = TraceQueuePrefix + "switched-on"

// markTracing declares the marker, before tracing is switched on: a crash
// in between leaves a marker that the next rabbitboard clears.
func (o *Observer) markTracing() error {
	return o.host.WithChannel(func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclare(tracingMarker, true, false, false, false, nil)
		return err
	})
}

// marker says whether the marker exists, and how many observe under it.
func (o *Observer) marker() (exists bool, watchers int) {
	_ = o.host.WithChannel(func(ch *amqp.Channel) error {
		q, err := ch.QueueDeclarePassive(tracingMarker, true, false, false, false, nil)
		exists, watchers = err == nil, q.Consumers
		return err
	})
	return exists, watchers
}

// observeUnderMarker consumes from the marker on ch, the channel that reads
// the firehose, for as long as it reads.
func observeUnderMarker(ch *amqp.Channel) error {
	if _, err := ch.QueueDeclare(tracingMarker, true, false, false, false, nil); err != nil {
		return err
	}
	_, err := ch.Consume(tracingMarker, "", true, false, false, false, nil)
	return err
}

// clearMarker switches tracing off when the marker says rabbitboard
// switched it on and nobody observes any more.
func (o *Observer) clearMarker(ctx context.Context) {
	exists, watchers := o.marker()
	// The broker may count a consumer of a channel just closed (this
	// rabbitboard's own, leaving) a moment longer: asked again for a second.
	for try := 0; exists && watchers > 0 && try < 10 && ctx.Err() == nil; try++ {
		time.Sleep(100 * time.Millisecond)
		exists, watchers = o.marker()
	}
	if !exists || watchers > 0 {
		return
	}
	if _, _, err := o.setVhostTracing(ctx, false); err != nil {
		o.cfg.Logger.Warn("could not switch the vhost's tracing off", "vhost", o.cfg.Management.Vhost, "error", err)
		return
	}
	o.setTracing(board.TracingOff, nil)
	o.cfg.Logger.Info("switched the vhost's tracing off: no rabbitboard observes it any more", "vhost", o.cfg.Management.Vhost)
	_ = o.host.WithChannel(func(ch *amqp.Channel) error {
		_, err := ch.QueueDelete(tracingMarker, true, false, false)
		return err
	})
}

// TidyTracing runs once, when the broker first answers: a rabbitboard
// that observed and died may have left tracing on, and the last one to
// leave clears it; tracing on with nobody observing is said in the log.
func (o *Observer) TidyTracing() {
	select {
	case <-o.life.Done():
		return
	case <-o.host.Ready():
	}
	// A busy broker's management API may not answer at once: asked again
	// for a while.
	var v vhost
	for try := 0; ; try++ {
		o.mu.Lock()
		observing := o.enabled
		o.mu.Unlock()
		if observing {
			return
		}
		if o.cfg.Management.Endpoint().Base == "-" {
			return // nothing to ask, nothing to switch
		}
		ctx, cancel := context.WithTimeout(o.life, 2*o.cfg.OpTimeout)
		o.clearMarker(ctx)
		err := o.cfg.Management.Do(ctx, "GET", o.vhostPath(), nil, &v)
		cancel()
		if err == nil || try == 10 {
			break
		}
		select {
		case <-o.life.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	if v.Tracing {
		o.mu.Lock()
		if !o.enabled {
			o.tracing = board.TracingOn
		}
		o.mu.Unlock()
		o.report()
		vh := o.cfg.Management.Vhost
		o.cfg.Logger.Warn("RabbitMQ's firehose is on for this vhost and no rabbitboard observes: it slows the broker about threefold. Switch it off with: rabbitmqctl trace_off -p "+vh, "vhost", vh)
	}
}

// keepTracingOn switches tracing on again if it went off while this
// rabbitboard observes under the marker: the last of several to stop may
// have switched it off just as this one started.
func (o *Observer) keepTracingOn(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, o.cfg.OpTimeout)
	defer cancel()
	if _, changed, err := o.setVhostTracing(ctx, true); err == nil && changed {
		o.cfg.Logger.Info("switched the vhost's tracing on again: it went off while rabbitboard observed", "vhost", o.cfg.Management.Vhost)
	}
}

// managementMissing says why observing cannot start without the management
// API, and the one command that fixes it.
func managementMissing(api management.Endpoint, err error) words.Sentence {
	if api.Base == "-" {
		return words.Say("err.no_management")
	}
	if !api.Refusal.IsZero() {
		return api.Refusal
	}
	return words.Say("err.management_silent", "url", api.Base)
}
