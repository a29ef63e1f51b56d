package main

import (
	"fmt"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// pacedQueue takes the paced publishes the viewer counts.
const pacedQueue = "rabbitboard-bench-firehose-paced"

// firehose measures what observing costs the broker: a bare client's
// confirmed publishes with the vhost's tracing off and with rabbitboard
// observing through it, in alternating rounds; then a paced publisher at
// rate msg/s for dur, observed, and what rabbitboard showed of it.
func firehose(bin string, n, rounds, rate int, dur time.Duration) (off, on []float64, sent int, shown, skipped int64, err error) {
	d, err := startDashboard(bin, "--management-url", "", "--observe-queue", "10000", "--max-viewer-queue", fmt.Sprint(256<<20))
	if err != nil {
		return
	}
	defer d.Stop()
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	const q = "rabbitboard-bench-firehose"
	for _, name := range []string{q, pacedQueue} {
		_, _ = ch.QueueDelete(name, false, false, false)
		if _, err = ch.QueueDeclare(name, false, false, false, false, nil); err != nil {
			return
		}
		defer ch.QueueDelete(name, false, false, false)
	}
	if err = ch.Confirm(false); err != nil {
		return
	}
	observe := func(enabled bool) error {
		return d.call("POST", "/api/observe", map[string]any{"enabled": enabled}, nil)
	}
	body := []byte(strings.Repeat("x", 100))
	publish := func() (float64, error) { return publishWindowed(ch, q, n, body) }
	for range rounds {
		var r float64
		if err = observe(false); err != nil {
			return
		}
		if r, err = publish(); err != nil {
			return
		}
		off = append(off, r)
		if err = observe(true); err != nil {
			return
		}
		if r, err = publish(); err != nil {
			return
		}
		on = append(on, r)
	}
	defer func() { _ = observe(false) }()

	v, err := connect(d.URL, &reading{}, 0)
	if err != nil {
		return
	}
	defer v.conn.Close()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	total := int(dur.Seconds() * float64(rate))
	for sent < total {
		<-tick.C
		for due := min(total, int(time.Since(start).Seconds()*float64(rate))); sent < due; sent++ {
			if err = ch.Publish("", pacedQueue, false, false, amqp.Publishing{Body: body}); err != nil {
				return
			}
		}
	}
	var st struct{ Skipped int64 }
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if err = d.call("GET", "/api/observe", nil, &st); err != nil {
			return
		}
		if v.observed.Load()+st.Skipped >= int64(sent) {
			break
		}
	}
	return off, on, sent, v.observed.Load(), st.Skipped, nil
}

// publishWindowed publishes n messages to queue q with confirms, waiting
// for each window of 1,000, says the rate, and empties q.
func publishWindowed(ch *amqp.Channel, q string, n int, body []byte) (float64, error) {
	start := time.Now()
	window := make([]*amqp.DeferredConfirmation, 0, 1000)
	for range n {
		dc, err := ch.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: body})
		if err != nil {
			return 0, err
		}
		if window = append(window, dc); len(window) == cap(window) {
			for _, w := range window {
				w.Wait()
			}
			window = window[:0]
		}
	}
	for _, w := range window {
		w.Wait()
	}
	rate := float64(n) / time.Since(start).Seconds()
	_, err := ch.QueuePurge(q, false)
	return rate, err
}
