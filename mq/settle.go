package mq

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"
)

// settleInteractive settles a delivery an interactive receiver holds, as
// the page asked.
func (r *Receiver) settleInteractive(c command) error {
	if r.spec.Ack != board.AckInteractive {
		return board.Fail(board.CodeConflict, "err.not_interactive", "receiver", r.id, "ack", r.spec.Ack)
	}
	if r.s == nil {
		return board.Fail(board.CodeNotFound, "err.no_delivery", "receiver", r.id, "tag", c.tag)
	}
	if _, ok := r.s.held[c.tag]; !ok {
		return board.Fail(board.CodeNotFound, "err.delivery_gone", "receiver", r.id, "tag", c.tag)
	}
	return r.settle(c.tag, c.outcome, c.requeue)
}

// settle acks, nacks or rejects a held delivery and reports it.
func (r *Receiver) settle(tag uint64, outcome board.Outcome, requeue bool) error {
	var err error
	switch outcome {
	case board.OutcomeAck:
		err = r.s.ch.Ack(tag, false)
	case board.OutcomeNack:
		err = r.s.ch.Nack(tag, false, requeue)
	case board.OutcomeReject:
		err = r.s.ch.Reject(tag, requeue)
	}
	if err != nil {
		r.sessionLost()
		return refusal.Explain(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seq := r.s.held[tag]
	delete(r.s.held, tag)
	delete(r.s.offsets, tag)
	delete(r.s.bodies, tag)
	delete(r.s.requests, tag)
	r.counters.Unacked--
	if outcome == board.OutcomeAck {
		r.counters.Acked++
	}
	r.b.cfg.Events(board.SettledEvent{Type: board.TypeSettled, Receiver: r.id, DeliveryTag: tag, Seq: seq,
		Outcome: outcome, Requeue: requeue, Counters: board.EventCounters(r.counters), At: time.Now()})
	return nil
}

// reply answers an RPC server's request, before it is acked (as the
// tutorial's server does): a reply that cannot be sent loses the channel,
// and the broker gives the request to another server.
func (r *Receiver) reply(tag uint64) error {
	req, ok := r.s.requests[tag]
	if !ok {
		return nil
	}
	delete(r.s.requests, tag)
	err := r.s.ch.Publish("", req.replyTo, false, false, amqp.Publishing{
		CorrelationId: req.correlationID, ContentType: "text/plain", Body: []byte(fibonacciReply(r.s.bodies[tag])),
	})
	if err != nil {
		r.sessionLost()
	}
	return err
}

// fibonacciReply is the RPC tutorial's answer to n: fib(n), as text.
func fibonacciReply(body []byte) string {
	n, err := strconv.Atoi(strings.TrimSpace(string(body)))
	if err != nil || n < 0 || n > 92 {
		return fmt.Sprintf("error: %q is not a whole number from 0 to 92", string(body[:min(len(body), 40)]))
	}
	a, b := int64(0), int64(1)
	for range n {
		a, b = b, a+b
	}
	return strconv.FormatInt(a, 10)
}
