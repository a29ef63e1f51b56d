package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
	"rabbitboard/mq"
)

// program is a pika script running as a student runs it: one of the
// official tutorials' programs (testdata/tutorial.py) or worker.py.
type program struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string // what it printed, "ready" aside
	done  chan error
}

// run starts a tutorial program; a receiving one is waited for until it
// consumes.
func run(t *testing.T, args ...string) *program {
	t.Helper()
	return runScript(t, "testdata/tutorial.py", strings.HasPrefix(args[0], "receive") || args[0] == "worker" || args[0] == "rpc_server", args...)
}

// runScript starts script with args; with consumes, it returns once the
// script printed "ready".
func runScript(t *testing.T, script string, consumes bool, args ...string) *program {
	t.Helper()
	p := &program{cmd: exec.Command("/usr/bin/python3", append([]string{script}, args...)...), done: make(chan error, 1)}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	ready := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if lines.Text() == "ready" {
				close(ready)
				continue
			}
			p.mu.Lock()
			p.lines = append(p.lines, lines.Text())
			p.mu.Unlock()
		}
		p.done <- p.cmd.Wait()
	}()
	if consumes {
		select {
		case <-ready:
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s %v ended before it consumed (%v): %s", script, args, err, p.output())
		case <-time.After(10 * time.Second):
			t.Fatalf("%s %v did not start: %s", script, args, p.output())
		}
	}
	return p
}

// printed is what it printed so far, a line each.
func (p *program) printed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.lines)
}

func (p *program) output() string { return strings.Join(p.printed(), "\n") }

// finish waits for the program to end and says whether it ended well.
func (p *program) finish(t *testing.T, what string) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil || strings.Contains(p.output(), "PRECONDITION_FAILED") {
			t.Fatalf("%s: %v\n%s", what, err, p.output())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not finish: %s", what, p.output())
	}
}

// Each lesson of tutorials 1-5 beside the official programs, in both
// orders: the lesson first, then the programs; and the programs first
// (their queues and exchanges declared by them), then the lesson. No
// PRECONDITION_FAILED anywhere, the programs print what they print without
// rabbitboard, the dashboard's receivers show the programs' messages, and
// Reset leaves what the programs declared first.
func TestOfficialProgramsBesideLessons(t *testing.T) {
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	ch := testkit.Channel(t)
	for _, tc := range []struct {
		lesson           string
		queues, exchange []string // what the programs declare, removed before each pass
		receive          []string
		send             [][]string
		body             string // what the receiving program prints and the dashboard shows
	}{
		{"hello", []string{"hello"}, nil, []string{"receive", "1"}, [][]string{{"send"}, {"send"}, {"send"}, {"send"}}, "Hello World!"},
		{"work-queue", []string{"task_queue"}, nil, []string{"worker", "1"}, [][]string{{"new_task", "Task 1."}, {"new_task", "Task 1."}, {"new_task", "Task 1."}, {"new_task", "Task 1."}}, "Task 1."},
		{"pubsub", nil, []string{"logs"}, []string{"receive_logs", "1"}, [][]string{{"emit_log", "info: Hello World!"}}, "info: Hello World!"},
		{"routing", nil, []string{"direct_logs"}, []string{"receive_logs_direct", "1", "warning", "error"}, [][]string{{"emit_log_direct", "error", "Run. Run. Or it will explode."}}, "Run. Run. Or it will explode."},
		{"topics", nil, []string{"topic_logs"}, []string{"receive_logs_topic", "1", "*.orange.*"}, [][]string{{"emit_log_topic", "quick.orange.rabbit", "A quick orange rabbit"}}, "A quick orange rabbit"},
	} {
		t.Run(tc.lesson, func(t *testing.T) {
			clean := func() {
				s.call(t, "POST", "/api/presets/"+tc.lesson+"/reset", nil, nil)
				for _, q := range tc.queues {
					_, _ = ch.QueueDelete(q, false, false, false)
				}
				for _, x := range tc.exchange {
					_ = ch.ExchangeDelete(x, false, false)
				}
			}
			clean()
			t.Cleanup(clean)
			shown := func() int {
				n := 0
				for _, d := range v.of("delivery", "") {
					if d["body"] == tc.body {
						n++
					}
				}
				return n
			}
			lesson := func(pass string) {
				t.Helper()
				before := shown()
				receiver := run(t, tc.receive...)
				for _, args := range tc.send {
					run(t, args...).finish(t, pass+": "+strings.Join(args, " "))
				}
				receiver.finish(t, pass+": "+strings.Join(tc.receive, " "))
				if got := receiver.output(); got != tc.body {
					t.Fatalf("%s: %v printed %q, want %q", pass, tc.receive, got, tc.body)
				}
				testkit.WaitFor(t, 5*time.Second, pass+": the dashboard's receivers to show "+tc.body, func() bool { return shown() > before })
			}

			// The lesson first, then the programs.
			var ready json.RawMessage
			s.mustCall(t, "POST", "/api/presets/"+tc.lesson, nil, http.StatusOK, &ready)
			lesson("lesson first")

			// The programs first: they declare their queues and exchanges,
			// then the lesson is set up beside them; Reset leaves them.
			s.mustCall(t, "POST", "/api/presets/"+tc.lesson+"/reset", nil, http.StatusOK, nil)
			for _, q := range tc.queues {
				_, _ = ch.QueueDelete(q, false, false, false)
			}
			for _, x := range tc.exchange {
				_ = ch.ExchangeDelete(x, false, false)
			}
			run(t, tc.send[0]...).finish(t, "programs first: "+strings.Join(tc.send[0], " "))
			s.mustCall(t, "POST", "/api/presets/"+tc.lesson, nil, http.StatusOK, nil)
			for _, q := range tc.queues {
				_, _ = ch.QueuePurge(q, false)
			}
			lesson("programs first")
			s.mustCall(t, "POST", "/api/presets/"+tc.lesson+"/reset", nil, http.StatusOK, nil)
			for _, q := range tc.queues {
				if _, err := ch.QueueDeclarePassive(q, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
					t.Fatalf("Reset removed %s, which the programs declared before the lesson: %v", q, err)
				}
			}
			for _, x := range tc.exchange {
				if err := ch.ExchangeDeclarePassive(x, "fanout", false, false, false, false, nil); err != nil && !strings.Contains(err.Error(), "inequivalent") {
					t.Fatalf("Reset removed %s, which the programs declared before the lesson: %v", x, err)
				}
			}
		})
	}
}

// A lesson meeting a queue declared otherwise: one the lesson works with
// is used as it is, with a note; one whose settings the lesson depends on
// is refused in plain words (in English and in Korean) with Replace
// offered; Replace declares it again, saying what that dropped; Reset
// leaves the queue, which existed before the lesson.
func TestLessonMeetsAnotherQueue(t *testing.T) {
	s := startStackWith(t, options{management: true})
	ch := testkit.Channel(t)
	for _, q := range []string{"task_queue", "durable_queue", "transient_queue"} {
		_, _ = ch.QueueDelete(q, false, false, false)
		t.Cleanup(func() { _, _ = testkit.Channel(t).QueueDelete(q, false, false, false) })
	}

	// task_queue as a classic queue: the work queue lesson works with it.
	if _, err := ch.QueueDeclare("task_queue", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	resp := s.request(t, "POST", "/api/presets/work-queue", "")
	if resp.status != http.StatusOK || !strings.Contains(resp.flash, "The queue 'task_queue' already existed with other settings than the tutorial's; the lesson works with it as it is.") {
		t.Fatalf("work-queue beside a classic task_queue: %d %q", resp.status, resp.flash)
	}
	s.mustCall(t, "POST", "/api/presets/work-queue/reset", nil, http.StatusOK, nil)
	if _, err := ch.QueueDeclarePassive("task_queue", true, false, false, false, nil); err != nil {
		t.Fatalf("Reset removed task_queue, which existed before: %v", err)
	}

	// durable_queue, not durable, with 3 messages: the durability lesson
	// depends on it.
	if _, err := ch.QueueDeclare("durable_queue", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_ = ch.Publish("", "durable_queue", false, false, amqp.Publishing{Body: []byte("old")})
	}
	const en = "The queue 'durable_queue' is not durable; this asks for one that is durable."
	var refusal map[string]string
	if status := s.call(t, "POST", "/api/presets/durability", nil, &refusal); status != http.StatusConflict || refusal["code"] != string(board.CodePreconditionFailed) ||
		!strings.HasPrefix(refusal["error"], en) || !strings.Contains(refusal["error"], "press Replace") {
		t.Fatalf("durability beside a transient durable_queue: %d %v", status, refusal)
	}
	ko := s.request(t, "POST", "/api/presets/durability", "", "Accept-Language", "ko")
	if ko.status != http.StatusConflict || !strings.HasPrefix(ko.body["error"].(string), "큐 'durable_queue'는 durable 설정이 꺼져 있는데 이 요청은 켜져 있습니다. RabbitMQ는 이미 있는 큐를 바꾸지 않습니다") ||
		!strings.Contains(ko.body["error"].(string), "바꾸기(Replace, POST /api/presets/durability?replace=true)") {
		t.Fatalf("in Korean: %d %v", ko.status, ko.body)
	}
	replaced := s.request(t, "POST", "/api/presets/durability?replace=true", "")
	if replaced.status != http.StatusOK || !strings.Contains(replaced.flash, "Replaced queue 'durable_queue' with the tutorial's, dropping the 3 messages it held.") {
		t.Fatalf("Replace: %d %q", replaced.status, replaced.flash)
	}
	if q, err := ch.QueueDeclarePassive("durable_queue", true, false, false, false, nil); err != nil || q.Messages != 0 {
		t.Fatalf("after Replace: %+v %v", q, err)
	}
	s.mustCall(t, "POST", "/api/presets/durability/reset", nil, http.StatusOK, nil)
	if _, err := ch.QueueDeclarePassive("durable_queue", true, false, false, false, nil); err != nil {
		t.Fatalf("Reset removed durable_queue, which existed before the lesson: %v", err)
	}
	if _, err := ch.QueueDeclarePassive("transient_queue", false, false, false, false, nil); err == nil {
		t.Fatal("Reset left transient_queue, which the lesson made")
	}
}

// answer is a request's status, its outcome's sentence and its JSON body.
type answer struct {
	status int
	flash  string
	body   map[string]any
}

// request sends a JSON request with the headers given as pairs.
func (s *stack) request(t *testing.T, method, path, body string, headers ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.flash, _ = url.PathUnescape(resp.Header.Get(flashHeader))
	_ = json.NewDecoder(resp.Body).Decode(&a.body)
	return a
}

// RPC: ten requests from the page's publish (reply_to, a correlation id
// each) get ten replies, fib(n), paired by correlation id; in Chromium each
// reply card names its request and the round trip; the tutorial's
// rpc_client.py is answered by the lesson's server, and the tutorial's
// rpc_server.py answers the page's request beside it.
func TestRPCLesson(t *testing.T) {
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	ch := testkit.Channel(t)
	for _, q := range []string{"rpc_queue", "rpc_replies"} {
		_, _ = ch.QueueDelete(q, false, false, false)
	}
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/rpc/reset", nil, nil) })
	var p Lesson
	s.mustCall(t, "POST", "/api/presets/rpc", nil, http.StatusOK, &p)
	ids := map[string]string{}
	for _, info := range s.broker.Receivers() {
		ids[info.Name] = info.ID
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": p.Try.RoutingKey, "body": p.Try.Body, "count": p.Try.Count,
		"properties": map[string]any{"reply_to": p.Try.ReplyTo}}, http.StatusOK, nil)
	testkit.WaitFor(t, 15*time.Second, "ten replies", func() bool { return len(v.of("delivery", ids["RPC client"])) == 10 })
	asked := map[string]string{} // correlation id -> n
	for _, d := range v.of("delivery", ids["RPC server"]) {
		props := d["properties"].(map[string]any)
		asked[props["correlation_id"].(string)] = d["body"].(string)
		if props["reply_to"] != "rpc_replies" {
			t.Fatalf("a request without its reply queue: %v", d)
		}
	}
	fib := map[string]string{"1": "1", "2": "1", "3": "2", "4": "3", "5": "5", "6": "8", "7": "13", "8": "21", "9": "34", "10": "55"}
	for _, d := range v.of("delivery", ids["RPC client"]) {
		corr := d["properties"].(map[string]any)["correlation_id"].(string)
		n, ok := asked[corr]
		if !ok || d["body"] != fib[n] {
			t.Fatalf("reply %v: request %q (%v), want fib = %s", d, n, ok, fib[n])
		}
		delete(asked, corr)
	}
	if len(asked) != 0 {
		t.Fatalf("requests without a reply: %v", asked)
	}

	// Direct reply-to: the requests go out on the client's own channel and
	// the replies come straight to it, through no queue.
	direct := ids["RPC client, direct reply-to"]
	var res board.PublishResult
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "rpc_queue", "body": "{{seq}}0", "count": 3,
		"properties": map[string]any{"reply_to": mq.DirectReplyTo}}, http.StatusOK, &res)
	if res.Published != 3 || res.Confirmed != 3 {
		t.Fatalf("requests for direct reply-to: %+v", res)
	}
	testkit.WaitFor(t, 10*time.Second, "three direct replies", func() bool { return len(v.of("delivery", direct)) == 3 })
	got := map[string]bool{}
	for _, d := range v.of("delivery", direct) {
		got[d["body"].(string)] = true
	}
	if !got["55"] || !got["6765"] || !got["832040"] {
		t.Fatalf("direct replies to fib(10), fib(20), fib(30): %v", got)
	}
	if len(v.of("delivery", ids["RPC client"])) != 10 {
		t.Fatal("a direct reply went to the reply queue")
	}
	s.mustCall(t, "POST", "/api/receivers/"+direct+"/pause", nil, http.StatusOK, nil)
	var e errorBody
	if code := s.call(t, "POST", "/api/publish", map[string]any{"routing_key": "rpc_queue", "body": "5",
		"properties": map[string]any{"reply_to": mq.DirectReplyTo}}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, "add a receiver on amq.rabbitmq.reply-to") {
		t.Fatalf("direct reply-to with no client consuming: %d %+v", code, e)
	}
	s.mustCall(t, "POST", "/api/receivers/"+direct+"/resume", nil, http.StatusOK, nil)

	ctx := browser(t)
	lines := fmt.Sprintf(`[...document.querySelectorAll('[data-receiver=%q] .card .rpc')].filter(e => !e.hidden && /^reply to request \d+ of RPC server: round trip \d+ ms$/.test(e.textContent)).length`, ids["RPC client"])
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](lines+" === 10")); err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[data-receiver=%q]').textContent`, ids["RPC client"])))
		t.Fatalf("the reply cards do not name their requests (%v): %s", err, shown)
	}

	client := run(t, "rpc_client", "10")
	client.finish(t, "rpc_client.py")
	if got := client.output(); got != " [.] Got 55" {
		t.Fatalf("rpc_client.py printed %q", got)
	}
	server := run(t, "rpc_server", "1")
	s.mustCall(t, "POST", "/api/receivers/"+ids["RPC server"]+"/pause", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "rpc_queue", "body": "20", "properties": map[string]any{"reply_to": "rpc_replies"}}, http.StatusOK, nil)
	server.finish(t, "rpc_server.py")
	testkit.WaitFor(t, 5*time.Second, "rpc_server.py's reply on the page", func() bool {
		for _, d := range v.of("delivery", ids["RPC client"]) {
			if d["body"] == "6765" {
				return true
			}
		}
		return false
	})
}

// Publisher confirms: the same 1,000 messages published three ways,
// measured on this broker; the nack of a full queue and a returned message
// made visible; the figures on every viewer's page, in Chromium.
func TestPublisherConfirmsLesson(t *testing.T) {
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	ch := testkit.Channel(t)
	for _, q := range []string{confirmsQueue, confirmsLimited} {
		_, _ = ch.QueueDelete(q, false, false, false)
	}
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/publisher-confirms/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/publisher-confirms", nil, http.StatusOK, nil)
	var ev board.ConfirmsEvent
	s.mustCall(t, "POST", "/api/confirms", map[string]any{"count": 1000}, http.StatusOK, &ev)
	var names []string
	for _, st := range ev.Strategies {
		names = append(names, st.Name)
		t.Logf("%-12s %6.0f msg/s, %.2f ms to confirm", st.Name, st.Rate, st.LatencyMS)
		if st.Messages != 1000 || st.Rate <= 0 || st.LatencyMS <= 0 || st.Nacked != 0 {
			t.Fatalf("%+v", st)
		}
	}
	if !slices.Equal(names, []string{board.ConfirmOneByOne, board.ConfirmBatches, board.ConfirmAsynchronous}) {
		t.Fatalf("strategies %v", names)
	}
	if one, async := ev.Strategies[0].Rate, ev.Strategies[2].Rate; async <= one {
		t.Fatalf("asynchronous confirms ran at %.0f msg/s, one by one at %.0f: the lesson's point is lost", async, one)
	}
	if ev.Nacked != confirmsLimit || ev.LimitedSent != 2*confirmsLimit || ev.Returned != 1 {
		t.Fatalf("nacked %d of %d, returned %d; want %d of %d and 1", ev.Nacked, ev.LimitedSent, ev.Returned, confirmsLimit, 2*confirmsLimit)
	}
	if q, err := ch.QueueDeclarePassive(confirmsQueue, false, false, false, false, nil); err != nil || q.Messages != 0 {
		t.Fatalf("the lesson's queue after: %+v %v", q, err)
	}
	testkit.WaitFor(t, 5*time.Second, "the viewer to get the figures", func() bool { return len(v.of("confirms", "")) == 1 })

	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url)); err != nil {
		t.Fatal(err)
	}
	shown := `(() => { const p = document.querySelector("#confirms"); return !p.hidden && [...p.querySelectorAll("tbody tr [data-f=rate]")].every(e => +e.textContent > 0) && p.querySelector("[data-f=outcome]").textContent.startsWith("10 of 20 messages to confirms_limited were nacked"); })()`
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](shown)); err != nil {
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#confirms").textContent`))
		t.Fatalf("the page's confirms table (%v): %s", err, text)
	}
}

// The official RPC programs observed: rpc_server.py and rpc_client.py run
// by themselves, rabbitboard only observes; the page pairs each reply with
// its request by correlation id and shows the round trip, as it does for
// its own receivers.
func TestBrowserObservedRPCPaired(t *testing.T) {
	tracingOff(t)
	s := startStackWith(t, options{management: true})
	ch := testkit.Channel(t)
	_, _ = ch.QueueDelete("rpc_queue", false, false, false)
	t.Cleanup(func() { _, _ = testkit.Channel(t).QueueDelete("rpc_queue", false, false, false) })
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": true}, http.StatusOK, nil)
	server := run(t, "rpc_server", "3")
	s.outsideOn(t, "rpc_queue", 1)
	want := map[string]string{"10": "55", "11": "89", "12": "144"}
	for _, n := range []string{"10", "11", "12"} {
		client := run(t, "rpc_client", n)
		client.finish(t, "rpc_client.py "+n)
		if got := client.output(); got != " [.] Got "+want[n] {
			t.Fatalf("rpc_client.py %s printed %q", n, got)
		}
	}
	server.finish(t, "rpc_server.py")
	paired := `[...document.querySelectorAll(".card")].filter(c => { const r = c.querySelector(".rpc"); return !r.hidden && /^reply to request \d+ of .+: round trip \d+ ms$/.test(r.textContent); }).map(c => c.querySelector(".body").textContent).sort().join(",")`
	if _, err := chromedp.Run(within(ctx, 15*time.Second), chromedp.Poll[bool](paired+` === "144,55,89"`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](paired))
		cards, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".card")].map(c => c.textContent.replace(/\s+/g, " ")).join(" | ")`))
		t.Fatalf("the observed replies are not paired (%q): %v\n%s", got, err, cards)
	}
}
