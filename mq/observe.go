package mq

import (
	"context"

	"rabbitboard/board"
	"rabbitboard/internal/observe"
)

// Observing other programs is package observe's; the Broker lends it its
// connection (lent) and reports, and answers for it to the web.

func newObserver(b *Broker) *observe.Observer {
	return observe.New(lent{b}, observe.Config{
		Management: b.mgmt, Logger: b.log, Events: b.cfg.Events, OpTimeout: b.cfg.OpTimeout,
		QueueLength: b.cfg.ObserveQueueLength, MaxOutside: b.cfg.MaxOutside,
		GoneAfter: b.cfg.OutsideGoneAfter, Replica: b.cfg.Replica,
	})
}

// Observe starts or stops observing other programs.
func (b *Broker) Observe(ctx context.Context, enabled bool) (board.ObserveEvent, error) {
	return b.obs.Switch(ctx, enabled)
}

// ObserveStatus says whether rabbitboard observes other programs.
func (b *Broker) ObserveStatus() board.ObserveEvent { return b.obs.Status() }

// SetObserveFilter limits observing to the queues, exchanges and
// connections whose names contain filter ("" shows everything).
func (b *Broker) SetObserveFilter(filter string) board.ObserveEvent { return b.obs.SetFilter(filter) }

// ClearGone removes the columns of other programs' consumers that are
// gone and says how many it removed.
func (b *Broker) ClearGone() int { return b.obs.ClearGone() }
