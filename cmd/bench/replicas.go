package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// replicated runs nreplicas rabbitboard processes of one cluster, one
// receiver on the first, perReplica viewers on each, and a paced publisher;
// it returns the receipts of the first replica's viewers (local) and of the
// others' (remote).
func replicated(bin string, nreplicas, perReplica, rate int, dur time.Duration) (local, remote *result, err error) {
	name := "bench-" + strings.ToLower(rand.Text()[:8])
	var ds []*dashboard
	defer func() {
		for _, d := range ds {
			d.Stop()
		}
	}()
	for range nreplicas {
		d, err := startDashboard(bin, "--cluster", name, "--cluster-secret", "bench-"+name)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var list []json.RawMessage
			if d.call("GET", "/api/replicas", nil, &list) == nil && len(list) == nreplicas {
				break
			}
			if time.Now().After(deadline) {
				return nil, nil, fmt.Errorf("%s does not list %d replicas", d.URL, nreplicas)
			}
		}
	}
	q := "rabbitboard-bench-replicas"
	if err := ds[0].queue(q); err != nil {
		return nil, nil, err
	}
	defer ds[0].call("DELETE", "/api/queues/"+q, nil, nil)
	if err := ds[0].call("POST", "/api/receivers", map[string]any{"queue": q, "ack": "auto"}, nil); err != nil {
		return nil, nil, err
	}
	time.Sleep(time.Second) // the receiver's event reaches every replica
	var all [][]*viewer
	for _, d := range ds {
		vs, err := viewers(d.URL, perReplica, reading{})
		if err != nil {
			return nil, nil, err
		}
		defer closeViewers(vs)
		all = append(all, vs)
	}
	n, err := paced(q, rate, dur)
	if err != nil {
		return nil, nil, err
	}
	local, remote = &result{want: n * perReplica}, &result{want: n * perReplica * (nreplicas - 1)}
	for i, vs := range all {
		_ = waitAll(vs, int64(n), 30*time.Second)
		r := remote
		if i == 0 {
			r = local
		}
		for _, v := range vs {
			r.samples = append(r.samples, v.samples...)
		}
	}
	return local, remote, nil
}

// transport measures what carrying events between replicas costs in
// latency, each way the design allows: a fanout exchange to an exclusive
// queue per replica, or one stream that every replica tails. rate batches
// of 20 events (about 6 KB) a second for dur, two readers.
func transport(rate int, dur time.Duration) (exchange, stream *result, err error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	batch := func() []byte {
		events := make([]string, 20)
		for i := range events {
			events[i] = `{"type":"delivery","receiver":"abcdef-r1","queue":"q","seq":1,"body":"` + strings.Repeat("x", 200) + `"}`
		}
		return []byte("[" + strings.Join(events, ",") + "]")
	}()
	measure := func(exchange, key string, consume func(*amqp.Channel) (<-chan amqp.Delivery, error)) (*result, error) {
		return measureTransport(conn, rate, dur, batch, exchange, key, consume)
	}

	ch, err := conn.Channel()
	if err != nil {
		return nil, nil, err
	}
	defer ch.Close()
	const ex, st = "rabbitboard.bench.transport", "rabbitboard.bench.transport-stream"
	if err := ch.ExchangeDeclare(ex, "fanout", false, true, false, false, nil); err != nil {
		return nil, nil, err
	}
	exchange, err = measure(ex, "", func(c *amqp.Channel) (<-chan amqp.Delivery, error) {
		q, err := c.QueueDeclare("", false, true, true, false, nil)
		if err == nil {
			err = c.QueueBind(q.Name, "", ex, false, nil)
		}
		if err != nil {
			return nil, err
		}
		return c.Consume(q.Name, "", false, true, false, false, nil)
	})
	if err != nil {
		return nil, nil, err
	}
	_, _ = ch.QueueDelete(st, false, false, false)
	if _, err := ch.QueueDeclare(st, true, false, false, false, amqp.Table{"x-queue-type": "stream", "x-max-length-bytes": int64(64 << 20)}); err != nil {
		return nil, nil, fmt.Errorf("a stream: %w", err)
	}
	defer ch.QueueDelete(st, false, false, false)
	stream, err = measure("", st, func(c *amqp.Channel) (<-chan amqp.Delivery, error) {
		if err := c.Qos(100, 0, false); err != nil {
			return nil, err
		}
		return c.Consume(st, "", false, false, false, false, amqp.Table{"x-stream-offset": "next"})
	})
	return exchange, stream, err
}

// measureTransport publishes a stamped batch rate times a second for dur
// to exchange with key and times each batch's arrival at two readers,
// which consume returns the deliveries of.
func measureTransport(conn *amqp.Connection, rate int, dur time.Duration, batch []byte, exchange, key string, consume func(*amqp.Channel) (<-chan amqp.Delivery, error)) (*result, error) {
	res := &result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 2 {
		ch, err := conn.Channel()
		if err != nil {
			return nil, err
		}
		defer ch.Close()
		ds, err := consume(ch)
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range ds {
				if d.Type == "end" {
					return
				}
				if at, ok := sent(d.Body); ok {
					mu.Lock()
					res.samples = append(res.samples, time.Since(at))
					mu.Unlock()
				}
				_ = d.Ack(false)
			}
		}()
	}
	pub, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	defer pub.Close()
	interval := time.Second / time.Duration(rate)
	for start := time.Now(); time.Since(start) < dur; time.Sleep(interval) {
		body := append(stamp(), batch...)
		if err := pub.Publish(exchange, key, false, false, amqp.Publishing{Body: body}); err != nil {
			return nil, err
		}
	}
	_ = pub.Publish(exchange, key, false, false, amqp.Publishing{Type: "end"})
	wg.Wait()
	return res, nil
}
