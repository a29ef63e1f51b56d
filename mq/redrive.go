package mq

import (
	"context"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Redrive sends at most max of a dead-letter queue's messages back where
// they came from: each to the exchange and routing key it was first
// published with, as its x-death header says, with its properties and
// headers (x-death included: its history goes on). Each is taken off the
// queue only once the broker confirmed it routed; the rest go back to
// the queue.
func (b *Broker) Redrive(ctx context.Context, queue string, max int) (board.RedriveResult, error) {
	var res board.RedriveResult
	q, err := b.InspectQueue(queue)
	if err != nil {
		return res, err
	}
	conn, err := b.connection()
	if err != nil {
		return res, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return res, refusal.Explain(err)
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		return res, refusal.Explain(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 1))
	var keep []uint64 // taken, to go back to the queue at the end
	defer func() {
		for _, tag := range keep {
			_ = ch.Nack(tag, false, true)
		}
		b.refreshQueue(queue)
	}()
	for range min(q.Messages, max) {
		d, ok, err := ch.Get(queue, false)
		if err != nil {
			return res, refusal.Explain(err)
		}
		if !ok {
			break
		}
		exchange, key, found := firstPublished(d.Headers)
		if !found {
			res.Skipped++
			keep = append(keep, d.DeliveryTag)
			continue
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchange, key, true, false, amqp.Publishing{
			Headers: d.Headers, ContentType: d.ContentType, ContentEncoding: d.ContentEncoding, DeliveryMode: d.DeliveryMode,
			Priority: d.Priority, CorrelationId: d.CorrelationId, ReplyTo: d.ReplyTo, Expiration: d.Expiration,
			MessageId: d.MessageId, Timestamp: d.Timestamp, Type: d.Type, UserId: d.UserId, AppId: d.AppId, Body: d.Body,
		})
		if err != nil {
			keep = append(keep, d.DeliveryTag)
			return res, refusal.Explain(err)
		}
		acked, err := dc.WaitContext(ctx)
		// A return comes before its confirm: it is in the channel by now.
		select {
		case <-returns:
			acked = false
		default:
		}
		if err != nil || !acked {
			res.Unroutable++
			keep = append(keep, d.DeliveryTag)
			continue
		}
		if err := d.Ack(false); err != nil {
			return res, refusal.Explain(err)
		}
		res.Moved++
		if exchange == "" {
			b.refreshQueue(key)
		}
	}
	return res, nil
}

// firstPublished is the exchange and routing key a dead-lettered message
// was first published with: its x-death header's oldest entry (the broker
// puts the newest first).
func firstPublished(h amqp.Table) (exchange, key string, ok bool) {
	deaths, _ := h["x-death"].([]any)
	if len(deaths) == 0 {
		return "", "", false
	}
	first, _ := deaths[len(deaths)-1].(amqp.Table)
	exchange, ok = first["exchange"].(string)
	keys, _ := first["routing-keys"].([]any)
	if !ok || len(keys) == 0 {
		return "", "", false
	}
	key, ok = keys[0].(string)
	return exchange, key, ok
}
