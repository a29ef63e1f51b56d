package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// startWorker runs the work queue tutorial's worker.py (python3 with
// pika) on queue, as a student runs it in a terminal, once it consumes.
func startWorker(t *testing.T, queue string, args ...string) *program {
	t.Helper()
	return runScript(t, "testdata/worker.py", true, append([]string{queue}, args...)...)
}

func newTask(t *testing.T, queue, body string, messageID ...string) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", append([]string{"testdata/new_task.py", queue, body}, messageID...)...).CombinedOutput(); err != nil {
		t.Fatalf("new_task.py: %v\n%s", err, out)
	}
}

// tracingOff switches the firehose off now and when the test ends.
func tracingOff(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
}

func (s *stack) outside(t *testing.T) []board.ReceiverInfo {
	var all []board.ReceiverInfo
	s.mustCall(t, "GET", "/api/receivers", nil, http.StatusOK, &all)
	return slices.DeleteFunc(all, func(r board.ReceiverInfo) bool { return r.Kind != board.KindOutside })
}

func (s *stack) outsideOn(t *testing.T, queue string, n int) []board.ReceiverInfo {
	t.Helper()
	var on []board.ReceiverInfo
	testkit.WaitFor(t, 15*time.Second, "outside consumers on "+queue, func() bool {
		on = slices.DeleteFunc(s.outside(t), func(r board.ReceiverInfo) bool { return r.Queue != queue || r.State != board.StateConsuming })
		return len(on) == n
	})
	return on
}

// Two tutorial workers (prefetch 1, manual ack) and six tasks from
// new_task.py: each worker is a column holding exactly what it printed,
// with its prefetch and ack mode; unacked falls back to 0; the queue keeps
// exactly its two consumers; the six publishes show with their routed
// queue, rabbitboard's own publish does not show as another program's; a
// killed worker turns gone and the message it held shows redelivered to
// the other; tracing is left off as it was found, the vhost's description
// and tags untouched.
func TestObserveTutorialWorkers(t *testing.T) {
	tracingOff(t)
	_, description, tags := testkit.Vhost(t)
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	q := s.queue(t, board.QueueSpec{Name: "rb-web-observe-tasks", Durable: true})

	var st board.ObserveEvent
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": true}, http.StatusOK, &st)
	if !st.Enabled || st.Tracing != board.TracingOn {
		t.Fatalf("observe answered %+v", st)
	}
	if on, _, _ := testkit.Vhost(t); !on {
		t.Fatal("tracing is not on at the broker")
	}

	a := startWorker(t, q)
	s.outsideOn(t, q, 1)
	b := startWorker(t, q)
	columns := s.outsideOn(t, q, 2)
	for _, c := range columns {
		if c.Prefetch != 1 || c.Ack != board.AckManual || !strings.HasPrefix(c.Name, "pika 127.0.0.1:") || !strings.HasPrefix(c.Client, "Pika Python Client Library ") || c.Connection == "" {
			t.Fatalf("outside column %+v", c)
		}
	}
	tasks := []string{"Task 1.", "Task 2.", "Task 3.", "Task 4.", "Task 5.", "Task 6."}
	for _, task := range tasks {
		newTask(t, q, task)
	}
	testkit.WaitFor(t, 10*time.Second, "the workers to print six tasks", func() bool { return len(a.printed())+len(b.printed()) == 6 })
	shown := func() map[string][]string {
		m := map[string][]string{}
		for _, d := range v.of("delivery", "") {
			m[d["receiver"].(string)] = append(m[d["receiver"].(string)], d["body"].(string))
		}
		return m
	}
	testkit.WaitFor(t, 5*time.Second, "six deliveries on the page", func() bool { return len(shown()[columns[0].ID])+len(shown()[columns[1].ID]) == 6 })
	byColumn := shown()
	for _, w := range []*program{a, b} {
		got := w.printed()
		if !slices.Equal(got, byColumn[columns[0].ID]) && !slices.Equal(got, byColumn[columns[1].ID]) {
			t.Fatalf("a worker printed %v; the columns hold %v and %v", got, byColumn[columns[0].ID], byColumn[columns[1].ID])
		}
	}
	if slices.Equal(byColumn[columns[0].ID], byColumn[columns[1].ID]) {
		t.Fatalf("both columns hold %v", byColumn[columns[0].ID])
	}
	// Once they are done, each column says so: acked = received, unacked
	// 0, within the statistics' interval and 2 s; every card is settled,
	// done (never left "working").
	finished := time.Now()
	testkit.WaitFor(t, 8*time.Second, "acked 3 and unacked 0 in each column", func() bool {
		for _, c := range s.outsideOn(t, q, 2) {
			if c.Unacked != 0 || c.Received != 3 || c.Acked != 3 {
				return false
			}
		}
		return true
	})
	t.Logf("both columns said acked 3, unacked 0 %v after the workers took their last task", time.Since(finished).Round(100*time.Millisecond))
	for _, c := range columns {
		// The events follow the counts the API reads.
		testkit.WaitFor(t, 2*time.Second, c.ID+"'s three cards settled on the viewer", func() bool { return len(v.of("settled", c.ID)) >= 3 })
		settled := v.of("settled", c.ID)
		if len(settled) != 3 {
			t.Fatalf("%s: %d cards settled, want 3: %v", c.ID, len(settled), settled)
		}
		for _, e := range settled {
			if e["outcome"] != string(board.OutcomeAck) {
				t.Fatalf("%s: a card settled %v, want done (ack)", c.ID, e)
			}
		}
	}
	var info board.QueueInfo
	s.mustCall(t, "GET", "/api/queues/"+q, nil, http.StatusOK, &info)
	if info.Consumers != 2 || info.Messages != 0 {
		t.Fatalf("queue %+v, want 2 consumers and no message", info)
	}

	// The six publishes, with where they went; not rabbitboard's own.
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "rb-web-observe-nowhere", "body": "from the page"}, http.StatusOK, nil)
	time.Sleep(500 * time.Millisecond)
	var published []string
	for _, p := range v.of("observed_publish", "") {
		if p["body"] == "from the page" {
			t.Fatal("rabbitboard's own publish shows as another program's")
		}
		if p["routing_key"] == q {
			routed, _ := json.Marshal(p["routed_queues"])
			client, _, _ := strings.Cut(p["connection"].(string), " -> ")
			if string(routed) != `["`+q+`"]` || !strings.HasSuffix(p["name"].(string), " "+client) {
				t.Fatalf("observed publish %v", p)
			}
			published = append(published, p["body"].(string))
		}
	}
	if !slices.Equal(published, tasks) {
		t.Fatalf("observed publishes %v, want %v", published, tasks)
	}

	// Kill a worker that holds a message: its column turns gone and the
	// other gets the message, redelivered.
	newTask(t, q, "Task long..........")
	newTask(t, q, "Task other..........")
	testkit.WaitFor(t, 5*time.Second, "both long tasks taken", func() bool { return len(a.printed())+len(b.printed()) == 8 })
	held := a.printed()[len(a.printed())-1]
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	var aID, bID string
	for _, c := range columns {
		if slices.Contains(byColumn[c.ID], a.printed()[0]) {
			aID = c.ID
		} else {
			bID = c.ID
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the killed worker's column gone", func() bool {
		for _, c := range s.outside(t) {
			if c.ID == aID {
				return c.State == board.StateGone
			}
		}
		return false
	})
	testkit.WaitFor(t, 10*time.Second, "the held message redelivered to the other worker", func() bool {
		for _, d := range v.of("delivery", bID) {
			if d["body"] == held && d["redelivered"] == true {
				return true
			}
		}
		return false
	})
	// The killed worker's cards: exactly the held one taken back, the
	// others done.
	heldSeq := 0.0
	for _, d := range v.of("delivery", aID) {
		if d["body"] == held {
			heldSeq = d["seq"].(float64)
		}
	}
	testkit.WaitFor(t, 5*time.Second, "the held card taken back", func() bool {
		for _, e := range v.of("settled", aID) {
			if e["seq"] == heldSeq {
				return e["outcome"] == string(board.OutcomeRequeued)
			}
		}
		return false
	})
	for _, e := range v.of("settled", aID) {
		if e["seq"] != heldSeq && e["outcome"] != string(board.OutcomeAck) {
			t.Fatalf("the killed worker's finished card %v, want done", e)
		}
	}
	if n, want := len(v.of("settled", aID)), len(v.of("delivery", aID)); n != want-1 && n != want {
		t.Fatalf("the killed worker's column: %d cards settled of %d", n, want)
	}

	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": false}, http.StatusOK, &st)
	if st.Enabled || len(s.outside(t)) != 0 {
		t.Fatalf("after stopping: %+v, %d outside receivers", st, len(s.outside(t)))
	}
	on, d, tg := testkit.Vhost(t)
	tagsJSON, _ := json.Marshal(tags)
	tgJSON, _ := json.Marshal(tg)
	if on || d != description || string(tagsJSON) != string(tgJSON) {
		t.Fatalf("vhost after: tracing %v, description %q, tags %s; want off, %q, %s", on, d, tgJSON, description, tagsJSON)
	}
}

// A consumer with auto_ack shows as ack auto; observing a vhost whose
// tracing was on leaves it on.
func TestObserveAutoAckAndTracingLeftOn(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_on", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	s := startStackWith(t, options{management: true})
	q := s.queue(t, board.QueueSpec{Name: "rb-web-observe-auto", Durable: true})
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": true}, http.StatusOK, nil)
	startWorker(t, q, "auto")
	if c := s.outsideOn(t, q, 1)[0]; c.Ack != board.AckAuto || c.Prefetch != 0 {
		t.Fatalf("auto-ack consumer shown as %+v", c)
	}
	newTask(t, q, "Task auto.")
	testkit.WaitFor(t, 5*time.Second, "the delivery counted, acked by the broker", func() bool {
		c := s.outsideOn(t, q, 1)[0]
		return c.Received == 1 && c.Acked == 1
	})
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": false}, http.StatusOK, nil)
	if on, _, _ := testkit.Vhost(t); !on {
		t.Fatal("tracing that was on before is off after")
	}
}

// A broker user that may not switch tracing on gets a 403 that names the
// command an operator runs, and the dashboard keeps working.
func TestObserveWithoutPermission(t *testing.T) {
	tracingOff(t)
	const user, password = "rb-observer", "rb-observer-pass"
	testkit.Rabbitmqctl(t, "add_user", user, password)
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "delete_user", user) })
	testkit.Rabbitmqctl(t, "set_permissions", "-p", "/", user, ".*", ".*", ".*")
	testkit.Rabbitmqctl(t, "set_user_tags", user, "monitoring") // may observe, not administer: it cannot even read the vhost
	s := startStackWith(t, options{management: true, amqpURL: "amqp://" + user + ":" + password + "@127.0.0.1:5672/"})
	status, e := s.raw(t, "POST", "/api/observe", "application/json", `{"enabled":true}`, nil)
	if status != http.StatusForbidden || e.Code != board.CodeAccessRefused || !strings.Contains(e.Error, "rabbitmqctl trace_on -p /") {
		t.Fatalf("%d %+v, want 403 ACCESS_REFUSED naming the command", status, e)
	}
	var st board.ObserveEvent
	s.mustCall(t, "GET", "/api/observe", nil, http.StatusOK, &st)
	if st.Enabled || st.Tracing != board.TracingUnknown || !strings.Contains(st.Error, "rabbitmqctl trace_on -p /") {
		t.Fatalf("observe status %+v", st)
	}
	if on, _, _ := testkit.Vhost(t); on {
		t.Fatal("tracing went on")
	}
	q := s.queue(t, board.QueueSpec{})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "still working"}, http.StatusOK, nil)
}

// In Chromium: the presenter presses "Observe other programs"; a tutorial
// worker's column appears, marked as an outside program, and fills live;
// the help text says what cannot be seen.
func TestBrowserObserve(t *testing.T) {
	tracingOff(t)
	s := startStackWith(t, options{management: true})
	q := s.queue(t, board.QueueSpec{Name: "rb-web-observe-browser", Durable: true})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on")),
		chromedp.Click(chromedp.CSS(`#observe form[action="/api/observe"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`document.querySelector("#observe").dataset.enabled === "true"`)); err != nil {
		t.Fatalf("observing did not start: %v", err)
	}
	w := startWorker(t, q)
	c := s.outsideOn(t, q, 1)[0]
	column := fmt.Sprintf(`[data-receiver=%q]`, c.ID)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](fmt.Sprintf(`(() => { const c = document.querySelector('%s'); return !!c && !c.querySelector(".outside").hidden && c.querySelector(".controls").hidden; })()`, column))); err != nil {
		t.Fatalf("no outside column: %v", err)
	}
	newTask(t, q, "Task seen.")
	newTask(t, q, "Task also seen.")
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](fmt.Sprintf(`[...document.querySelectorAll('%s .card .body')].map(e => e.textContent).join("|") === "Task also seen.|Task seen."`, column))); err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('%s').textContent`, column)))
		t.Fatalf("the column does not fill live (%v): %s", err, shown)
	}
	help, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#observe .hint").textContent`))
	if err != nil || !strings.Contains(help, "not acks themselves") || !strings.Contains(help, "statistics' interval") {
		t.Fatalf("help text %q (%v)", help, err)
	}
	lines, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#observe .observed").textContent`))
	if !strings.Contains(lines, "published “Task seen.” to queue '"+q+"' through the default exchange: "+q) {
		t.Fatalf("observed publishes read %q", lines)
	}

	// The filter: a name nothing has hides the column; none shows it again.
	present := func(want bool) string {
		return fmt.Sprintf(`[...document.querySelectorAll('[data-receiver]')].some(c => c.querySelector(".cards") && c.dataset.receiver.includes("o") && !c.querySelector(".outside").hidden) === %v`, want)
	}
	filter := func(f string, want bool) {
		t.Helper()
		if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('#observe input[name="filter"]').value = %q`, f))); err != nil {
			t.Fatal(err)
		}
		// The button is disabled while the form's last request is out,
		// which can outlast the columns' change it caused.
		if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.WaitEnabled(chromedp.CSS(`#observe form.inline button`)), chromedp.Click(chromedp.CSS(`#observe form.inline button`))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](present(want))); err != nil {
			var status board.ObserveEvent
			s.mustCall(t, "GET", "/api/observe", nil, http.StatusOK, &status)
			columns, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-receiver]')].map(c => c.dataset.receiver + (c.querySelector(".outside")?.hidden ? " own" : " outside")).join(", ")`))
			flash, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("flash").textContent`))
			t.Fatalf("filter %q: an outside column shown is not %v: %v\nthe server's outside receivers: %+v\nits observing: %+v\nthe page's columns: %s; flash: %q", f, want, err, s.outside(t), status, columns, flash)
		}
	}
	filter("no-program-has-this-name", false)
	filter("", true)
	// A link with ?watch= does the same.
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?watch=no-program-has-this-name"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the link's filter applied", func() bool {
		var status board.ObserveEvent
		s.mustCall(t, "GET", "/api/observe", nil, http.StatusOK, &status)
		return status.Filter == "no-program-has-this-name"
	})
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](present(false))); err != nil {
		t.Fatalf("?watch= did not filter: %v", err)
	}
	if url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || url != "?watch=no-program-has-this-name" {
		t.Fatalf("the page left its link for %q (%v): the form was posted by the browser", url, err)
	}
	filter("", true)

	// Clear gone: the worker stops, its column turns gone and leaves.
	_ = w.cmd.Process.Kill()
	testkit.WaitFor(t, 10*time.Second, "the worker's column gone", func() bool {
		for _, r := range s.outside(t) {
			if r.State == board.StateGone {
				return true
			}
		}
		return false
	})
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(`#observe form[action="/api/observe/clear-gone"] button`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](present(false))); err != nil {
		t.Fatalf("Clear gone left the column: %v", err)
	}
	if n := len(s.outside(t)); n != 0 {
		t.Fatalf("%d outside columns after Clear gone", n)
	}
}
