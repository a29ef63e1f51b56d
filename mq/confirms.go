package mq

import (
	"context"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The publisher confirms lesson (tutorial 7): the same messages published
// three ways, as the tutorial does, measured on this broker, and a nack
// and a returned message made visible.

// confirmBatch and confirmWindow are the tutorial's batch size and a
// window of outstanding confirms.
const (
	confirmBatch  = 100
	confirmWindow = 1000
)

// CompareConfirms publishes n messages to queue in each of the three ways
// on a channel of its own in confirm mode, purging the queue after each;
// then 2×limit messages to limited (a queue of max length limit that
// rejects publishes past it) and one mandatory message no queue takes.
func (b *Broker) CompareConfirms(ctx context.Context, queue, limited string, n, limit int) (board.ConfirmsEvent, error) {
	conn, err := b.connection()
	if err != nil {
		return board.ConfirmsEvent{}, err
	}
	ch, err := conn.Channel()
	if err != nil {
		return board.ConfirmsEvent{}, refusal.Explain(err)
	}
	defer ch.Close()
	if err := ch.Confirm(false); err != nil {
		return board.ConfirmsEvent{}, refusal.Explain(err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 1))
	ev := board.ConfirmsEvent{Type: board.TypeConfirms, Queue: queue, Limited: limited, LimitedSent: 2 * limit}
	body := []byte("a message of the publisher confirms lesson")
	for _, name := range []string{board.ConfirmOneByOne, board.ConfirmBatches, board.ConfirmAsynchronous} {
		s, err := measureConfirms(ctx, ch, name, queue, body, n)
		if err != nil {
			return ev, refusal.Explain(err)
		}
		ev.Strategies = append(ev.Strategies, s)
		if _, err := ch.QueuePurge(queue, false); err != nil {
			return ev, refusal.Explain(err)
		}
	}
	limitedRun, err := measureConfirms(ctx, ch, board.ConfirmAsynchronous, limited, body, 2*limit)
	if err != nil {
		return ev, refusal.Explain(err)
	}
	ev.Nacked = limitedRun.Nacked
	if _, err := ch.QueuePurge(limited, false); err != nil {
		return ev, refusal.Explain(err)
	}
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", "rabbitboard-no-such-queue", true, false, amqp.Publishing{Body: body})
	if err != nil {
		return ev, refusal.Explain(err)
	}
	if _, err := dc.WaitContext(ctx); err != nil {
		return ev, err
	}
	select { // a return comes before its confirm
	case <-returns:
		ev.Returned = 1
	default:
	}
	ev.At = time.Now().UTC()
	return ev, nil
}

// measureConfirms publishes n messages in one of the three ways.
func measureConfirms(ctx context.Context, ch *amqp.Channel, way, queue string, body []byte, n int) (board.ConfirmStrategy, error) {
	s := board.ConfirmStrategy{Name: way, Messages: n}
	var waited time.Duration
	type sent struct {
		at time.Time
		dc *amqp.DeferredConfirmation
	}
	settle := func(m sent) error {
		select {
		case <-m.dc.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
		waited += time.Since(m.at)
		if !m.dc.Acked() {
			s.Nacked++
		}
		return nil
	}
	group := 1 // awaited together: one, a batch, or a window
	switch way {
	case board.ConfirmBatches:
		group = confirmBatch
	case board.ConfirmAsynchronous:
		group = confirmWindow
	}
	start := time.Now()
	var outstanding []sent
	for i := range n {
		at := time.Now()
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, amqp.Publishing{Body: body})
		if err != nil {
			return s, err
		}
		outstanding = append(outstanding, sent{at, dc})
		// One by one and batches wait for their whole group; asynchronous
		// takes the oldest confirm whenever the window is full; the last
		// message waits for all.
		keep := 0
		switch {
		case i == n-1:
		case len(outstanding) < group:
			keep = len(outstanding)
		case way == board.ConfirmAsynchronous:
			keep = len(outstanding) - 1
		}
		for len(outstanding) > keep {
			if err := settle(outstanding[0]); err != nil {
				return s, err
			}
			outstanding = outstanding[1:]
		}
	}
	elapsed := time.Since(start)
	s.Seconds = elapsed.Seconds()
	s.Rate = float64(n) / elapsed.Seconds()
	s.LatencyMS = float64(waited.Microseconds()) / 1000 / float64(n)
	return s, nil
}
