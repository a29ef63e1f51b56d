package replicas

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/seal"
)

// receive handles one message from another replica: only one sealed with
// the group's key, fresh, and where its kind belongs. Events come through
// the fanout, or straight to this replica's queue when it is new; calls
// only straight to its queue; heartbeats either way; goodbyes through the
// fanout.
func (c *Group) receive(pub *amqp.Channel, queue string, d amqp.Delivery, wg *sync.WaitGroup) {
	fanout := d.Exchange == c.exchange && d.RoutingKey == ""
	direct := d.Exchange == "" && d.RoutingKey == queue
	if d.AppId == c.cfg.Self.ID {
		if !fanout {
			c.refused.Add(1) // a replica never sends to itself
		}
		return // the fanout brings a replica's own messages back too
	}
	body, err := c.sealer.Open(seal.Header{Type: d.Type, Sender: d.AppId, CorrelationID: d.CorrelationId, Exchange: d.Exchange, RoutingKey: d.RoutingKey}, d.Body)
	if err != nil {
		return // counted by the sealer
	}
	switch {
	case d.Type == replicaHeartbeat && (fanout || direct):
		c.heard(pub, d.AppId, body)
	case d.Type == replicaEvents && (fanout || direct) && c.isMember(d.AppId):
		var events []json.RawMessage
		if err := json.Unmarshal(body, &events); err != nil {
			c.refused.Add(1)
			return
		}
		for _, e := range events {
			c.cfg.Remote(d.AppId, e)
		}
	case d.Type == replicaBye && fanout:
		c.mu.Lock()
		_, known := c.members[d.AppId]
		delete(c.members, d.AppId)
		c.mu.Unlock()
		if known {
			c.cfg.Logger.Info("a replica left", "replica", d.AppId)
			c.cfg.Gone(d.AppId)
		}
	case d.Type == replicaCall && direct && d.ReplyTo != "" && c.isMember(d.AppId):
		answer := func(body []byte) {
			_ = c.send(pub, "", d.ReplyTo, amqp.Publishing{Type: replicaAnswer, CorrelationId: d.CorrelationId}, body)
		}
		select {
		case c.serving <- struct{}{}:
		default:
			answer(nil) // busy: the caller says so at once
			return
		}
		wg.Add(1)
		go func() { // a call may wait for a receiver; the queue does not
			defer wg.Done()
			defer func() { <-c.serving }()
			answer(c.cfg.Serve(d.AppId, body))
		}()
	default:
		c.refused.Add(1)
	}
}

// heard takes a replica's heartbeat. A replica new to this one is sent,
// straight to its own server-named queue, a heartbeat (so that it knows
// who speaks) and then this replica's part of the dashboard, once.
func (c *Group) heard(pub *amqp.Channel, sender string, body []byte) {
	var hb heartbeat
	if json.Unmarshal(body, &hb) != nil || hb.ID != sender || len(hb.ID) > 64 || len(hb.Addr) > 255 ||
		!strings.HasPrefix(hb.Queue, "amq.gen-") || len(hb.Queue) > 255 {
		c.refused.Add(1)
		return
	}
	c.mu.Lock()
	m, known := c.members[hb.ID]
	if !known && len(c.members) >= maxReplicas {
		c.mu.Unlock()
		c.refused.Add(1)
		return
	}
	fresh := !known || m.queue != hb.Queue
	c.members[hb.ID] = &member{info: hb.ReplicaInfo, queue: hb.Queue, conns: hb.Conns[:min(len(hb.Conns), 4)], lastSeen: time.Now()}
	own := ""
	if c.session != nil {
		own = c.session.queue
	}
	c.mu.Unlock()
	if !fresh {
		return
	}
	c.cfg.Logger.Info("a replica joined", "replica", hb.ID, "addr", hb.Addr)
	if c.heartbeat(pub, "", hb.Queue, own) != nil {
		return
	}
	_ = publishBatches(c.cfg.Joined(), func(body []byte) error {
		return c.send(pub, "", hb.Queue, amqp.Publishing{Type: replicaEvents}, body)
	})
}

// Owns says whether a client address is a connection of a replica.
func (c *Group) Owns(addr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.members {
		if slices.Contains(m.conns, addr) {
			return true
		}
	}
	return false
}

func (c *Group) isMember(replica string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.members[replica]
	return ok
}

// reportDrops says in the log, at most once a heartbeat, how many messages
// were dropped since it last said.
func (c *Group) reportDrops() {
	total := c.Dropped()
	if before := c.reported.Swap(total); total > before {
		c.cfg.Logger.Warn("messages on the replicas' exchange or queue were dropped: not sealed with this group's secret, stale, replayed or out of place",
			"group", c.cfg.Name, "dropped", total-before, "since_start", total)
	}
}

// readAnswers passes each answer to its call: only one sealed by the
// replica that was called, for that call.
func (c *Group) readAnswers(answers <-chan amqp.Delivery) {
	for d := range answers {
		c.mu.Lock()
		call, ok := c.calls[d.CorrelationId]
		c.mu.Unlock()
		if !ok || d.AppId != call.replica || d.Type != replicaAnswer {
			c.refused.Add(1)
			continue
		}
		body, err := c.sealer.Open(seal.Header{Type: d.Type, Sender: d.AppId, CorrelationID: d.CorrelationId}, d.Body)
		if err != nil {
			continue
		}
		select {
		case call.answer <- body:
		default:
		}
	}
}
