package mq

import (
	"rabbitboard/board"
	"rabbitboard/internal/observe"
	"rabbitboard/internal/replicas"

	amqp "github.com/rabbitmq/amqp091-go"
)

// lent is what the Broker lends the packages that share its connection:
// the observer of other programs (observe.Host) and the group of replicas
// (replicas.Host). One type, so each thing is lent one way.
type lent struct{ b *Broker }

var (
	_ observe.Host  = lent{}
	_ replicas.Host = lent{}
)

func (h lent) Connection() (*amqp.Connection, error)         { return h.b.connection() }
func (h lent) Ready() <-chan struct{}                        { return h.b.readyChan() }
func (h lent) WithChannel(f func(*amqp.Channel) error) error { return h.b.withChannel(f) }
func (h lent) OwnConnection(name string) bool                { return h.b.rabbitboardsConnection(name) }
func (h lent) RefreshQueue(name string)                      { h.b.refreshQueue(name) }
func (h lent) ClientAddrs() []string                         { return h.b.clientAddrs() }
func (h lent) ReceiverCount() int                            { return len(h.b.Receivers()) }
func (h lent) Content(body []byte, props board.Properties, headers amqp.Table) board.Content {
	return h.b.content(body, props, headers)
}
