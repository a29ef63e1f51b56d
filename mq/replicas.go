package mq

import (
	"rabbitboard/internal/replicas"
)

// Being one replica of a group is package replicas'; the Broker lends it
// its connection (lent).

// JoinReplicas makes b one replica of cfg.Name's group: it runs for as
// long as b is open, across reconnections. Call it before b.Open.
func (b *Broker) JoinReplicas(cfg replicas.Config) (*replicas.Group, error) {
	if cfg.OpTimeout == 0 {
		cfg.OpTimeout = b.cfg.OpTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = b.log
	}
	g, err := replicas.New(lent{b}, cfg)
	if err != nil {
		return nil, err
	}
	b.replicas = g
	return g, nil
}
