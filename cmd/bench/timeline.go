package main

import (
	"fmt"
	"runtime"
	"time"
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
		vs, err := viewers(sc.URL, 1, false)
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
