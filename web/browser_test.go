package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// browser starts a real headless Chromium for the test. A machine without
// one fails the test: the README's test command installs it.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no Chromium at %s (%v): run the README's test command, which installs it", exe, err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc, failOnScriptErrors(t))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// tab opens another tab of the same browser.
func tab(t *testing.T, parent context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(parent, failOnScriptErrors(t))
	t.Cleanup(cancel)
	return ctx
}

// failOnScriptErrors fails the test when the page's script throws an
// exception nobody catches, in the tab it is given to, while the test runs.
func failOnScriptErrors(t *testing.T) chromedp.ContextOption {
	var mu sync.Mutex
	over := false
	t.Cleanup(func() {
		mu.Lock()
		over = true
		mu.Unlock()
	})
	return chromedp.WithListener(func(ev any) {
		e, ok := ev.(*cdpruntime.EventExceptionThrown)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if over {
			return
		}
		d := e.ExceptionDetails
		what := d.Text
		if d.Exception != nil {
			what += " " + d.Exception.Description
		}
		t.Errorf("the page's script threw, at %s:%d: %s", d.URL, d.LineNumber+1, what)
	})
}

func within(ctx context.Context, d time.Duration) context.Context {
	c, cancel := context.WithTimeout(ctx, d)
	_ = cancel // ends with the test's browser
	return c
}

const publishForm = `form[action="/api/publish"]`

// Publish through the real form: the message shows in the column of the
// receiver the broker gave it to, within a second; a tab opened afterwards
// shows it too.
func TestBrowserPublishShowsInReceiverColumn(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	a := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker A"})
	b := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker B", Ack: board.AckManual, WorkMS: 200})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second),
		chromedp.Navigate(s.url),
		chromedp.WaitVisible(chromedp.CSS("#live.on")),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="routing_key"]`), q),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="body"]`), "hello from the browser"),
	); err != nil {
		t.Fatal(err)
	}
	clicked := time.Now()
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(publishForm+` button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	cardIn := func(id string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('[data-receiver=%q] .card .body')].some(e => e.textContent === "hello from the browser")`, id)
	}
	if _, err := chromedp.Run(within(ctx, time.Second), chromedp.Poll[bool](cardIn(a.ID)+" || "+cardIn(b.ID))); err != nil {
		t.Fatalf("the message did not appear within a second of the click (%v): %v", time.Since(clicked), err)
	}
	// The right column is the one of the receiver the broker delivered to.
	var got, other string
	for _, r := range s.broker.Receivers() {
		if r.Received == 1 {
			got = r.ID
		} else {
			other = r.ID
		}
	}
	if got == "" {
		t.Fatalf("no receiver received the message: %+v", s.broker.Receivers())
	}
	for id, want := range map[string]bool{got: true, other: false} {
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cardIn(id)))
		if err != nil || shown != want {
			t.Fatalf("column %s shows the message: %v (%v), want %v", id, shown, err, want)
		}
	}

	second := tab(t, ctx)
	if err := chromedp.Do(within(second, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if shown, err := chromedp.Run(second, chromedp.Poll[bool](cardIn(got), chromedp.WithPollingTimeout(2*time.Second))); err != nil || !shown {
		t.Fatalf("the second tab does not show the message in column %s: %v", got, err)
	}
	counters, err := chromedp.Run(second, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[data-receiver=%q] .counters').textContent`, got)))
	if err != nil || !strings.HasPrefix(counters, "received 1 ·") {
		t.Fatalf("second tab counters %q (%v), want received 1", counters, err)
	}
}

// With JavaScript switched off the form still publishes: 303 back to the
// page, which says what happened.
func TestBrowserPublishWithoutJavaScript(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	ctx := browser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second),
		chromedp.Navigate(s.url),
		chromedp.WaitVisible(chromedp.CSS(publishForm)),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="routing_key"]`), q),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="body"]`), "no script needed"),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="count"]`), "2"),
		chromedp.Click(chromedp.CSS(publishForm+` button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#flash .flash.ok")),
	); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#flash .flash")))
	want := fmt.Sprintf("Published 2 of 2 to queue '%s' through the default exchange: 2 confirmed by the broker.", q)
	if err != nil || flash != want {
		t.Fatalf("flash %q (%v), want %q", flash, err, want)
	}
	live, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#live")))
	if live != "live updates: reload to refresh" {
		t.Fatalf("#live reads %q: the script ran", live)
	}
	if info, err := s.broker.InspectQueue(q); err != nil || info.Messages != 2 {
		t.Fatalf("queue holds %d (%v), want 2", info.Messages, err)
	}
}

// TestBrowserScreenshot stages the seed's story and, with
// UPDATE_SCREENSHOT=1, saves the README's pictures: the stage view of the
// work queue lesson, and the page in Korean.
func TestBrowserScreenshot(t *testing.T) {
	s := startStack(t, Limits{})
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/work-queue/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/work-queue", nil, 200, nil)
	s.receiver(t, board.ReceiverSpec{Queue: "task_queue", Name: "worker C", Prefetch: 1, Ack: board.AckInteractive})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(s.url+"/?view=stage"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}...", "count": 9, "persistent": true, "timestamp": true}, 200, nil)
	if _, err := chromedp.Run(within(ctx, 15*time.Second), chromedp.Poll[bool](`document.querySelectorAll(".card.settled-ack").length >= 4 && !!document.querySelectorAll("article.receiver")[2]?.querySelector(".card")`)); err != nil {
		t.Fatal(err)
	}
	stage, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.CaptureScreenshot())
	if err != nil || len(stage) < 1000 {
		t.Fatalf("screenshot: %d bytes, %v", len(stage), err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ko-KR"}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.EmulateViewport(1400, 1000), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.documentElement.lang === "ko" && document.querySelectorAll(".card").length >= 9`)); err != nil {
		t.Fatal(err)
	}
	korean, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.CaptureScreenshot())
	if err != nil || len(korean) < 1000 {
		t.Fatalf("screenshot: %d bytes, %v", len(korean), err)
	}
	if os.Getenv("UPDATE_SCREENSHOT") == "1" {
		for name, png := range map[string][]byte{"stage.png": stage, "korean.png": korean} {
			if err := os.WriteFile(filepath.Join("..", "docs", name), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// After a burst the page's counters equal the server's exactly, each
// column draws at most 50 cards and counts the rest.
func TestBrowserCountersAfterBurst(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	s.receiver(t, board.ReceiverSpec{Queue: q})
	s.receiver(t, board.ReceiverSpec{Queue: q})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "burst {{seq}}", "count": 3000}, 200, nil)
	// Under a burst the broker's split need not be even; the page must
	// show exactly what the server counted.
	testkit.WaitFor(t, 20*time.Second, "3000 deliveries", func() bool {
		total := int64(0)
		for _, r := range s.broker.Receivers() {
			total += r.Received
		}
		return total == 3000
	})
	for _, r := range s.broker.Receivers() {
		js := fmt.Sprintf(`+document.querySelector('[data-receiver=%q] .counters .received').textContent === %d`, r.ID, r.Received)
		if _, err := chromedp.Run(within(ctx, 20*time.Second), chromedp.Poll[bool](js)); err != nil {
			shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[data-receiver=%q] .counters').textContent`, r.ID)))
			t.Fatalf("column %s shows %q, the server counts %d received (%v)", r.ID, shown, r.Received, err)
		}
		cards, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('[data-receiver=%q] .card').length`, r.ID)))
		if err != nil || cards != 50 {
			t.Errorf("column %s draws %d cards (%v), want 50", r.ID, cards, err)
		}
		older, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('[data-receiver=%q] .older').textContent`, r.ID)))
		if want := fmt.Sprintf("%d older messages not shown", r.Received-50); older != want {
			t.Errorf("column %s says %q, want %q", r.ID, older, want)
		}
	}
}

// The diagram lights up the route a publish takes, as computed, then marks
// the queues confirmed once deliveries arrive; the Ack, Nack and Reject
// buttons of an interactive receiver act at the broker.
func TestBrowserRouteAndInteractiveAcks(t *testing.T) {
	s := startStack(t, Limits{})
	const ex = "rb-web-route"
	s.call(t, "DELETE", "/api/exchanges/"+ex, nil, nil)
	s.mustCall(t, "POST", "/api/exchanges", map[string]any{"name": ex, "type": "topic"}, 201, nil)
	t.Cleanup(func() { _ = s.broker.DeleteExchange(ex) })
	orange := s.queue(t, board.QueueSpec{Name: "rb-web-route-orange"})
	lazy := s.queue(t, board.QueueSpec{Name: "rb-web-route-lazy"})
	other := s.queue(t, board.QueueSpec{Name: "rb-web-route-other"})
	for q, key := range map[string]string{orange: "*.orange.*", lazy: "lazy.#", other: "*.*.fox"} {
		s.mustCall(t, "POST", "/api/bindings", map[string]any{"exchange": ex, "queue": q, "routing_key": key}, 201, nil)
	}
	r := s.receiver(t, board.ReceiverSpec{Queue: orange, Name: "hands-on", Ack: board.AckInteractive})
	s.receiver(t, board.ReceiverSpec{Queue: lazy, Name: "lazy one"})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on")),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="exchange"]`), ex),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="routing_key"]`), "lazy.orange.rabbit"),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="body"]`), "route me"),
		chromedp.Click(chromedp.CSS(publishForm+` button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	lit := `[...document.querySelectorAll("#diagram g.queue.confirmed title")].map(e => e.textContent.split(":")[0]).sort().join(",")`
	want := lazy + "," + orange
	if _, err := chromedp.Run(within(ctx, 3*time.Second), chromedp.Poll[bool](lit+` === "`+want+`"`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](lit))
		t.Fatalf("confirmed route %q, want %q: %v", got, want, err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`new Set([...document.querySelectorAll("#diagram line.confirmed")].map((e) => e.dataset.edge)).size`)); n != 2 {
		t.Errorf("%d confirmed routes, want 2", n)
	}

	card := fmt.Sprintf(`[data-receiver=%q] .card`, r.ID)
	// Nack with requeue: the card says so, and the message comes back
	// redelivered to the same receiver.
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(card+` form[action$="/nack"] button`))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](fmt.Sprintf(
		`document.querySelectorAll(%q).length === 2 && document.querySelector(%q).classList.contains("redelivered")`, card, card))); err != nil {
		t.Fatalf("the nacked message did not come back redelivered: %v", err)
	}
	outcome, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelectorAll(%q)[1].querySelector(".outcome").textContent`, card)))
	if outcome != "nack" {
		t.Errorf("the first card says %q, want nack", outcome)
	}
	// Reject without requeue: gone from the queue for good.
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(card+` form[action$="/reject"] button`))); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the reject at the broker", func() bool {
		info, err := s.broker.InspectQueue(orange)
		rc, _ := s.broker.Receiver(r.ID)
		return err == nil && info.Messages == 0 && rc.Info().Counters == board.Counters{Received: 2, Acked: 0, Unacked: 0}
	})
}

// Queues named "." and "..": a browser turns such a path segment into a
// step up, so the page names the queue in the form's body. Deleted from the
// live page, and from the page without JavaScript.
func TestBrowserDeletesDotNamedQueues(t *testing.T) {
	s := startStack(t, Limits{})
	for _, name := range []string{"..", "."} {
		_ = s.broker.DeleteQueue(name)
		if _, err := s.broker.DeclareQueue(board.QueueSpec{Name: name}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.broker.DeleteQueue(name) })
	}
	gone := func(name string) func() bool {
		return func() bool {
			_, err := s.broker.InspectQueue(name)
			e, ok := err.(*board.Error)
			return ok && e.Code == "NOT_FOUND"
		}
	}
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-queue=".."] form[action="/api/queues/delete"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.confirm = () => true, true)`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 5*time.Second),
		chromedp.Click(chromedp.CSS(`tr[data-queue=".."] form[action="/api/queues/delete"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "queue '..' deleted from the live page", gone(".."))

	noScript := tab(t, ctx)
	if _, err := chromedp.Call(noScript, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(noScript, 10*time.Second), chromedp.Navigate(s.url),
		chromedp.Click(chromedp.CSS(`tr[data-queue="."] form[action="/api/queues/delete"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#flash .flash.ok")),
	); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "queue '.' deleted from the page without JavaScript", gone("."))
}

// One delivery drawn both ways, by the server (JavaScript off) and by the
// live page's script from the stream: the same markup, text and classes,
// hidden parts and form actions alike.
func TestBrowserCardIsOneMarkup(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "hands-on", Ack: board.AckInteractive})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "one markup", "persistent": true,
		"properties": map[string]any{"content_type": "text/plain", "message_id": "m-1", "priority": 3},
		"headers":    map[string]any{"tenant": "acme", "nested": map[string]any{"ok": true}, "n": 42}}, 200, nil)
	testkit.WaitFor(t, 5*time.Second, "the delivery", func() bool {
		rc, _ := s.broker.Receiver(r.ID)
		return rc.Info().Received == 1
	})
	// (On the live page, the card the script drew from the stream.)
	const open = `(() => {
  const d = window.rabbitboard.state.cards.get(%q)?.[0];
  if (!d || !d.el || !d.el.isConnected) return false;
  const details = d.el.querySelector("details");
  details.open = true;
  return details.querySelector("dl").children.length > 0;
})()`
	// (The timing line runs a clock on the live page alone: left out.)
	const signature = `[...(c => [c, ...c.querySelectorAll("*")])(document.querySelector('[data-receiver=%q] .card'))].filter((e) => !e.classList.contains("timing")).map((e) =>
    e.tagName + "." + [...e.classList].sort().join(".") + (e.hidden ? "[hidden]" : "") + (e.getAttribute("action") ? " " + e.getAttribute("action") : "") +
    ([...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()) ? " " + JSON.stringify(e.textContent.replace(/\s+/g, " ").trim()) : "")
  ).join("\n")`
	ctx := browser(t)
	noScript := tab(t, ctx)
	if _, err := chromedp.Call(noScript, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(noScript, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS(".card"))); err != nil {
		t.Fatal(err)
	}
	// The signature is read with script run through the debugger, which
	// works while the page's own scripts are off.
	server, err := chromedp.Run(within(noScript, 5*time.Second), chromedp.Evaluate[string](fmt.Sprintf(signature, r.ID)))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// The live page draws properties when they are first opened.
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](fmt.Sprintf(open, r.ID))); err != nil {
		t.Fatal(err)
	}
	live, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Evaluate[string](fmt.Sprintf(signature, r.ID)))
	if err != nil {
		t.Fatal(err)
	}
	if server != live {
		t.Fatalf("the server's card:\n%s\n\nthe live page's card:\n%s", server, live)
	}
	for _, want := range []string{`"one markup"`, `"#1"`, `"content_type"`, `"text/plain"`, `"header nested"`, `"{\"ok\":true}"`, `"header n"`, `"42"`, "/deliveries/1/ack", `"exchange '' · key '` + q + `' · 10 bytes text"`} {
		if !strings.Contains(live, want) {
			t.Errorf("the card lacks %s:\n%s", want, live)
		}
	}
	t.Logf("one card, both ways:\n%s", live)
}
