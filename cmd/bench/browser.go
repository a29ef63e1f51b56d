package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	amqp "github.com/rabbitmq/amqp091-go"
)

// page is the dashboard open in headless Chromium, with a spot to click.
type page struct {
	ctx    context.Context
	cancel func()
	xy     []float64
}

// openPage opens url in headless Chromium, waits for a card (firstCard
// publishes what makes one) and finds the publish form's details to click.
func openPage(url string, firstCard func() error) (*page, error) {
	profile, err := os.MkdirTemp("", "rabbitboard-bench-chromium")
	if err != nil {
		return nil, err
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1400, 900))
	ctx, cancel := chromedp.NewContext(alloc)
	p := &page{ctx: ctx, cancel: func() { cancel(); cancelAlloc(); os.RemoveAll(profile) }}
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		p.cancel()
		return nil, err
	}
	if err := firstCard(); err != nil {
		p.cancel()
		return nil, err
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".card summary"))); err != nil {
		p.cancel()
		return nil, err
	}
	// Clicks go in as the mouse would: a press and a release where the
	// publish form's "Properties and headers" is.
	p.xy, err = chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('form[action="/api/publish"] summary').getBoundingClientRect(); return [r.x + 10, r.y + r.height / 2]; })()`))
	if err != nil {
		p.cancel()
		return nil, err
	}
	return p, nil
}

// click clicks once; it returns once the page has handled the event.
func (p *page) click() error {
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		if _, err := chromedp.Call(p.ctx, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: p.xy[0], Y: p.xy[1], Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}); err != nil {
			return err
		}
	}
	return nil
}

// heap is the page's JavaScript heap in use, after a garbage collection.
func (p *page) heap() (int64, error) {
	if _, err := chromedp.Call(p.ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		return 0, err
	}
	used, err := chromedp.Call(p.ctx, runtime.GetHeapUsage, cdp.Empty{})
	return int64(used.UsedSize), err
}

// clicksDuring times a click every 100 ms while load runs (5 before it,
// for comparison), and the heap before and after.
func (p *page) clicksDuring(load func() error) (*result, error) {
	res := &result{}
	for range 5 {
		began := time.Now()
		if err := p.click(); err != nil {
			return nil, err
		}
		res.idle = append(res.idle, time.Since(began))
		time.Sleep(100 * time.Millisecond)
	}
	var err error
	if res.rssBefore, err = p.heap(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- load() }()
	for clicking := true; clicking; {
		select {
		case err := <-done:
			if err != nil {
				return nil, err
			}
			clicking = false
		case <-time.After(100 * time.Millisecond):
			began := time.Now()
			if err := p.click(); err != nil {
				return nil, err
			}
			res.samples = append(res.samples, time.Since(began))
		}
	}
	res.rssAfter, err = p.heap()
	return res, err
}

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
	// One message first, so there is a card to click.
	p, err := openPage(d.URL, func() error { _, err := paced(q, 10, 100*time.Millisecond); return err })
	if err != nil {
		return nil, err
	}
	defer p.cancel()
	res, err := p.clicksDuring(func() error { _, err := paced(q, rate, dur); return err })
	if err != nil {
		return nil, err
	}
	// The page must end with exactly the server's counters.
	var rs []struct {
		ID       string
		Received int
	}
	var shown []int
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := d.call("GET", "/api/receivers", nil, &rs); err != nil {
			return nil, err
		}
		shown, err = chromedp.Run(p.ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll(".receiver .counters .received")].map(e => +e.textContent)`))
		if err != nil {
			return nil, err
		}
		if len(shown) == 2 && shown[0] == rs[0].Received && shown[1] == rs[1].Received {
			res.verdict = fmt.Sprintf("equal to the server's (%d and %d)", shown[0], shown[1])
			break
		}
		if time.Now().After(deadline) {
			res.verdict = fmt.Sprintf("DIFFER: page %v, server %+v", shown, rs)
			break
		}
	}
	return res, nil
}

// browserObserved is browserBurst for another program's traffic: rabbitboard
// observes (--observe) while a program of the bench's publishes at rate for
// dur to a queue that another consumer of its own takes with auto ack; the
// page's clicks are timed, its heap read before and after, and the page's
// column counters compared with the server's, what was skipped counted.
func browserObserved(bin string, rate int, dur time.Duration) (*result, error) {
	const q = "rabbitboard-bench-watched"
	d, err := startDashboard(bin, "--management-url", "", "--observe", "--max-viewer-queue", fmt.Sprint(256<<20))
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	conn, err := amqp.DialConfig(*amqpURL, amqp.Config{Properties: amqp.Table{"connection_name": "bench consumer"}})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	_, _ = ch.QueueDelete(q, false, false, false)
	if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		return nil, err
	}
	defer ch.QueueDelete(q, false, false, false)
	if _, err := ch.Consume(q, "", true, false, false, false, nil); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var st struct{ Enabled bool }
		if err := d.call("GET", "/api/observe", nil, &st); err == nil && st.Enabled {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("observing did not start")
		}
	}
	p, err := openPage(d.URL, func() error { _, err := paced(q, 10, time.Second); return err })
	if err != nil {
		return nil, err
	}
	defer p.cancel()
	var sent int
	res, err := p.clicksDuring(func() error { n, err := paced(q, rate, dur); sent = n; return err })
	if err != nil {
		return nil, err
	}
	var st struct{ Skipped int64 }
	var rs []struct {
		Kind     string
		Received int64
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		_ = d.call("GET", "/api/observe", nil, &st)
		_ = d.call("GET", "/api/receivers", nil, &rs)
		var received int64
		for _, r := range rs {
			if r.Kind == "outside" {
				received += r.Received
			}
		}
		if received+st.Skipped >= int64(sent+10) || time.Now().After(deadline) {
			res.verdict = fmt.Sprintf("%d messages published, %d firehose copies (a publish and a delivery each): %d deliveries shown in the column, %d copies skipped (counted on the page), the rest shown as publishes", sent+10, 2*(sent+10), received, st.Skipped)
			break
		}
	}
	return res, nil
}
