package mq

import (
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"
)

// take shows a delivery. A manual receiver queues it for work; it stays
// unacked, as the broker sees it, until its work is done. A message whose
// headers could not be read is one no worker could handle: a manual
// receiver rejects it at once without requeue (to the queue's
// dead-letter exchange, if it has one) instead of seeing it again forever.
func (r *Receiver) take(d amqp.Delivery) {
	content := r.b.content(d.Body, deliveryProperties(d), d.Headers)
	undecodable := content.Undecodable
	r.mu.Lock()
	r.seq++
	r.counters.Received++
	offset, isStream := d.Headers["x-stream-offset"].(int64)
	if isStream && r.spec.Offset != "" {
		r.position, r.restart = offset, -1
		r.s.offsets[d.DeliveryTag] = offset
	}
	if undecodable != "" {
		r.counters.Undecodable++
	}
	selfAck := r.spec.Ack == board.AckAuto && r.s.paced
	if r.spec.Ack == board.AckAuto {
		r.counters.Acked++
	} else {
		r.s.held[d.DeliveryTag] = r.seq
		r.counters.Unacked++
		if r.spec.Ack == board.AckManual && undecodable == "" {
			r.pending = append(r.pending, d.DeliveryTag)
			r.s.bodies[d.DeliveryTag] = d.Body
			if r.spec.Reply != "" && d.ReplyTo != "" {
				r.s.requests[d.DeliveryTag] = request{replyTo: d.ReplyTo, correlationID: d.CorrelationId}
			}
		}
	}
	r.b.cfg.Events(board.DeliveryEvent{
		Type: board.TypeDelivery, Receiver: r.id, Queue: r.spec.Queue, Seq: r.seq,
		DeliveryTag: d.DeliveryTag, Redelivered: d.Redelivered,
		Exchange: d.Exchange, RoutingKey: d.RoutingKey, Content: content,
		At: time.Now().UTC(), Counters: board.EventCounters(r.counters), Offset: streamOffset(offset, isStream),
	})
	seq := r.seq
	r.mu.Unlock()
	if selfAck && r.s.ch.Ack(d.DeliveryTag, false) != nil {
		r.sessionLost()
	}
	if undecodable != "" {
		r.b.warn.Warn("undecodable "+r.spec.Queue, "a message's headers could not be decoded", "receiver", r.id, "queue", r.spec.Queue, "seq", seq, "reason", undecodable)
		if r.spec.Ack == board.AckManual {
			_ = r.settle(d.DeliveryTag, board.OutcomeReject, false) // a failure is reported as the channel's loss
		}
	}
}

// takeWaiting shows the message a paced receiver was holding for its turn.
func (r *Receiver) takeWaiting() {
	d := *r.waiting
	r.waiting = nil
	r.take(d)
}
