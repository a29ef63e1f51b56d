package mq

import (
	"rabbitboard/internal/replicas"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Being one replica of a group is package replicas'; the Broker lends it
// its connection.

// replicaHost is what a replica uses of the Broker.
type replicaHost struct{ b *Broker }

func (h replicaHost) Connection() (*amqp.Connection, error) { return h.b.connection() }
func (h replicaHost) Ready() <-chan struct{}                { return h.b.readyChan() }
func (h replicaHost) ClientAddrs() []string                 { return h.b.clientAddrs() }
func (h replicaHost) ReceiverCount() int                    { return len(h.b.Receivers()) }

// JoinReplicas makes b one replica of cfg.Name's group: it runs for as
// long as b is open, across reconnections. Call it before b.Open.
func (b *Broker) JoinReplicas(cfg replicas.Config) (*replicas.Group, error) {
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = b.cfg.OpTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = b.log
	}
	g, err := replicas.New(replicaHost{b}, cfg)
	if err != nil {
		return nil, err
	}
	b.replicas = g
	return g, nil
}
