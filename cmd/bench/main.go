// Command bench measures rabbitboard's whole pipeline on the local broker,
// side by side with a bare amqp091-go client in the same run. The machine
// may be shared and noisy: read the ratios, not the absolute times.
//
//	go run ./cmd/bench            # every part, a table on stdout
//	go run ./cmd/bench -quick     # smaller numbers, for a smoke run
//
// It builds rabbitboard and runs it as a separate process, driven over
// HTTP and WebSockets exactly as browsers and scripts drive it, so the
// memory it reports is the dashboard's own.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	amqpURL    = flag.String("amqp-url", envOr("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/rabbitboard-bench"), "the broker, and a vhost of the bench's own (made when missing)")
	quick      = flag.Bool("quick", false, "smaller numbers for a smoke run")
	cpuProfile = flag.String("cpuprofile", "", "write the dashboard's CPU profile during the first 10-viewer round of (2) to this file")
	bareServer = flag.String("bare-server", "", "run only the bare client and fan-out on this queue, as the bench's own child process")
	only       = flag.String("only", "", "run only these parts, e.g. 3,5 (1 and 2 go together)")
	roundsFlag = flag.Int("rounds", 0, "alternating rounds of (1), (2) and (11) whose medians are compared (5 unless said, 3 with -quick)")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	flag.Parse()
	work := run
	if *bareServer != "" {
		work = func() error { return serveBare(*bareServer) }
	}
	if err := work(); err != nil {
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
	if err := ensureVhost(*amqpURL); err != nil {
		return err
	}
	bin, err := buildDashboard()
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(bin))
	fmt.Printf("rabbitboard bench, %s, %d CPUs shared by RabbitMQ, the dashboard and this client\n\n", time.Now().UTC().Format(time.RFC3339), runtime.NumCPU())

	want := func(part string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), part) }
	// A round of 100,000 takes about two seconds here; five alternating
	// rounds of each keep a busy spell of the machine out of the medians.
	n, rounds := scale(100000, 5000), scale(5, 3)
	if *roundsFlag > 0 {
		rounds = *roundsFlag
	}
	if want("1") || want("2") {
		if err := benchThroughput(bin, n, rounds); err != nil {
			return err
		}
	}
	dur := time.Duration(scale(5, 2)) * time.Second
	if want("3") {
		if err := benchLatency(bin, dur); err != nil {
			return err
		}
	}
	if want("4") {
		if err := benchManyViewers(bin, dur); err != nil {
			return err
		}
	}
	if want("5") {
		if err := benchSlowViewer(bin); err != nil {
			return err
		}
	}
	if want("6") {
		if err := benchPageUnderLoad(bin); err != nil {
			return err
		}
	}
	if want("9") {
		if err := benchObservedPage(bin); err != nil {
			return err
		}
	}
	if want("7") {
		if err := benchObserveCost(bin); err != nil {
			return err
		}
	}
	if want("8") {
		if err := benchReplicas(bin, dur); err != nil {
			return err
		}
	}
	if want("11") {
		if err := benchRecord(bin, n, rounds); err != nil {
			return err
		}
	}
	if want("10") {
		if err := benchTimeline(bin, time.Duration(scale(30, 5))*time.Second); err != nil {
			return err
		}
	}
	return nil
}

// benchThroughput prints (1) and (2): a bare client, a bare fan-out and
// rabbitboard to 10 and 1 viewers, alternating.
func benchThroughput(bin string, n, rounds int) error {
	// Alternate every part, round after round, and compare medians: the
	// machine's noise then falls on all alike.
	var bare, bareFan, bareIn, ten, one, single, concurrent, brief, briefConcurrent series
	parts := []struct {
		shape
		*series
	}{
		{shape{viewers: 10, posts: 1, receivers: 2}, &ten},
		{shape{viewers: 1, posts: 1, receivers: 2}, &one},
		{shape{viewers: 1, posts: 1, receivers: 1}, &single},
		{shape{viewers: 10, posts: 10, receivers: 2}, &concurrent},
		{shape{viewers: 10, posts: 1, receivers: 2, brief: true}, &brief},
		{shape{viewers: 10, posts: 10, receivers: 2, brief: true}, &briefConcurrent},
	}
	var base *result
	var rss int64
	for range rounds {
		b, err := baseline(n)
		if err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		bf, err := pipelineBare(n, 10)
		if err != nil {
			return fmt.Errorf("bare fan-out: %w", err)
		}
		bi, err := pipelineBareInProcess(n, 10)
		if err != nil {
			return fmt.Errorf("bare fan-out: %w", err)
		}
		bare.add(b)
		bareFan.add(bf)
		bareIn.add(bi)
		for _, part := range parts {
			p, err := pipelineWith(bin, n, part.shape)
			if err != nil {
				return fmt.Errorf("pipeline: %w", err)
			}
			part.add(p)
			rss = max(rss, p.rssAfter)
		}
		if base == nil || b.rate == bare.median() {
			base = b
		}
	}
	fmt.Printf("1. bare amqp091-go, confirms, auto-ack consumer, 100-byte bodies, %d messages, %d rounds:\n   %.0f msg/s end to end (median; rounds %.0f); latency p50 %v p99 %v max %v\n   the same with a bare gorilla fan-out to 10 viewers that decode every frame: %.0f msg/s (median; rounds %.0f)\n   the same with the bare client and fan-out in the viewers' process: %.0f msg/s (median; rounds %.0f)\n",
		n, rounds, bare.median(), bare.rates, base.p(50), base.p(99), base.max(), bareFan.median(), bareFan.rates, bareIn.median(), bareIn.rates)
	fmt.Printf("   CPU per 10,000 messages: %s; with the fan-out: broker %s, client and fan-out (one process) %s, viewers %s\n\n",
		bare.cpu.per10k(rounds*n, false), ms10k(bareFan.cpu.broker, rounds*n), ms10k(bareFan.cpu.dashboard, rounds*n), ms10k(bareFan.cpu.bench, rounds*n))
	fmt.Printf("2. POST /api/publish count=%d -> 2 receivers (auto ack) -> WebSocket viewers that decode every frame, alternating with (1):\n   10 viewers: %.0f msg/s to the last viewer's last event (median; rounds %.0f); ratio to (1): %.2f (target >= 0.8), to (1) with the bare fan-out: %.2f (target >= 0.9), in the viewers' process: %.2f\n   1 viewer:   %.0f msg/s (median; rounds %.0f); ratio to (1): %.2f; dashboard RSS at most %.1f MiB\n",
		n, ten.median(), ten.rates, ten.median()/bare.median(), ten.median()/bareFan.median(), ten.median()/bareIn.median(), one.median(), one.rates, one.median()/bare.median(), mib(rss))
	fmt.Printf("   10 viewers, the %d messages sent by 10 concurrent POSTs: %.0f msg/s (median; rounds %.0f); ratio to (1) with the bare fan-out: %.2f (target >= 0.9), in the viewers' process: %.2f\n",
		n, concurrent.median(), concurrent.rates, concurrent.median()/bareFan.median(), concurrent.median()/bareIn.median())
	fmt.Printf("   1 viewer, 1 receiver (the bare client's one consumer): %.0f msg/s (median; rounds %.0f); ratio to (1): %.2f (target >= 0.95)\n",
		single.median(), single.rates, single.median()/bare.median())
	fmt.Printf("   10 viewers of brief deliveries (/ws?deliveries=brief, the bare fan-out's few fields): %.0f msg/s (median; rounds %.0f); ratio to (1) with the bare fan-out: %.2f, in the viewers' process: %.2f (target >= 0.9)\n",
		brief.median(), brief.rates, brief.median()/bareFan.median(), brief.median()/bareIn.median())
	fmt.Printf("   the same, 10 concurrent POSTs: %.0f msg/s (median; rounds %.0f); ratio to (1) with the bare fan-out: %.2f, in the viewers' process: %.2f (target >= 0.9)\n",
		briefConcurrent.median(), briefConcurrent.rates, briefConcurrent.median()/bareFan.median(), briefConcurrent.median()/bareIn.median())
	fmt.Printf("   CPU per 10,000 messages: 10 viewers: %s; 1 viewer: %s; 1 viewer, 1 receiver: %s; 10 concurrent POSTs: %s; 10 viewers of brief deliveries: %s; the same, 10 concurrent POSTs: %s\n",
		ten.cpu.per10k(rounds*n, true), one.cpu.per10k(rounds*n, true), single.cpu.per10k(rounds*n, true), concurrent.cpu.per10k(rounds*n, true), brief.cpu.per10k(rounds*n, true), briefConcurrent.cpu.per10k(rounds*n, true))
	fmt.Printf("   the dashboard's CPU with 10 viewers against the bare client and fan-out's process: %.2f (target <= 1)\n\n", float64(ten.cpu.dashboard)/float64(bareFan.cpu.dashboard))
	return nil
}

// series is one part's rounds: their rates and CPU.
type series struct {
	rates []float64
	cpu   cpuUse
}

func (s *series) add(r *result) {
	s.rates = append(s.rates, r.rate)
	s.cpu = s.cpu.add(r.cpu)
}

func (s *series) median() float64 { return median(s.rates) }

// benchLatency prints (3): publish to viewer receipt with 100 viewers, beside
// a bare fan-out.
func benchLatency(bin string, dur time.Duration) error {
	lat, err := latency(bin, 1000, dur, 100, false)
	if err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	bare, err := fanout(bin, 100, 1000, dur, true)
	if err != nil {
		return fmt.Errorf("bare fan-out: %w", err)
	}
	fmt.Printf("3. outside publisher at 1,000 msg/s for %v -> 1 receiver -> 100 viewers, publish to viewer receipt:\n   p50 %v p99 %v max %v over %d receipts (target p99 <= 5ms)\n   bare gorilla fan-out in the same run: p50 %v p99 %v max %v over %d receipts\n\n",
		dur, lat.p(50), lat.p(99), lat.max(), len(lat.samples), bare.p(50), bare.p(99), bare.max(), len(bare.samples))
	return nil
}

// benchManyViewers prints (4): 1,000 and 5,000 viewers, beside a bare fan-
// out, and memory per viewer.
func benchManyViewers(bin string, dur time.Duration) error {
	for _, c := range []struct{ viewers, rate int }{{scale(1000, 200), 100}, {scale(5000, 500), 20}} {
		bare, err := fanout(bin, c.viewers, c.rate, dur, true)
		if err != nil {
			return fmt.Errorf("bare fan-out: %w", err)
		}
		fan, err := fanout(bin, c.viewers, c.rate, dur, false)
		if err != nil {
			return fmt.Errorf("fan-out: %w", err)
		}
		fmt.Printf("4. %d viewers at %d msg/s for %v: %d of %d receipts delivered; p50 %v p99 %v max %v;\n   bare gorilla fan-out in the same run: %d of %d, p50 %v p99 %v max %v; p99 ratio %.2f (target <= 1.5, p99 <= 150ms at 5,000)\n   RSS %.1f MiB -> %.1f MiB, %.1f KiB per viewer (target <= 32 KiB)\n\n",
			fan.viewers, c.rate, dur, len(fan.samples), fan.want, fan.p(50), fan.p(99), fan.max(),
			len(bare.samples), bare.want, bare.p(50), bare.p(99), bare.max(), float64(fan.p(99))/float64(bare.p(99)),
			mib(fan.rssBefore), mib(fan.rssAfter), float64(fan.rssAfter-fan.rssBefore)/1024/float64(fan.viewers))
	}
	return nil
}

// benchSlowViewer prints (5): what a viewer that stops reading costs the
// others.
func benchSlowViewer(bin string) error {
	// Rounds with and without the slow viewer alternate; the ratio of
	// their p99s is taken per round and the median reported.
	// Long enough to fill the socket buffers (about 3 MB here on the
	// loopback) before the dashboard's own queue does.
	long := 15 * time.Second
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
	fmt.Printf("5. 100 viewers plus one that stops reading (cut past 512 KiB and 1s behind), 1,000 msg/s for %v, %d rounds:\n   others' p99 with it / without it: median %.2f (rounds %.2f; target <= 1.2); the slow viewer: %s;\n   last round: p99 %v vs %v, RSS %.1f -> %.1f MiB (%.1f -> %.1f without), receivers consumed %d of %d, done %v after the start (%v without)\n",
		long, len(ratios), median(ratios), ratios, strings.Join(cuts, ", "), slow.p(99), calm.p(99), mib(slow.rssBefore), mib(slow.rssAfter), mib(calm.rssBefore), mib(calm.rssAfter),
		slow.consumed, slow.published, slow.consumeTime.Round(time.Millisecond), calm.consumeTime.Round(time.Millisecond))
	return nil
}

// benchPageUnderLoad prints (6): the page's clicks while 2,000 msg/s arrive.
func benchPageUnderLoad(bin string) error {
	page, err := browserBurst(bin, 2000, time.Duration(scale(10, 3))*time.Second)
	if err != nil {
		return fmt.Errorf("browser: %w", err)
	}
	fmt.Printf("\n6. the page in headless Chromium while 2,000 msg/s arrive for %v (2 receivers):\n   a click answered in p50 %v, max %v over %d clicks (target <= 200ms; %v at most before the load); counters %s\n",
		time.Duration(scale(10, 3))*time.Second, page.p(50).Round(time.Millisecond), page.max().Round(time.Millisecond), len(page.samples), slices.Max(page.idle).Round(time.Millisecond), page.verdict)
	return nil
}

// benchObservedPage prints (9): the page's clicks while rabbitboard observes
// 5,000 msg/s of another program.
func benchObservedPage(bin string) error {
	long := time.Duration(scale(30, 5)) * time.Second
	w, err := browserObserved(bin, 5000, long)
	if err != nil {
		return fmt.Errorf("observed page: %w", err)
	}
	fmt.Printf("\n9. the page in headless Chromium while rabbitboard observes another program's 5,000 msg/s for %v:\n   a click answered in p50 %v, p99 %v, max %v over %d clicks (%v at most before the load); JS heap %.1f MiB before, %.1f MiB after;\n   %s\n",
		long, w.p(50).Round(time.Millisecond), w.p(99).Round(time.Millisecond), w.max().Round(time.Millisecond), len(w.samples), slices.Max(w.idle).Round(time.Millisecond), mib(w.rssBefore), mib(w.rssAfter), w.verdict)
	return nil
}

// benchObserveCost prints (7): what observing through the firehose costs the
// broker.
func benchObserveCost(bin string) error {
	off, on, sent, shown, skipped, err := firehose(bin, scale(20000, 3000), scale(3, 1), 5000, time.Duration(scale(10, 2))*time.Second)
	if err != nil {
		return fmt.Errorf("firehose: %w", err)
	}
	fmt.Printf("\n7. what observing costs the broker: a bare client's confirmed publishes, %d messages, %d rounds alternating:\n   tracing off %.0f msg/s, rabbitboard observing through the firehose %.0f msg/s (medians; rounds %.0f and %.0f): ratio %.2f;\n   5,000 msg/s from another program for %v, observed: %d published, %d shown to a viewer, %d skipped (counted on the page)\n",
		scale(20000, 3000), len(off), median(off), median(on), off, on, median(on)/median(off), time.Duration(scale(10, 2))*time.Second, sent, shown, skipped)
	return nil
}

// benchReplicas prints (8): the replicas' transport and three replicas'
// viewers.
func benchReplicas(bin string, dur time.Duration) error {
	ex, st, err := transport(100, dur)
	if err != nil {
		return fmt.Errorf("replicas' transport: %w", err)
	}
	fmt.Printf("\n8. between replicas, 100 batches of 20 events a second for %v, 2 readers, publish to receipt:\n   fanout exchange to an exclusive queue each: p50 %v p99 %v max %v; one stream tailed by both: p50 %v p99 %v max %v\n",
		dur, ex.p(50), ex.p(99), ex.max(), st.p(50), st.p(99), st.max())
	per := scale(600, 100)
	local, remote, err := replicated(bin, 3, per, 100, dur)
	if err != nil {
		return fmt.Errorf("replicas: %w", err)
	}
	one, err := fanout(bin, 3*per, 100, dur, false)
	if err != nil {
		return fmt.Errorf("one process: %w", err)
	}
	fmt.Printf("   3 replicas x %d viewers at 100 msg/s for %v, the receiver on the first: %d of %d receipts;\n   its own viewers p50 %v p99 %v; the other replicas' viewers p50 %v p99 %v (%v more at p50, %v at p99)\n   one process with %d viewers: %d of %d, p50 %v p99 %v\n",
		per, dur, len(local.samples)+len(remote.samples), local.want+remote.want, local.p(50), local.p(99), remote.p(50), remote.p(99),
		remote.p(50)-local.p(50), remote.p(99)-local.p(99), 3*per, len(one.samples), one.want, one.p(50), one.p(99))
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// result holds what a part of the bench measured.
type result struct {
	rate                float64
	samples             []time.Duration
	viewers, want       int
	rssBefore, rssAfter int64
	cutAfter            time.Duration
	consumed, published int
	consumeTime         time.Duration
	verdict             string
	cpu                 cpuUse          // what the round used, from its start to its end
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

// ensureVhost makes the URL's vhost, with every right for its user,
// through the management API on the broker's host: the bench's traffic
// then stays out of the vhost people and the tests watch (tracing is per
// vhost), while it shares the machine and the broker with them.
func ensureVhost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("--amqp-url: %w", err)
	}
	vhost := strings.TrimPrefix(u.Path, "/")
	if vhost == "" || vhost == "/" {
		return nil
	}
	vhost, _ = url.PathUnescape(vhost)
	user := u.User.Username()
	password, _ := u.User.Password()
	api := "http://" + u.Hostname() + ":15672/api"
	for _, put := range []struct{ path, body string }{
		{"/vhosts/" + url.PathEscape(vhost), `{"description":"rabbitboard's bench"}`},
		{"/permissions/" + url.PathEscape(vhost) + "/" + url.PathEscape(user), `{"configure":".*","write":".*","read":".*"}`},
	} {
		req, _ := http.NewRequest(http.MethodPut, api+put.path, strings.NewReader(put.body))
		req.SetBasicAuth(user, password)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("making the bench's vhost %q through the management API: %w (or give --amqp-url with a vhost that exists)", vhost, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("making the bench's vhost %q: the management API answered %s", vhost, resp.Status)
		}
	}
	return nil
}
