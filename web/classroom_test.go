package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/words"

	"rabbitboard/internal/testkit"
)

// Stage view with six receivers: at 1920x1080 and at 1280x720 every
// column's head and its three latest cards are inside the viewport, and at
// 1920x1080 names and counters are at least 28 px, card bodies 22 px.
func TestBrowserStageView(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	for i := 1; i <= 6; i++ {
		s.receiver(t, board.ReceiverSpec{Queue: q, Name: fmt.Sprintf("worker %d", i), Ack: board.AckAuto})
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "Task {{seq}}: a line of work", "count": 24}, http.StatusOK, nil)
	ctx := browser(t)
	// Every column's head and its first three cards (the newest), as
	// rectangles, and the sizes the room reads.
	const measure = `(() => {
		const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
		const px = (e) => parseFloat(getComputedStyle(e).fontSize);
		return [...document.querySelectorAll("article.receiver")].map((c) => ({
			name: c.querySelector("h3").textContent,
			boxes: [box(c.querySelector(".head")), ...[...c.querySelectorAll(".card")].slice(0, 3).map(box)],
			cards: c.querySelectorAll(".card").length,
			sizes: [px(c.querySelector("h3")), px(c.querySelector(".counters")), px(c.querySelector(".card .body"))],
		}));
	})()`
	type column struct {
		Name  string
		Boxes [][4]float64
		Cards int
		Sizes [3]float64
	}
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			if err := chromedp.Do(within(ctx, 10*time.Second),
				chromedp.EmulateViewport(size[0], size[1]),
				chromedp.Navigate(s.url+"/?view=stage"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`[...document.querySelectorAll("article.receiver")].every((c) => c.querySelectorAll(".card").length === 4)`)); err != nil {
				t.Fatal(err)
			}
			cols, err := chromedp.Run(ctx, chromedp.Evaluate[[]column](measure))
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) != 6 {
				t.Fatalf("%d columns, want 6", len(cols))
			}
			for _, c := range cols {
				if len(c.Boxes) != 4 {
					t.Fatalf("%s: %d boxes, want its head and 3 cards", c.Name, len(c.Boxes))
				}
				for i, b := range c.Boxes {
					if b[0] < 0 || b[1] < 0 || b[2] > float64(size[0]) || b[3] > float64(size[1]) || b[2] <= b[0] || b[3] <= b[1] {
						t.Errorf("%s: box %d %v is not inside the %dx%d viewport", c.Name, i, b, size[0], size[1])
					}
				}
				if size[0] == 1920 && (c.Sizes[0] < 28 || c.Sizes[1] < 28 || c.Sizes[2] < 22) {
					t.Errorf("%s: name %.1f px, counters %.1f px, card body %.1f px; want >= 28, 28, 22", c.Name, c.Sizes[0], c.Sizes[1], c.Sizes[2])
				}
			}
		})
	}
}

// The presenter sets up a lesson: a viewer's tab (no token) shows its
// title and what to watch within a second, and still after a publish,
// which it is told of too; a publish that no queue takes says so to it.
func TestBrowserLessonOnEveryScreen(t *testing.T) {
	const token = "lesson-presenter"
	s := startStackWith(t, options{access: Access{Token: token}})
	s.token = token
	viewer := browser(t) // a browser of its own: no presenter's cookie
	if err := chromedp.Do(within(viewer, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/work-queue/reset", nil, nil) })
	p, _ := findLesson("work-queue")
	s.mustCall(t, "POST", "/api/presets/work-queue", nil, http.StatusOK, nil)
	shown := fmt.Sprintf(`!document.querySelector("#lesson").hidden && document.querySelector("#lesson h2").textContent === %q && document.querySelector("#lesson [data-f=watch]").textContent === %q`, p.Title, p.Watch)
	if _, err := chromedp.Run(within(viewer, time.Second), chromedp.Poll[bool](shown, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the viewer did not show the lesson within 1 s: %v", err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}.", "count": 6}, http.StatusOK, nil)
	said := `document.querySelector("#lesson .activity").textContent`
	if _, err := chromedp.Run(within(viewer, 5*time.Second), chromedp.Poll[bool](said+` === "Published 6 to the default exchange with key 'task_queue': 6 confirmed, to task_queue."`)); err != nil {
		got, _ := chromedp.Run(viewer, chromedp.Evaluate[string](said))
		t.Fatalf("the viewer was not told of the publish (%q): %v", got, err)
	}
	if ok, err := chromedp.Run(viewer, chromedp.Evaluate[bool](shown)); err != nil || !ok {
		t.Fatalf("the lesson is gone after a publish: %v", err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"exchange": "amq.direct", "routing_key": "nobody-listens", "body": "lost"}, http.StatusOK, nil)
	if _, err := chromedp.Run(within(viewer, 5*time.Second), chromedp.Poll[bool](said+`.startsWith("A publish to exchange 'amq.direct' with key 'nobody-listens' reached no queue")`)); err != nil {
		got, _ := chromedp.Run(viewer, chromedp.Evaluate[string](said))
		t.Fatalf("the viewer was not told the publish reached no queue (%q): %v", got, err)
	}
}

// The diagram tells the seed's story: with the work queue set up and
// nothing published, one drawn route from the default exchange per queue;
// with the topics lesson, every label sits on its own route over nothing else.
func TestBrowserDiagram(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"work-queue", "topics"} {
		t.Cleanup(func() { s.call(t, "POST", "/api/presets/"+name+"/reset", nil, nil) })
		s.mustCall(t, "POST", "/api/presets/"+name, nil, http.StatusOK, nil)
	}
	queues, err := s.broker.Queues(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	routes := `new Set([...document.querySelectorAll("#diagram line.default-route")].map((e) => e.dataset.edge)).size`
	want := fmt.Sprintf(`document.querySelectorAll("#diagram g.queue").length === %d && %s === %d`, len(queues), routes, len(queues))
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](want)); err != nil {
		n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](routes))
		t.Fatalf("%d routes from the default exchange drawn for %d queues: %v", n, len(queues), err)
	}
	labelTexts := `[...document.querySelectorAll("#diagram text.label")].map((e) => e.textContent).sort().join(" ")`
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](labelTexts+` === "*.*.rabbit *.orange.* lazy.#"`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](labelTexts))
		t.Fatalf("labels %q, want the topics bindings': %v", got, err)
	}
	// Each column says which bindings feed its queue (the work queue's,
	// fed by the default exchange only, says nothing).
	fed := `[...document.querySelectorAll("article.receiver")].map((c) => c.querySelector("h3").textContent + ": " + (c.querySelector(".fed").hidden ? "-" : c.querySelector(".fed").textContent)).sort().join(" | ")`
	wantFed := "Q1 *.orange.*: fed by topic_logs (*.orange.*) | Q2 *.*.rabbit, lazy.#: fed by topic_logs (*.*.rabbit), topic_logs (lazy.#) | worker A: - | worker B: -"
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](fed+fmt.Sprintf(` === %q`, wantFed))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fed))
		t.Fatalf("columns say %q, want %q", got, wantFed)
	}
	d, err := chromedp.Run(ctx, chromedp.Evaluate[drawn](readDiagram))
	if err != nil {
		t.Fatal(err)
	}
	checkDiagram(t, "topics", d)
	words, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#diagram-words").textContent`))
	if err != nil || !strings.Contains(words, "The default exchange routes a message to the queue named by its routing key") {
		t.Fatalf("the diagram's words: %q %v", words, err)
	}
	// On a phone, 390 px wide, the list takes the drawing's place, in
	// letters of at least 12 px.
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	phone, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const list = document.querySelector("#diagram-words"), drawing = document.querySelector("#diagram svg");
		return [drawing.getBoundingClientRect().width, list.getBoundingClientRect().width, parseFloat(getComputedStyle(list).fontSize)];
	})()`))
	if err != nil || phone[0] != 0 || phone[1] < 300 || phone[2] < 12 {
		t.Fatalf("at 390 px: drawing %v px wide, list %v px wide in %v px letters (%v); want no drawing and a list of at least 12 px", phone[0], phone[1], phone[2], err)
	}
}

// axe-core (from the npm registry; the test command installs it and says
// where in AXE_CORE) finds no serious or critical violation on the
// presenter's, a viewer's and the stage page, in each of the three themes
// and both languages; every receiver colour is at least 6:1 against the
// theme's panels and cards, and so is the text on it; focus stays on a
// receiver's button while messages arrive.
func TestBrowserAccessible(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	path := os.Getenv("AXE_CORE")
	axe, err := os.ReadFile(path)
	if err != nil || path == "" {
		t.Fatalf("axe-core not found at AXE_CORE=%q (%v): run the README's test command, which installs it from npm", path, err)
	}
	const token = "axe-presenter"
	s := startStackWith(t, options{access: Access{Token: token}})
	s.token = token
	q := s.queue(t, board.QueueSpec{})
	worker := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker A", Ack: board.AckManual, WorkMS: 50})
	s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker B", Ack: board.AckInteractive})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "Task {{seq}}", "count": 4}, http.StatusOK, nil)
	presenter, viewer := browser(t), browser(t)
	if err := chromedp.Do(within(presenter, 10*time.Second), chromedp.Navigate(s.url+"/?token="+token), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	audit := func(ctx context.Context, url, background string) {
		t.Helper()
		if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
			t.Fatal(err)
		}
		if bg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != background {
			t.Errorf("%s: the page's background is %s, want %s", url, bg, background)
		}
		weak, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](colourContrast))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range weak {
			t.Errorf("%s: %s", url, w)
		}
		if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`document.querySelectorAll(".card").length >= 3`)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("injecting axe-core: %v", err)
		}
		found, err := chromedp.Run(within(ctx, 30*time.Second), chromedp.Evaluate[[]string](`axe.run(document, { resultTypes: ["violations"] }).then((r) =>
			r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
				.map((v) => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + (n.failureSummary || "")).join(" | ")))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("axe-core on %s: %v", url, err)
		}
		for _, v := range found {
			t.Errorf("%s: %s", url, v)
		}
	}
	for _, theme := range []struct{ name, background string }{
		{"light", "rgb(246, 247, 249)"}, {"dark", "rgb(16, 20, 27)"}, {"contrast", "rgb(255, 255, 255)"},
	} {
		for _, lang := range []string{"ko", "en"} {
			page := s.url + "/?theme=" + theme.name + "&lang=" + lang
			audit(presenter, page, theme.background)
			audit(viewer, page, theme.background)
			audit(viewer, page+"&view=stage", theme.background)
		}
	}
	for _, ctx := range []context.Context{presenter, viewer} {
		if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?theme=auto")); err != nil {
			t.Fatal(err)
		}
	}

	// Focus on a receiver's button stays put while ten messages arrive.
	pause := fmt.Sprintf(`[aria-label=%q]`, "Pause "+worker.Name)
	if err := chromedp.Do(within(presenter, 10*time.Second), chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// Once the snapshot is drawn: the script's columns replace the server's
	// at the first animation frame after it arrives.
	if _, err := chromedp.Run(within(presenter, 5*time.Second), chromedp.Poll[bool](`window.rabbitboard.renders > 0 && document.querySelectorAll(".card").length >= 4`)); err != nil {
		t.Fatal(err)
	}
	// Focused from the page's own script, in one step: the page may redraw
	// the column between a lookup of the node and a focus sent after it.
	focus := fmt.Sprintf(`(() => { const b = document.querySelector(%q); b?.focus(); return !!b && document.activeElement === b })()`, pause)
	if _, err := chromedp.Run(within(presenter, 5*time.Second), chromedp.Poll[bool](focus)); err != nil {
		t.Fatalf("focusing %s: %v", pause, err)
	}
	before, _ := chromedp.Run(presenter, chromedp.Evaluate[int](`document.querySelectorAll(".card").length`))
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "More {{seq}}", "count": 10}, http.StatusOK, nil)
	if _, err := chromedp.Run(within(presenter, 10*time.Second), chromedp.Poll[bool](fmt.Sprintf(`document.querySelectorAll(".card").length >= %d`, before+10))); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(presenter, chromedp.Evaluate[string](`document.activeElement.getAttribute("aria-label") || document.activeElement.tagName`))
	if err != nil || focused != "Pause "+worker.Name {
		t.Fatalf("focus is on %q after the messages, want the button %q", focused, "Pause "+worker.Name)
	}
}

// Fair dispatch: the slow worker's current card shows a running timer,
// then how long its work took; cards say how long their message waited in
// the queue; each receiver's chart sums to its received count.
func TestBrowserTimingsAndRates(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/fair-dispatch/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/fair-dispatch", nil, http.StatusOK, nil)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.querySelectorAll("article.receiver").length === 2`)); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}", "count": 10, "timestamp": true}, http.StatusOK, nil)
	const slow = `[...document.querySelectorAll("article.receiver")].find((c) => c.querySelector("h3").textContent === "slow worker")`
	working := "(" + slow + `?.querySelector(".card:not([class*=settled-ack]) .timing")?.textContent || "")`
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](working+`.startsWith("working: ")`)); err != nil {
		t.Fatalf("the slow worker's card shows no running timer: %v", err)
	}
	seconds := func(text string) float64 {
		var v float64
		if _, err := fmt.Sscanf(text, "working: %f s", &v); err != nil {
			t.Fatalf("timer %q: %v", text, err)
		}
		return v
	}
	seq, _ := chromedp.Run(ctx, chromedp.Evaluate[string](slow+`.querySelector(".card").dataset.seq`))
	first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](working))
	time.Sleep(500 * time.Millisecond)
	second, _ := chromedp.Run(ctx, chromedp.Evaluate[string](working))
	if a, b := seconds(first), seconds(second); b < a+0.3 {
		t.Fatalf("the timer does not run: %q, then %q half a second later", first, second)
	}
	card := slow + fmt.Sprintf(`.querySelector('.card[data-seq="%s"] .timing').textContent`, seq)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](card+`.startsWith("worked ")`)); err != nil {
		t.Fatalf("the card does not say how long its work took: %v", err)
	}
	said, _ := chromedp.Run(ctx, chromedp.Evaluate[string](card))
	var took float64
	if _, err := fmt.Sscanf(said, "worked %f s", &took); err != nil || took < 1.9 || took > 2.6 {
		t.Fatalf("the slow worker's 2 s task says %q", said)
	}
	if _, err := chromedp.Run(within(ctx, 20*time.Second), chromedp.Poll[bool](`[...document.querySelectorAll("article.receiver .received")].reduce((n, e) => n + Number(e.textContent), 0) === 10`)); err != nil {
		t.Fatalf("not all 10 delivered: %v", err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".card .timing")].filter((e) => e.textContent.includes("in the queue")).length`)); n != 10 {
		t.Errorf("%d of 10 cards say how long they waited in the queue", n)
	}
	sums := `[...document.querySelectorAll("article.receiver")].map((c) => c.querySelector(".rate").dataset.delivered.split(",").reduce((n, v) => n + Number(v), 0) + "/" + c.querySelector(".received").textContent).join(" ")`
	if _, err := chromedp.Run(within(ctx, 3*time.Second), chromedp.Poll[bool](sums+`.split(" ").every((p) => p.split("/")[0] === p.split("/")[1])`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](sums))
		t.Fatalf("chart sums / received counts: %s", got)
	}
}

// Fair dispatch with ten messages, ten times: each time, within 2 s of the
// last ack, the page's ready count for the queue equals the broker's.
func TestBrowserDepthIsRight(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/fair-dispatch/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/fair-dispatch", nil, http.StatusOK, nil)
	var rs []board.ReceiverInfo
	s.mustCall(t, "GET", "/api/receivers", nil, http.StatusOK, &rs)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	acked := func() int64 {
		var n int64
		for _, r := range rs {
			rc, err := s.broker.Receiver(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			n += rc.Info().Acked
		}
		return n
	}
	const ready = `document.querySelector('#queues tr[data-queue="task_queue"] [data-f=messages]')?.textContent`
	for run := 1; run <= 10; run++ {
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}", "count": 10}, http.StatusOK, nil)
		testkit.WaitFor(t, 30*time.Second, fmt.Sprintf("run %d: 10 more acks", run), func() bool { return acked() == int64(10*run) })
		info, err := s.broker.InspectQueue("task_queue")
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(info.Messages)
		if _, err := chromedp.Run(within(ctx, 2*time.Second), chromedp.Poll[bool](ready+` === "`+want+`"`, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](ready))
			t.Fatalf("run %d: the page says %s ready 2 s after the last ack, the broker %s", run, got, want)
		}
	}
}

// A browser that asks for Korean gets lang="ko", Korean headings and the
// lessons' explanations in Korean; the switch back to English works
// without a reload and keeps the columns and their cards.
func TestBrowserKorean(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	s.receiver(t, board.ReceiverSpec{Queue: q, Name: "일꾼 A", Ack: board.AckAuto})
	s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker B", Ack: board.AckAuto})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "작업 {{seq}}", "count": 4}, http.StatusOK, nil)
	ctx := browser(t)
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.querySelectorAll(".card").length === 4`)); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Lang, Topology, Publish, Watch, Live string
		Columns, Cards                       int
		Marker                               bool
	}
	const read = `({
		Lang: document.documentElement.lang,
		Topology: document.querySelector("#topology h2").textContent,
		Publish: document.querySelector("form[action='/api/publish'] h2").textContent,
		Watch: document.querySelector("[data-lesson='work-queue'] p").textContent,
		Live: document.querySelector("#live").textContent,
		Columns: document.querySelectorAll("article.receiver").length,
		Cards: document.querySelectorAll(".card").length,
		Marker: window.marker === true,
	})`
	ko, err := chromedp.Run(ctx, chromedp.Evaluate[page](read))
	if err != nil {
		t.Fatal(err)
	}
	want := page{Lang: "ko", Topology: "익스체인지, 바인딩, 큐, 수신자", Publish: "발행하기", Watch: words.Korean.T("lesson.work-queue.watch"), Live: "실시간", Columns: 2, Cards: 4}
	if ko != want {
		t.Fatalf("the Korean page:\n%+v\nwant\n%+v", ko, want)
	}
	// A receiver's counters and a card's summary, drawn by the script, are Korean too.
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".card summary").textContent`)); !strings.Contains(got, "바이트") {
		t.Fatalf("a card's summary is not Korean: %q", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.marker = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS("#lang-switch button"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.documentElement.lang === "en" && document.querySelectorAll(".card").length === 4`)); err != nil {
		t.Fatalf("the switch to English: %v", err)
	}
	en, err := chromedp.Run(ctx, chromedp.Evaluate[page](read))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := findLesson("work-queue")
	want = page{Lang: "en", Topology: "Exchanges, bindings, queues, receivers", Publish: "Publish", Watch: p.Watch, Live: "live", Columns: 2, Cards: 4, Marker: true}
	if en != want {
		t.Fatalf("after the switch (no reload: the marker stays):\n%+v\nwant\n%+v", en, want)
	}
}

// A lesson set up from a page that speaks Korean says so in Korean: its
// Korean title, where to publish, and what to watch.
func TestLessonReadyInKorean(t *testing.T) {
	s := startStack(t, Limits{})
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/work-queue/reset", nil, nil) })
	req, _ := http.NewRequest("POST", s.url+"/api/presets/work-queue", nil)
	req.Header.Set("Accept-Language", "ko")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	said, _ := url.PathUnescape(resp.Header.Get("X-Rabbitboard-Flash"))
	want := words.Korean.T("lesson.work-queue.title") + " 준비 완료. 이제 기본 익스체인지에 라우팅 키 'task_queue'로 발행하세요. " + words.Korean.T("lesson.work-queue.watch")
	if resp.StatusCode != http.StatusOK || said != want {
		t.Fatalf("%d %q, want %q", resp.StatusCode, said, want)
	}
}

// On the Korean page, the outcomes of its forms are Korean sentences that
// keep every number of the English ones: a publish of 10, a count over the
// limit, and a queue declared again with other settings.
func TestBrowserKoreanSentencesKeepNumbers(t *testing.T) {
	s := startStack(t, Limits{MaxCount: 50})
	q := s.queue(t, board.QueueSpec{})
	ctx := browser(t)
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "ko-KR,ko;q=0.9"}}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// submit fills a form of the page and sends it as a user does, then
	// reads the line the page shows.
	submit := func(form string, fields map[string]any) string {
		t.Helper()
		set, _ := json.Marshal(fields)
		js := fmt.Sprintf(`(() => {
			const f = document.querySelector(%q);
			document.getElementById("flash").replaceChildren();
			for (const [k, v] of Object.entries(%s)) {
				const el = f.elements[k];
				el.removeAttribute("max");
				if (el.type === "checkbox") el.checked = v; else el.value = v;
			}
			f.requestSubmit();
			return true;
		})()`, form, set)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatal(err)
		}
		said, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[string](`document.getElementById("flash").textContent.trim() || false`))
		if err != nil {
			t.Fatalf("%s: no outcome shown: %v", form, err)
		}
		return said
	}
	english := func(path string, body map[string]any) string {
		data, _ := json.Marshal(body)
		a := s.request(t, "POST", path, string(data), "Accept-Language", "en")
		if a.flash != "" {
			return a.flash
		}
		return fmt.Sprint(a.body["error"])
	}
	number := regexp.MustCompile(`\d+`)
	englishWords := regexp.MustCompile(`\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b`)
	for _, tc := range []struct {
		form, path string
		fields     map[string]any
		want       string
	}{
		{publishForm, "/api/publish", map[string]any{"routing_key": q, "body": "작업", "count": 10}, "기본 익스체인지를 거쳐 큐 '" + q + "'로 10개 중 10개 발행: 브로커 확인(confirm) 10개."},
		{publishForm, "/api/publish", map[string]any{"routing_key": q, "body": "작업", "count": 51}, "개수가 51개로, 한 번에 발행할 수 있는 50개보다 많습니다."},
		{`form[action="/api/queues"]`, "/api/queues", map[string]any{"name": q, "durable": true}, "큐 '" + q + "'는 durable 설정이 꺼져 있는데 이 요청은 켜져 있습니다."},
	} {
		ko := submit(tc.form, tc.fields)
		en := english(tc.path, tc.fields)
		if !strings.HasPrefix(ko, tc.want) {
			t.Errorf("the page said %q, want %q", ko, tc.want)
		}
		for _, n := range number.FindAllString(en, -1) {
			if !strings.Contains(ko, n) {
				t.Errorf("%q lost %s of %q", ko, n, en)
			}
		}
		if m := englishWords.FindString(ko); m != "" {
			t.Errorf("%q speaks English: %q", ko, m)
		}
	}
}

// colourContrast lists every receiver colour of the page's theme that is
// under 6:1 against a panel or a card, or against the text on it.
const colourContrast = `(() => {
  const css = getComputedStyle(document.documentElement);
  const rgb = (name) => { let h = css.getPropertyValue(name).trim().slice(1); if (h.length === 3) h = [...h].map((c) => c + c).join(""); return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255); };
  const lum = (c) => { const [r, g, b] = c.map((x) => (x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const weak = [];
  for (let i = 0; i < 8; i++) for (const against of ["--panel", "--card", "--on-c"]) {
    const r = ratio("--c" + i, against);
    if (!(r >= 6)) weak.push("--c" + i + " against " + against + ": " + r.toFixed(2) + ":1");
  }
  return weak;
})()`

// On the stage during a lesson the diagram shows the lesson's exchanges
// and queues only, the rest of the vhost one click away, and the lesson's
// receivers come first, although they were added last.
func TestBrowserStageShowsTheLesson(t *testing.T) {
	s := startStack(t, Limits{})
	for _, name := range []string{"work-queue", "topics"} {
		t.Cleanup(func() { s.call(t, "POST", "/api/presets/"+name+"/reset", nil, nil) })
		s.mustCall(t, "POST", "/api/presets/"+name, nil, http.StatusOK, nil)
	}
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(s.url+"/?view=stage&lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	const shown = `[[...document.querySelectorAll("#diagram g.exchange title")].map((e) => e.textContent || "default").join(","),
		[...document.querySelectorAll("#diagram g.queue text.name")].map((e) => e.textContent).join(","),
		[...document.querySelectorAll("article.receiver h3")].map((e) => e.textContent).join(","),
		document.getElementById("diagram-scope").hidden ? "-" : document.getElementById("diagram-scope").textContent.replace(/\d+ hidden/, "N hidden")].join(" | ")`
	want := "default,topic_logs | orange_animals,rabbits_and_lazy | Q1 *.orange.*,Q2 *.*.rabbit, lazy.#,worker A,worker B | Show every queue of the vhost (N hidden)"
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](shown+fmt.Sprintf(" === %q", want))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](shown))
		t.Fatalf("the stage shows\n%q, want\n%q", got, want)
	}
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS("#diagram-scope"))); err != nil {
		t.Fatal(err)
	}
	all := `[...document.querySelectorAll("#diagram g.queue text.name")].map((e) => e.textContent).includes("task_queue") && document.getElementById("diagram-scope").textContent === "Show the lesson's queues only"`
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](all)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](shown))
		t.Fatalf("one click does not show the whole vhost: %q", got)
	}
}
