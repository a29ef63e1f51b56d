package mq

import (
	"context"

	"rabbitboard/board"
	"rabbitboard/internal/observe"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Observing other programs is package observe's; the Broker lends it its
// connection and reports, and answers for it to the web.

// observeHost is what the observer uses of the Broker.
type observeHost struct{ b *Broker }

func (h observeHost) Connection() (*amqp.Connection, error)         { return h.b.connection() }
func (h observeHost) WithChannel(f func(*amqp.Channel) error) error { return h.b.withChannel(f) }
func (h observeHost) Ready() <-chan struct{}                        { return h.b.readyChan() }
func (h observeHost) OwnConnection(name string) bool                { return h.b.rabbitboardsConnection(name) }
func (h observeHost) RefreshQueue(name string)                      { h.b.refreshQueue(name) }
func (h observeHost) Content(body []byte, props board.Properties, headers amqp.Table) board.Content {
	return h.b.content(body, props, headers)
}

func newObserver(b *Broker) *observe.Observer {
	return observe.New(observeHost{b}, observe.Config{
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
