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
	return pipelineWith(bin, n, shape{viewers: nviewers, posts: 1, receivers: 2}, extra...)
}

// shape is how (2) runs: to how many viewers, the n messages sent by how
// many concurrent POST /api/publish requests (n/posts each), as several
// people or scripts publishing at once do, to how many receivers (one is
// the bare client's shape: a single auto-ack consumer), and whether the
// viewers ask for brief deliveries.
type shape struct {
	viewers, posts, receivers int
	brief                     bool
}

// pipelineWith is pipeline in another shape.
func pipelineWith(bin string, n int, sh shape, extra ...string) (*result, error) {
	flags := extra
	profile := *cpuProfile != "" && sh.viewers == 10
	if profile {
		flags = append(flags, "--pprof", "127.0.0.1:0")
	}
	sc, err := newScene(bin, "rabbitboard-bench-pipeline", auto(sh.receivers, map[string]any{"prefetch": 500}), flags...)
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
	how := reading{decode: true}
	if sh.brief {
		how.query = "?deliveries=brief"
	}
	vs, err := viewers(sc.URL, sh.viewers, how)
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	cpu := cpuNow(d.Cmd.Process.Pid)
	start := time.Now()
	errs := make(chan error, sh.posts)
	for range sh.posts {
		go func() {
			var res struct{ Confirmed int }
			err := d.call("POST", "/api/publish", map[string]any{"routing_key": q, "body": strings.Repeat("x", 100), "count": n / sh.posts}, &res)
			if err == nil && res.Confirmed != n/sh.posts {
				err = fmt.Errorf("%d of %d confirmed", res.Confirmed, n/sh.posts)
			}
			errs <- err
		}()
	}
	for range sh.posts {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	n = n / sh.posts * sh.posts
	if err := waitAll(vs, int64(n), 2*time.Minute); err != nil {
		return nil, err
	}
	rate := float64(n) / time.Since(start).Seconds()
	return &result{rate: rate, rssAfter: d.RSS(), cpu: cpuNow(d.Cmd.Process.Pid).sub(cpu)}, nil
}
