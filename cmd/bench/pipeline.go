package main

import (
	"fmt"
	"strings"
	"time"
)

// pipeline publishes n through the API to 2 receivers and nviewers viewers.
func pipeline(bin string, n, nviewers int) (*result, error) {
	sc, err := newScene(bin, "rabbitboard-bench-pipeline", auto(2, map[string]any{"prefetch": 500}))
	if err != nil {
		return nil, err
	}
	defer sc.close()
	vs, err := sc.viewers(nviewers)
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	start := time.Now()
	var res struct{ Confirmed int }
	if err := d.call("POST", "/api/publish", map[string]any{"routing_key": q, "body": strings.Repeat("x", 100), "count": n}, &res); err != nil {
		return nil, err
	}
	if res.Confirmed != n {
		return nil, fmt.Errorf("%d of %d confirmed", res.Confirmed, n)
	}
	if err := waitAll(vs, int64(n), 2*time.Minute); err != nil {
		return nil, err
	}
	return &result{rate: float64(n) / time.Since(start).Seconds()}, nil
}
