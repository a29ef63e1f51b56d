package main

import (
	"time"
)

// fanout: nviewers viewers of one receiver, a paced publisher at rate
// msg/s; bare: the same through a bare gorilla fan-out instead.
func fanout(bin string, nviewers, rate int, dur time.Duration, bare bool) (*result, error) {
	res := &result{viewers: nviewers}
	var url, q string
	rss := func() int64 { return 0 }
	if bare {
		q = "rabbitboard-bench-fanout-bare"
		bf, err := startBareFanout(q)
		if err != nil {
			return nil, err
		}
		defer bf.close()
		url = bf.URL
	} else {
		sc, err := newScene(bin, "rabbitboard-bench-fanout", auto(1, nil))
		if err != nil {
			return nil, err
		}
		defer sc.close()
		time.Sleep(500 * time.Millisecond)
		res.rssBefore = sc.RSS()
		url, q, rss = sc.URL, sc.q, sc.RSS
	}
	vs, err := viewers(url, nviewers, reading{})
	if err != nil {
		return nil, err
	}
	defer closeViewers(vs)
	n, err := paced(q, rate, dur)
	if err != nil {
		return nil, err
	}
	res.want = n * nviewers
	_ = waitAll(vs, int64(n), 30*time.Second)
	res.rssAfter = rss()
	for _, v := range vs {
		res.samples = append(res.samples, v.samples...)
	}
	return res, nil
}
