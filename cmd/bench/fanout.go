package main

import (
	"time"
)

// fanout: nviewers viewers, a paced publisher at rate msg/s.
func fanout(bin string, nviewers, rate int, dur time.Duration) (*result, error) {
	sc, err := newScene(bin, "rabbitboard-bench-fanout", auto(1, nil))
	if err != nil {
		return nil, err
	}
	defer sc.close()
	time.Sleep(500 * time.Millisecond)
	res := &result{viewers: nviewers, rssBefore: sc.RSS()}
	vs, err := sc.viewers(nviewers)
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	n, err := paced(q, rate, dur)
	if err != nil {
		return nil, err
	}
	res.want = n * nviewers
	_ = waitAll(vs, int64(n), 30*time.Second)
	res.rssAfter = d.RSS()
	for _, v := range vs {
		res.samples = append(res.samples, v.samples...)
	}
	return res, nil
}
