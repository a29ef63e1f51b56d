package main

import (
	"context"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// paced publishes stamped messages at rate per second for dur from an
// outside AMQP client and returns how many it published.
func paced(q string, rate int, dur time.Duration) (int, error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return 0, err
	}
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	n := 0
	for time.Since(start) < dur {
		// Catch up in a burst if the scheduler was late: keep the rate.
		for due := int(time.Since(start)/interval) + 1; n < due; n++ {
			if err := ch.PublishWithContext(context.Background(), "", q, false, false, amqp.Publishing{Body: stamp()}); err != nil {
				return n, err
			}
		}
		time.Sleep(interval / 2)
	}
	return n, nil
}

// latency runs a paced publisher into one receiver watched by nviewers;
// withSlow adds one viewer that never reads.
func latency(bin string, rate int, dur time.Duration, nviewers int, withSlow bool) (*result, error) {
	sc, err := newScene(bin, "rabbitboard-bench-latency", auto(1, nil), "--max-viewer-queue", "524288", "--max-viewer-behind", "1s")
	if err != nil {
		return nil, err
	}
	defer sc.close()
	vs, err := viewers(sc.URL, nviewers, reading{})
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	var slow *viewer
	if withSlow {
		if slow, err = connect(d.URL, nil, 4096); err != nil {
			return nil, err
		}
	}
	res := &result{rssBefore: d.RSS()}
	start := time.Now()
	n, err := paced(q, rate, dur)
	if err != nil {
		return nil, err
	}
	res.published = n
	if err := waitAll(vs, int64(n), time.Minute); err != nil {
		return nil, err
	}
	var rs []struct{ Received int }
	_ = d.call("GET", "/api/receivers", nil, &rs)
	res.consumed = rs[0].Received
	res.consumeTime = time.Since(start)
	res.rssAfter = d.RSS()
	for _, v := range vs {
		res.samples = append(res.samples, v.samples...)
	}
	if slow != nil {
		// Its socket is full, so it never sees a close frame: the server
		// closes the connection, which a read shows at once.
		_ = slow.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := slow.conn.ReadMessage(); err != nil {
				break
			}
		}
		res.cutAfter = cutTime(d, start)
	}
	return res, nil
}

// cutTime asks the dashboard when it cut a viewer off; -1 when it did not.
func cutTime(d *dashboard, start time.Time) time.Duration {
	var m struct {
		Dropped  int64     `json:"viewers_dropped"`
		LastDrop time.Time `json:"last_drop"`
	}
	if err := d.call("GET", "/api/stats", nil, &m); err != nil || m.Dropped == 0 {
		return -1
	}
	return m.LastDrop.Sub(start).Round(time.Millisecond)
}
