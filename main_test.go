package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// startBinary builds rabbitboard and runs it with args until the test ends.
func startBinary(t *testing.T, args ...string) *testkit.Dashboard {
	t.Helper()
	testkit.NeedsBroker(t)
	bin, err := testkit.Build(".", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := testkit.Start(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Cmd.Process.Kill() })
	return d
}

// freshQueue declares q afresh through the dashboard at base; the test's
// own channel, which it returns, deletes q when the test ends.
func freshQueue(t *testing.T, base, q string) *amqp.Channel {
	t.Helper()
	ch := testkit.Channel(t)
	_, _ = ch.QueueDelete(q, false, false, false)
	t.Cleanup(func() { _, _ = ch.QueueDelete(q, false, false, false) })
	post(t, base+"/api/queues", map[string]any{"name": q}, nil)
	return ch
}

func post(t *testing.T, url string, body any, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

// SIGTERM with a receiver in the middle of its work: the message goes back
// to the queue unacked, viewers get a close frame, the process exits 0
// within 5 s.
func TestGracefulShutdown(t *testing.T) {
	d := startBinary(t, "--addr", "127.0.0.1:0", "--management-url", "-")
	base := d.URL

	q := "rb-test-graceful-shutdown"
	ch := freshQueue(t, base, q)
	var r struct{ ID string }
	post(t, base+"/api/receivers", map[string]any{"queue": q, "prefetch": 1, "ack": "manual", "work_ms": 60000}, &r)
	post(t, base+"/api/publish", map[string]any{"routing_key": q, "body": "long job"}, nil)
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(base + "/api/receivers/" + r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var info struct{ Unacked int }
		_ = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if info.Unacked == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receiver never took the job")
		}
		time.Sleep(20 * time.Millisecond)
	}
	viewer, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if _, _, err := viewer.ReadMessage(); err != nil { // the snapshot
		t.Fatal(err)
	}

	signalled := time.Now()
	if err := d.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- d.Cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v, want status 0", err)
		}
		t.Logf("exited %v after SIGTERM", time.Since(signalled))
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5 s after SIGTERM")
	}
	var closeErr error
	for closeErr == nil {
		_, _, closeErr = viewer.ReadMessage()
	}
	if !websocket.IsCloseError(closeErr, websocket.CloseGoingAway) {
		t.Errorf("viewer ended with %v, want a going-away close frame", closeErr)
	}
	info, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
	if err != nil || info.Messages != 1 {
		t.Fatalf("queue holds %d (%v), want the unfinished job back", info.Messages, err)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"ADDR": "0.0.0.0:9000", "MAX_COUNT": "50"}
	c, err := parse([]string{"--max-body", "1000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.addr != "0.0.0.0:9000" || c.limits.MaxCount != 50 || c.limits.MaxBody != 1000 || c.amqpURL != "amqp://guest:guest@localhost:5672/" {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	if _, err := parse([]string{"extra"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("a stray argument was accepted")
	}
	// Cores: half of Go's default beside a local broker unless told; Go's
	// own with GOMAXPROCS or a broker elsewhere.
	half := max(1, runtime.GOMAXPROCS(0)/2)
	remote := map[string]string{"AMQP_URL": "amqp://guest:guest@rabbit.example:5672/"}
	cluster := map[string]string{"AMQP_URL": "amqp://rabbit.example,amqp://127.0.0.1:5681"}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want int
	}{{nil, nil, half}, {nil, map[string]string{"PROCS": "3"}, 3}, {[]string{"--procs", "2"}, nil, 2}, {nil, map[string]string{"GOMAXPROCS": "2"}, 0},
		{nil, remote, 0}, {nil, cluster, half}, {[]string{"--procs", "1"}, remote, 1}} {
		getenv := func(k string) string { return tc.env[k] }
		c, err := parse(tc.args, getenv, io.Discard)
		if got := c.cores(getenv); err != nil || got != tc.want {
			t.Errorf("%v %v: %d cores (%v), want %d", tc.args, tc.env, got, err, tc.want)
		}
	}
	if _, err := parse([]string{"--procs", "-1"}, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "--procs -1") {
		t.Fatalf("--procs -1: %v", err)
	}
}

// Listening beyond this machine without a token makes one, says it once
// with a link to open, and never logs it; it guards every change.
func TestGeneratedPresenterToken(t *testing.T) {
	testkit.NeedsBroker(t) // the token lets a declare through to the broker
	out := &testkit.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "0.0.0.0:0", "--management-url", "-"}, func(string) string { return "" }, out)
	}()
	link := regexp.MustCompile(`http://\S+:(\d+)/\?token=(\S+)`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if m = link.FindStringSubmatch(out.String()); m == nil && time.Now().After(deadline) {
			cancel()
			t.Fatalf("no link with a token in:\n%s", out.String())
		}
	}
	port, token := m[1], m[2]
	base := "http://127.0.0.1:" + port
	status := func(auth string) int {
		req, _ := http.NewRequest("POST", base+"/api/queues", strings.NewReader(`{"name":"rb-test-token"}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(""); got != 401 {
		t.Errorf("without the token: %d, want 401", got)
	}
	for deadline := time.Now().Add(5 * time.Second); status(token) != 201; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the token never let a declare through")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "time=") && strings.Contains(line, token) {
			t.Errorf("a log line holds the token: %s", line)
		}
	}
	if n := strings.Count(out.String(), token); n != 1 {
		t.Errorf("the token is printed %d times, want once", n)
	}
	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err == nil {
		ch, _ := conn.Channel()
		_, _ = ch.QueueDelete("rb-test-token", false, false, false)
		conn.Close()
	}
}

// A large state (4 receivers, 200 deliveries each with 4 KB bodies and
// 16 KB of headers) and 100 viewers that connect and never read: the
// snapshot is shared, not encoded and copied per viewer, so the process
// grows by far less than the viewers' byte caps, and gives the memory
// back once they have gone.
func TestViewersThatNeverReadOverALargeState(t *testing.T) {
	const capBytes = 1 << 20
	d := startBinary(t, "--addr", "127.0.0.1:0", "--management-url", "-", "--history", "200", "--max-viewer-queue", fmt.Sprint(capBytes))
	q := "rb-test-large-state"
	freshQueue(t, d.URL, q)
	for range 4 {
		post(t, d.URL+"/api/receivers", map[string]any{"queue": q, "ack": "auto"}, nil)
	}
	headers := map[string]any{}
	for i := range 15 {
		headers[fmt.Sprint("h", i)] = strings.Repeat("v", 1000)
	}
	for range 4 {
		post(t, d.URL+"/api/publish", map[string]any{"routing_key": q, "body": strings.Repeat("b", 4000) + " {{seq}}", "headers": headers, "count": 200}, nil)
	}
	testkit.WaitFor(t, 10*time.Second, "800 deliveries", func() bool {
		resp, err := http.Get(d.URL + "/api/receivers")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var rs []struct{ Received int }
		_ = json.NewDecoder(resp.Body).Decode(&rs)
		total := 0
		for _, r := range rs {
			total += r.Received
		}
		return total == 800
	})
	// A reading viewer's snapshot: every receiver has its newest deliveries,
	// within the first-frame budget, with headers cut like bodies.
	v, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(d.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, first, err := v.ReadMessage()
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	var frame []struct {
		Type   string
		Recent []struct {
			Receiver         string
			Seq              int
			HeadersTruncated bool `json:"headers_truncated"`
		}
	}
	if err := json.Unmarshal(first, &frame); err != nil || len(frame) != 1 || frame[0].Type != "snapshot" {
		t.Fatalf("first frame: %v", err)
	}
	per := map[string]int{}
	for _, r := range frame[0].Recent {
		per[r.Receiver]++
		if !r.HeadersTruncated {
			t.Fatal("16 KB of headers were not cut")
		}
	}
	if len(first) > capBytes/2 || len(per) != 4 {
		t.Fatalf("snapshot of %d bytes with deliveries of %d receivers, want at most %d bytes and all 4", len(first), len(per), capBytes/2)
	}
	t.Logf("snapshot: %d bytes, deliveries per receiver %v", len(first), per)

	before := d.RSS()
	publishTime := func() time.Duration {
		start := time.Now()
		post(t, d.URL+"/api/publish", map[string]any{"routing_key": q, "body": "timed"}, nil)
		return time.Since(start)
	}
	calm := publishTime()
	var idle []*websocket.Conn
	joined := make(chan error, 1)
	go func() {
		for range 100 {
			c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(d.URL, "http")+"/ws", nil)
			if err != nil {
				joined <- err
				return
			}
			idle = append(idle, c)
		}
		joined <- nil
	}()
	var busy time.Duration
	for i := 0; ; i++ {
		busy = max(busy, publishTime())
		if len(joined) > 0 && i >= 5 {
			break
		}
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	// Reported, not asserted: the machine is shared and timings are noisy.
	t.Logf("a publish took %v before the viewers joined, at most %v while they joined", calm, busy)
	// Traffic while they sit there: every one of them queues it.
	post(t, d.URL+"/api/publish", map[string]any{"routing_key": q, "body": "while they wait {{seq}}", "count": 100}, nil)
	peak := before
	for range 20 {
		peak = max(peak, d.RSS())
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range idle {
		c.Close()
	}
	t.Logf("RSS before %d MiB, with 100 idle viewers %d MiB (+%d KiB each)", before>>20, peak>>20, (peak-before)/100>>10)
	// Each may hold its byte cap; sharing the snapshot keeps them far
	// below it: a quarter is the bound asserted.
	if grow := peak - before; grow > 100*capBytes/4 {
		t.Fatalf("100 idle viewers grew the process by %d MiB, more than a quarter of their caps (%d MiB)", grow>>20, 100*capBytes/4>>20)
	}
	testkit.WaitFor(t, 30*time.Second, "the memory back", func() bool { return d.RSS() < before+(peak-before)/2+(8<<20) })
}

func TestAllowedHostsAndPublicURL(t *testing.T) {
	c, err := parse([]string{"--allowed-hosts", "a.example, b.example", "--public-url", "https://dash.example:8443/"}, func(string) string { return "" }, io.Discard)
	if err != nil || strings.Join(c.allowedHosts, ",") != "a.example,b.example,dash.example" {
		t.Fatalf("allowed hosts %v (%v)", c.allowedHosts, err)
	}
	if _, err := parse([]string{"--public-url", "not a url"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("a bad --public-url was accepted")
	}
}

// 5,000 messages a second from another program for 10 s, observed through
// the firehose: the queue of copies rabbitboard reads stays within its
// bound (here 10 ready, dropping the oldest, so that some are dropped),
// rabbitboard's memory stays flat, and every copy is either shown to a
// viewer or counted as skipped, exactly.
func TestObserveUnderLoad(t *testing.T) {
	const bound = 10
	if testing.Short() {
		t.Skip("a 10 s load run; skipped with -short")
	}
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	d := startBinary(t, "--addr", "127.0.0.1:0", "--observe", "--observe-queue", fmt.Sprint(bound), "--max-viewer-queue", fmt.Sprint(256<<20))
	getJSON := func(url string, out any) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	var st struct {
		Enabled bool
		Tracing string
		Skipped int64
		Error   string
	}
	testkit.WaitFor(t, 10*time.Second, "observing to start", func() bool {
		getJSON(d.URL+"/api/observe", &st)
		return st.Enabled && st.Tracing == "on"
	})
	v, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(d.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var shown atomic.Int64
	var seenMu sync.Mutex
	seen := map[int]bool{} // the numbered bodies shown
	var readErr atomic.Value
	go func() {
		mark := []byte(`"type":"observed_publish"`)
		numbered := regexp.MustCompile(`"body":"m(\d+)x`)
		for {
			_, frame, err := v.ReadMessage()
			if err != nil {
				readErr.Store(err.Error())
				return
			}
			shown.Add(int64(bytes.Count(frame, mark)))
			seenMu.Lock()
			for _, m := range numbered.FindAllSubmatch(frame, -1) {
				n, _ := strconv.Atoi(string(m[1]))
				seen[n] = true
			}
			seenMu.Unlock()
		}
	}()

	const q, rate, seconds = "rb-test-observe-load", 5000, 10
	ch := testkit.Channel(t)
	if _, err := ch.QueueDeclare(q, false, true, false, false, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.QueueDelete(q, false, false, false)
	before := d.RSS()
	var peakRSS int64
	var deepest int
	body := func(n int) []byte { return fmt.Appendf(nil, "m%06d%s", n, strings.Repeat("x", 93)) }
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	sent := 0
	for sent < rate*seconds {
		<-tick.C
		for due := min(rate*seconds, int(time.Since(start).Seconds()*rate)); sent < due; sent++ {
			if err := ch.Publish("", q, false, false, amqp.Publishing{Body: body(sent)}); err != nil {
				t.Fatal(err)
			}
		}
		if sent%(rate/2) < rate/100 { // twice a second
			peakRSS = max(peakRSS, d.RSS())
			var qs []struct {
				Name      string         `json:"name"`
				Ready     int            `json:"messages_ready"`
				Arguments map[string]any `json:"arguments"`
			}
			req, _ := http.NewRequest("GET", "http://127.0.0.1:15672/api/queues/%2F?columns=name,messages,arguments", nil)
			req.SetBasicAuth("guest", "guest")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_ = json.NewDecoder(resp.Body).Decode(&qs)
				resp.Body.Close()
			}
			for _, tq := range qs {
				if strings.HasPrefix(tq.Name, "rabbitboard.observe.") && !strings.HasSuffix(tq.Name, ".skipped") && tq.Name != "rabbitboard.observe.switched-on" {
					deepest = max(deepest, tq.Ready)
					if tq.Arguments["x-max-length"] != float64(bound) || tq.Arguments["x-overflow"] != "drop-head" {
						t.Fatalf("the queue of copies is not bounded: %v", tq.Arguments)
					}
				}
			}
		}
	}
	took := time.Since(start)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		getJSON(d.URL+"/api/observe", &st)
		if shown.Load()+st.Skipped == int64(sent) {
			break
		}
		if time.Now().After(deadline) {
			var stats struct {
				Dropped int64 `json:"viewers_dropped"`
			}
			getJSON(d.URL+"/api/stats", &stats)
			seenMu.Lock()
			var missing []int
			for n := range sent {
				if !seen[n] {
					missing = append(missing, n)
				}
			}
			seenMu.Unlock()
			if len(missing) > 10 {
				missing = append(missing[:5], missing[len(missing)-5:]...)
			}
			t.Fatalf("of %d published, %d shown and %d counted as skipped (viewers cut off: %d; observing: %+v; viewer's read error: %v; missing, first and last: %v)\n%s",
				sent, shown.Load(), st.Skipped, stats.Dropped, st, readErr.Load(), missing, d.Log.String())
		}
	}
	t.Logf("published %d in %v; shown %d, skipped %d; deepest queue of copies %d; RSS %d MiB before, %d MiB at most",
		sent, took.Round(time.Millisecond), shown.Load(), st.Skipped, deepest, before>>20, peakRSS>>20)
	if deepest > bound {
		t.Fatalf("the queue of copies held %d, more than its bound", deepest)
	}
	if peakRSS-before > 64<<20 {
		t.Fatalf("memory grew from %d MiB to %d MiB while observing", before>>20, peakRSS>>20)
	}
}

// The terminal greets a person: where to open the dashboard, what it is
// connected to, how to observe their own programs; a port in use says which
// flag picks another.
func TestTerminalGreeting(t *testing.T) {
	d := startBinary(t, "--addr", "127.0.0.1:0")
	addr := strings.TrimPrefix(d.URL, "http://")
	for _, want := range []string{"rabbitboard is running: open " + d.URL + "\n", "RabbitMQ: amqp://guest:xxxxx@localhost:5672/\n", "start with --observe"} {
		if !strings.Contains(d.Log.String(), want) {
			t.Fatalf("the terminal does not say %q:\n%s", want, d.Log.String())
		}
	}
	out, err := exec.Command(d.Cmd.Path, "--addr", addr).CombinedOutput()
	if err == nil || !strings.Contains(string(out), addr+" is already in use") || !strings.Contains(string(out), "--addr") {
		t.Fatalf("a second rabbitboard on %s: %v\n%s", addr, err, out)
	}
}
