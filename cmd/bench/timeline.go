package main

import (
	"fmt"
	"runtime"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// timelineStats is what the presenter's GET /api/stats says of the
// process and its timeline.
type timelineStats struct {
	HeapBytes      uint64 `json:"heap_bytes"`
	TimelineEvents int    `json:"timeline_events"`
	TimelineBytes  int    `json:"timeline_bytes"`
}

// benchTimeline prints (10): the timeline's memory under 5,000 msg/s from
// an outside publisher into one auto-ack receiver watched by one viewer,
// with the default bound and with no timeline, side by side.
func benchTimeline(bin string, dur time.Duration) error {
	fmt.Printf("10. timeline memory: outside publisher at 5,000 msg/s for %v -> 1 auto-ack receiver -> 1 viewer\n", dur)
	for _, events := range []string{"10000", "0"} {
		sc, err := newScene(bin, "rabbitboard-bench-timeline", auto(1, nil), "--timeline-events", events)
		if err != nil {
			return err
		}
		vs, err := viewers(sc.URL, 1, reading{})
		if err != nil {
			sc.close()
			return err
		}
		n, err := paced(sc.q, 5000, dur)
		if err == nil {
			err = waitAll(vs, int64(n), time.Minute)
		}
		var st timelineStats
		if err == nil {
			runtime.GC()
			err = sc.call("GET", "/api/stats", nil, &st)
		}
		rss := sc.RSS()
		sc.close()
		if err != nil {
			return err
		}
		fmt.Printf("    --timeline-events %-5s: %d messages; timeline %d events, %.1f MiB of events; heap %.1f MiB, RSS %.1f MiB\n",
			events, n, st.TimelineEvents, mib(int64(st.TimelineBytes)), mib(int64(st.HeapBytes)), mib(rss))
	}
	fmt.Println()
	return nil
}

// benchRecord prints (11): rabbitboard to one viewer, as in (2), with and
// without --record (every event also kept in a RabbitMQ stream),
// alternating.
func benchRecord(bin string, n, rounds int) error {
	var plain, recorded []float64
	var cpuPlain, cpuRecorded cpuUse
	for i := range rounds {
		p, err := pipeline(bin, n, 1)
		if err != nil {
			return err
		}
		stream := fmt.Sprintf("rabbitboard-bench-record-%d", i)
		r, err := pipeline(bin, n, 1, "--record", stream)
		if err != nil {
			return err
		}
		if err := deleteQueue(stream); err != nil {
			return err
		}
		plain, recorded = append(plain, p.rate), append(recorded, r.rate)
		cpuPlain, cpuRecorded = cpuPlain.add(p.cpu), cpuRecorded.add(r.cpu)
	}
	fmt.Printf("11. (2) with 1 viewer, and with --record (the timeline also kept in a stream), %d messages, %d rounds, alternating:\n    %.0f msg/s without, %.0f msg/s with (medians; rounds %.0f and %.0f): ratio %.2f (target >= 0.9)\n    CPU per 10,000 messages: without %s; with %s\n\n",
		n, rounds, median(plain), median(recorded), plain, recorded, median(recorded)/median(plain), cpuPlain.per10k(rounds*n, true), cpuRecorded.per10k(rounds*n, true))
	return nil
}

// deleteQueue deletes a queue (or stream) of the bench's vhost.
func deleteQueue(name string) error {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	_, err = ch.QueueDelete(name, false, false, false)
	return err
}
