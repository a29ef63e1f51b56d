// Command bench measures rabbitboard's whole pipeline on the local broker,
// side by side with a bare amqp091-go client in the same run. The machine
// may be shared and noisy: read the ratios, not the absolute times.
//
//	go run ./cmd/bench            # every scenario, a table on stdout
//	go run ./cmd/bench -quick     # smaller numbers, for a smoke run
//
// It builds rabbitboard and runs it as a separate process, driven over
// HTTP and WebSockets exactly as browsers and scripts drive it, so the
// memory it reports is the dashboard's own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

var (
	amqpURL = flag.String("amqp-url", envOr("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"), "the broker")
	quick   = flag.Bool("quick", false, "smaller numbers for a smoke run")
	only    = flag.String("only", "", "run only these scenarios, e.g. 3,5 (1 and 2 go together)")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// scale picks the full or the quick number.
func scale(full, small int) int {
	if *quick {
		return small
	}
	return full
}

func run() error {
	bin, err := buildDashboard()
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(bin))
	fmt.Printf("rabbitboard bench, %s, %d CPUs shared by RabbitMQ, the dashboard and this client\n\n", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU())

	want := func(scenario string) bool { return *only == "" || strings.Contains(*only, scenario) }
	n := scale(50000, 5000)
	if want("1") || want("2") {
		// Alternate the two, three rounds, and compare medians: the
		// machine's noise then falls on both alike.
		var bare, through []float64
		var base *result
		for range 3 {
			b, err := baseline(n)
			if err != nil {
				return fmt.Errorf("baseline: %w", err)
			}
			p, err := pipeline(bin, n, 10)
			if err != nil {
				return fmt.Errorf("pipeline: %w", err)
			}
			bare, through = append(bare, b.rate), append(through, p.rate)
			if base == nil || b.rate == median(bare) {
				base = b
			}
		}
		fmt.Printf("1. bare amqp091-go, confirms, prefetch 500, 100-byte bodies, %d messages, 3 rounds:\n   %.0f msg/s end to end (median; rounds %.0f); latency p50 %v p99 %v max %v\n\n",
			n, median(bare), bare, base.p(50), base.p(99), base.max())
		fmt.Printf("2. POST /api/publish count=%d -> 2 receivers (auto ack) -> 10 WebSocket viewers, alternating with (1):\n   %.0f msg/s to the last viewer's last event (median; rounds %.0f); ratio to (1): %.2f (target >= 0.8)\n\n",
			n, median(through), through, median(through)/median(bare))
	}
	dur := time.Duration(scale(5, 2)) * time.Second
	if want("3") {
		lat, err := latency(bin, 1000, dur, 100, false)
		if err != nil {
			return fmt.Errorf("latency: %w", err)
		}
		fmt.Printf("3. outside publisher at 1,000 msg/s for %v -> 1 receiver -> 100 viewers, publish to viewer receipt:\n   p50 %v p99 %v max %v over %d receipts (target p99 <= 25ms)\n\n",
			dur, lat.p(50), lat.p(99), lat.max(), len(lat.samples))
	}
	if want("4") {
		fan, err := fanout(bin, scale(1000, 200), 100, dur)
		if err != nil {
			return fmt.Errorf("fan-out: %w", err)
		}
		fmt.Printf("4. %d viewers at 100 msg/s for %v: %d of %d receipts delivered; p50 %v p99 %v max %v;\n   RSS %.1f MiB -> %.1f MiB, %.1f KiB per viewer (targets: all, p99 <= 250ms, <= 64 KiB)\n\n",
			fan.viewers, dur, len(fan.samples), fan.want, fan.p(50), fan.p(99), fan.max(), mib(fan.rssBefore), mib(fan.rssAfter), float64(fan.rssAfter-fan.rssBefore)/1024/float64(fan.viewers))
	}
	if want("5") {
		// Rounds with and without the slow viewer alternate; the ratio of
		// their p99s is taken per round and the median reported.
		long := 2 * dur
		var ratios []float64
		var cuts []string
		var slow, calm *result
		for range scale(3, 1) {
			var err error
			if calm, err = latency(bin, 1000, long, 100, false); err != nil {
				return fmt.Errorf("slow viewer baseline: %w", err)
			}
			if slow, err = latency(bin, 1000, long, 100, true); err != nil {
				return fmt.Errorf("slow viewer: %w", err)
			}
			ratios = append(ratios, float64(slow.p(99))/float64(calm.p(99)))
			cut := "not cut off"
			if slow.cutAfter >= 0 {
				cut = fmt.Sprintf("cut off %v after the start", slow.cutAfter)
			}
			cuts = append(cuts, cut)
		}
		fmt.Printf("5. 100 viewers plus one that stops reading (512 KiB cap), 1,000 msg/s for %v, %d rounds:\n   others' p99 with it / without it: median %.2f (rounds %.2f; target <= 1.2); the slow viewer: %s;\n   last round: p99 %v vs %v, RSS %.1f -> %.1f MiB (%.1f -> %.1f without), receivers consumed %d of %d, done %v after the start (%v without)\n",
			long, len(ratios), median(ratios), ratios, strings.Join(cuts, ", "), slow.p(99), calm.p(99), mib(slow.rssBefore), mib(slow.rssAfter), mib(calm.rssBefore), mib(calm.rssAfter),
			slow.consumed, slow.published, slow.consumeTime.Round(time.Millisecond), calm.consumeTime.Round(time.Millisecond))
	}
	if want("6") {
		page, err := browserBurst(bin, 2000, time.Duration(scale(10, 3))*time.Second)
		if err != nil {
			return fmt.Errorf("browser: %w", err)
		}
		fmt.Printf("\n6. the page in headless Chromium while 2,000 msg/s arrive for %v (2 receivers):\n   a click answered in p50 %v, max %v over %d clicks (target <= 200ms; %v at most before the load); counters %s\n",
			time.Duration(scale(10, 3))*time.Second, page.p(50).Round(time.Millisecond), page.max().Round(time.Millisecond), len(page.samples), slices.Max(page.idle).Round(time.Millisecond), page.verdict)
	}
	return nil
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

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// result holds what a scenario measured.
type result struct {
	rate                float64
	samples             []time.Duration
	viewers, want       int
	rssBefore, rssAfter int64
	cutAfter            time.Duration
	consumed, published int
	consumeTime         time.Duration
	verdict             string
	idle                []time.Duration // clicks before the load, for comparison
}

func (r *result) p(q int) time.Duration {
	if len(r.samples) == 0 {
		return 0
	}
	slices.Sort(r.samples)
	return r.samples[min(len(r.samples)-1, len(r.samples)*q/100)]
}

func (r *result) max() time.Duration {
	if len(r.samples) == 0 {
		return 0
	}
	return slices.Max(r.samples)
}

// stamp is a 100-byte body that carries its publish time.
func stamp() []byte {
	b := []byte("t=" + strconv.FormatInt(time.Now().UnixNano(), 10) + " ")
	return append(b, bytes.Repeat([]byte("x"), 100-len(b))...)
}

func sent(body []byte) (time.Time, bool) {
	rest, ok := bytes.CutPrefix(body, []byte("t="))
	if !ok {
		return time.Time{}, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	return time.Unix(0, ns), err == nil
}

// baseline is a bare amqp091-go publisher and consumer, no rabbitboard.
func baseline(n int) (*result, error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	pub, _ := conn.Channel()
	sub, _ := conn.Channel()
	q := "rabbitboard-bench-baseline"
	_, _ = pub.QueueDelete(q, false, false, false)
	if _, err := pub.QueueDeclare(q, false, false, false, false, nil); err != nil {
		return nil, err
	}
	defer pub.QueueDelete(q, false, false, false)
	if err := pub.Confirm(false); err != nil {
		return nil, err
	}
	_ = sub.Qos(500, 0, false)
	deliveries, err := sub.Consume(q, "", false, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	res := &result{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for d := range deliveries {
			if at, ok := sent(d.Body); ok {
				res.samples = append(res.samples, time.Since(at))
			}
			_ = d.Ack(false)
			if len(res.samples) == n {
				return
			}
		}
	}()
	start := time.Now()
	window := make([]*amqp.DeferredConfirmation, 0, 1000)
	for range n {
		dc, err := pub.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: stamp()})
		if err != nil {
			return nil, err
		}
		window = append(window, dc)
		if len(window) == cap(window) {
			for _, w := range window {
				w.Wait()
			}
			window = window[:0]
		}
	}
	for _, w := range window {
		w.Wait()
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		return nil, errors.New("the consumer never got everything")
	}
	res.rate = float64(n) / time.Since(start).Seconds()
	return res, nil
}

// dashboard is a running rabbitboard process.
type dashboard struct{ *testkit.Dashboard }

func buildDashboard() (string, error) {
	dir, err := os.MkdirTemp("", "rabbitboard-bench")
	if err != nil {
		return "", err
	}
	return testkit.Build(".", dir)
}

func startDashboard(bin string, args ...string) (*dashboard, error) {
	d, err := testkit.Start(bin, append([]string{"--addr", "127.0.0.1:0", "--management-url", "-", "--max-count", "100000", "--amqp-url", *amqpURL}, args...)...)
	if err != nil {
		return nil, err
	}
	return &dashboard{d}, nil
}

func (d *dashboard) call(method, path string, body any, out any) error {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, d.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// queue declares a fresh queue through the dashboard.
func (d *dashboard) queue(name string) error {
	_ = d.call("DELETE", "/api/queues/"+name, nil, nil)
	return d.call("POST", "/api/queues", map[string]any{"name": name}, nil)
}

// scene is a dashboard with a fresh queue and receivers on it.
type scene struct {
	*dashboard
	q string
}

// newScene starts a dashboard with the flags given, declares q and adds
// one receiver per spec to it.
func newScene(bin, q string, receivers []map[string]any, flags ...string) (*scene, error) {
	d, err := startDashboard(bin, flags...)
	if err != nil {
		return nil, err
	}
	s := &scene{dashboard: d, q: q}
	if err := d.queue(q); err != nil {
		s.close()
		return nil, err
	}
	for _, spec := range receivers {
		spec["queue"] = q
		if err := d.call("POST", "/api/receivers", spec, nil); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// viewers connects n reading viewers.
func (s *scene) viewers(n int) ([]*viewer, error) {
	var vs []*viewer
	for range n {
		v, err := connect(s.URL, true, 0)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func (s *scene) close() {
	_ = s.call("DELETE", "/api/queues/"+s.q, nil, nil)
	s.Stop() // its viewers' connections end with it
}

func auto(n int, extra map[string]any) []map[string]any {
	var specs []map[string]any
	for range n {
		spec := map[string]any{"ack": "auto"}
		for k, v := range extra {
			spec[k] = v
		}
		specs = append(specs, spec)
	}
	return specs
}

// viewer is a WebSocket client that counts delivery events and, for those
// whose body carries a publish time, how long they took to arrive.
type viewer struct {
	conn       *websocket.Conn
	deliveries atomic.Int64
	mu         sync.Mutex
	samples    []time.Duration
	ended      chan error
	endedAt    time.Time
}

var deliveryMark = []byte(`"type":"delivery"`)
var bodyMark = []byte(`"body":"`)

// connect opens a viewer; readBuffer > 0 shrinks its socket's receive
// buffer, and a viewer that does not read never reads past the snapshot.
func connect(url string, reading bool, readBuffer int) (*viewer, error) {
	dialer := *websocket.DefaultDialer
	if readBuffer > 0 {
		dialer.NetDial = func(network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(readBuffer)
			}
			return c, err
		}
	}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(url, "http")+"/ws", nil)
	if err != nil {
		return nil, err
	}
	v := &viewer{conn: conn, ended: make(chan error, 1)}
	if _, _, err := conn.ReadMessage(); err != nil { // the snapshot
		return nil, err
	}
	if !reading {
		return v, nil
	}
	go func() {
		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				v.endedAt = time.Now()
				v.ended <- err
				return
			}
			now := time.Now()
			// Scan the frame instead of decoding it: a thousand viewers in
			// this process must cost less than the dashboard they measure.
			for i := bytes.Index(frame, deliveryMark); i >= 0; {
				v.deliveries.Add(1)
				rest := frame[i+len(deliveryMark):]
				if j := bytes.Index(rest, bodyMark); j >= 0 {
					if at, ok := sent(rest[j+len(bodyMark):]); ok {
						v.mu.Lock()
						v.samples = append(v.samples, now.Sub(at))
						v.mu.Unlock()
					}
				}
				next := bytes.Index(rest, deliveryMark)
				if next < 0 {
					break
				}
				frame = rest
				i = next
			}
		}
	}()
	return v, nil
}

func waitAll(vs []*viewer, n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, v := range vs {
		for v.deliveries.Load() < n {
			if time.Now().After(deadline) {
				return fmt.Errorf("a viewer has %d of %d deliveries", v.deliveries.Load(), n)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return nil
}

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

// paced publishes stamped messages at rate per second for dur from an
// outside AMQP client and returns how many it published.
func paced(q string, rate int, dur time.Duration) (int, error) {
	conn, err := amqp.Dial(*amqpURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return 0, err
	}
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	n := 0
	for time.Since(start) < dur {
		// Catch up in a burst if the scheduler was late: keep the rate.
		for due := int(time.Since(start)/interval) + 1; n < due; n++ {
			if err := ch.PublishWithContext(context.Background(), "", q, false, false, amqp.Publishing{Body: stamp()}); err != nil {
				return n, err
			}
		}
		time.Sleep(interval / 2)
	}
	return n, nil
}

// latency runs a paced publisher into one receiver watched by nviewers;
// withSlow adds one viewer that never reads.
func latency(bin string, rate int, dur time.Duration, nviewers int, withSlow bool) (*result, error) {
	sc, err := newScene(bin, "rabbitboard-bench-latency", auto(1, nil), "--max-viewer-queue", "524288")
	if err != nil {
		return nil, err
	}
	defer sc.close()
	vs, err := sc.viewers(nviewers)
	if err != nil {
		return nil, err
	}
	q, d := sc.q, sc.dashboard
	var slow *viewer
	if withSlow {
		if slow, err = connect(d.URL, false, 4096); err != nil {
			return nil, err
		}
	}
	res := &result{rssBefore: d.RSS()}
	start := time.Now()
	n, err := paced(q, rate, dur)
	if err != nil {
		return nil, err
	}
	res.published = n
	if err := waitAll(vs, int64(n), time.Minute); err != nil {
		return nil, err
	}
	var rs []struct{ Received int }
	_ = d.call("GET", "/api/receivers", nil, &rs)
	res.consumed = rs[0].Received
	res.consumeTime = time.Since(start)
	res.rssAfter = d.RSS()
	for _, v := range vs {
		res.samples = append(res.samples, v.samples...)
	}
	if slow != nil {
		// Its socket is full, so it never sees a close frame: the server
		// closes the connection, which a read shows at once.
		_ = slow.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := slow.conn.ReadMessage(); err != nil {
				break
			}
		}
		res.cutAfter = cutTime(d, start)
	}
	return res, nil
}

// cutTime asks the dashboard when it cut a viewer off; -1 when it did not.
func cutTime(d *dashboard, start time.Time) time.Duration {
	var m struct {
		Dropped  int64     `json:"viewers_dropped"`
		LastDrop time.Time `json:"last_drop"`
	}
	if err := d.call("GET", "/api/stats", nil, &m); err != nil || m.Dropped == 0 {
		return -1
	}
	return m.LastDrop.Sub(start).Round(time.Millisecond)
}

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
