package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// pipeline publishes n through the API to 2 receivers and nviewers viewers
// that decode every frame.
// With -cpuprofile, the dashboard's CPU profile of the first 10-viewer
// round is written there.
func pipeline(bin string, n, nviewers int, extra ...string) (*result, error) {
	return pipelineWith(bin, n, nviewers, 1, 2, extra...)
}

// pipelineWith is pipeline with the n messages sent by posts concurrent
// POST /api/publish requests (n/posts each), as several people or
// scripts publishing at once do, to the given number of receivers (one
// is the bare client's shape: a single auto-ack consumer).
func pipelineWith(bin string, n, nviewers, posts, receivers int, extra ...string) (*result, error) {
	flags := extra
	profile := *cpuProfile != "" && nviewers == 10
	if profile {
		flags = append(flags, "--pprof", "127.0.0.1:0")
	}
	sc, err := newScene(bin, "rabbitboard-bench-pipeline", auto(receivers, map[string]any{"prefetch": 500}), flags...)
	if err != nil {
		return nil, err
	}
	defer sc.close()
	if profile {
		done, err := sc.profile(*cpuProfile, 3*time.Second)
		if err != nil {
			return nil, err
		}
		*cpuProfile = "" // one round is enough
		defer func() {
			if err := done(); err != nil {
				fmt.Fprintln(os.Stderr, "bench: the profile:", err)
			}
		}()
	}
	vs, err := viewers(sc.URL, nviewers, true)
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	cpu := cpuNow(d.Cmd.Process.Pid)
	start := time.Now()
	errs := make(chan error, posts)
	for range posts {
		go func() {
			var res struct{ Confirmed int }
			err := d.call("POST", "/api/publish", map[string]any{"routing_key": q, "body": strings.Repeat("x", 100), "count": n / posts}, &res)
			if err == nil && res.Confirmed != n/posts {
				err = fmt.Errorf("%d of %d confirmed", res.Confirmed, n/posts)
			}
			errs <- err
		}()
	}
	for range posts {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	n = n / posts * posts
	if err := waitAll(vs, int64(n), 2*time.Minute); err != nil {
		return nil, err
	}
	rate := float64(n) / time.Since(start).Seconds()
	return &result{rate: rate, rssAfter: d.RSS(), cpu: cpuNow(d.Cmd.Process.Pid).sub(cpu)}, nil
}
