package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// browserBurst opens the page in headless Chromium, publishes at rate for
// dur, clicks the publish form's details every 100 ms meanwhile, times the
// answer, then compares the page's counters with the server's.
func browserBurst(bin string, rate int, dur time.Duration) (*result, error) {
	sc, err := newScene(bin, "rabbitboard-bench-browser", auto(2, nil))
	if err != nil {
		return nil, err
	}
	defer sc.close()
	q, d := sc.q, sc.dashboard
	profile, err := os.MkdirTemp("", "rabbitboard-bench-chromium")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1400, 900))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(d.URL), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		return nil, err
	}
	// One message first, so there is a card to click.
	if _, err := paced(q, 10, 100*time.Millisecond); err != nil {
		return nil, err
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".card summary"))); err != nil {
		return nil, err
	}
	// Clicks go in as the mouse would: a press and a release where the
	// publish form's "Properties and headers" is; each answer comes once
	// the page has handled the event.
	xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('form[action="/api/publish"] summary').getBoundingClientRect(); return [r.x + 10, r.y + r.height / 2]; })()`))
	if err != nil {
		return nil, err
	}
	click := func() error {
		for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
			if _, err := chromedp.Call(ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: xy[0], Y: xy[1], Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}); err != nil {
				return err
			}
		}
		return nil
	}
	res := &result{}
	for range 5 {
		began := time.Now()
		if err := click(); err != nil {
			return nil, err
		}
		res.idle = append(res.idle, time.Since(began))
		time.Sleep(100 * time.Millisecond)
	}
	published := make(chan error, 1)
	go func() {
		_, err := paced(q, rate, dur)
		published <- err
	}()
	for clicking := true; clicking; {
		select {
		case err := <-published:
			if err != nil {
				return nil, err
			}
			clicking = false
		case <-time.After(100 * time.Millisecond):
			began := time.Now()
			if err := click(); err != nil {
				return nil, err
			}
			res.samples = append(res.samples, time.Since(began))
		}
	}
	// The page must end with exactly the server's counters.
	var rs []struct {
		ID       string
		Received int
	}
	var page []int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := d.call("GET", "/api/receivers", nil, &rs); err != nil {
			return nil, err
		}
		page, err = chromedp.Run(ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll(".receiver .counters .received")].map(e => +e.textContent)`))
		if err != nil {
			return nil, err
		}
		if len(page) == 2 && page[0] == rs[0].Received && page[1] == rs[1].Received {
			res.verdict = fmt.Sprintf("equal to the server's (%d and %d)", page[0], page[1])
			break
		}
		if time.Now().After(deadline) {
			res.verdict = fmt.Sprintf("DIFFER: page %v, server %+v", page, rs)
			break
		}
	}
	return res, nil
}
