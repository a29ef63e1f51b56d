package main

import (
	"errors"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// baseline is a bare amqp091-go publisher with confirms and a consumer
// with auto ack, as rabbitboard's receivers in (2): what a user who picks
// a bare client runs, no rabbitboard.
func baseline(n int) (*result, error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	pub, _ := conn.Channel()
	sub, _ := conn.Channel()
	q := "rabbitboard-bench-baseline"
	_, _ = pub.QueueDelete(q, false, false, false)
	if _, err := pub.QueueDeclare(q, false, false, false, false, nil); err != nil {
		return nil, err
	}
	defer pub.QueueDelete(q, false, false, false)
	if err := pub.Confirm(false); err != nil {
		return nil, err
	}
	deliveries, err := sub.Consume(q, "", true, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	res := &result{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for d := range deliveries {
			if at, ok := sent(d.Body); ok {
				res.samples = append(res.samples, time.Since(at))
			}
			if len(res.samples) == n {
				return
			}
		}
	}()
	start := time.Now()
	window := make([]*amqp.DeferredConfirmation, 0, 1000)
	for range n {
		dc, err := pub.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: stamp()})
		if err != nil {
			return nil, err
		}
		window = append(window, dc)
		if len(window) == cap(window) {
			for _, w := range window {
				w.Wait()
			}
			window = window[:0]
		}
	}
	for _, w := range window {
		w.Wait()
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		return nil, errors.New("the consumer never got everything")
	}
	res.rate = float64(n) / time.Since(start).Seconds()
	return res, nil
}
