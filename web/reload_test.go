package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/chromedp/chromedp"
)

// pageReading is what a page says about a lesson, element by element: each
// column's cards (seq, how it was settled, its timing line), its chart's
// counts (from its first busy second to its last: the window moves on)
// and sentence, the published line and the lesson bar.
const pageReading = `((busy) => JSON.stringify({
  columns: [...document.querySelectorAll("article.receiver")].map((c) => ({
    name: c.querySelector("h3").textContent,
    received: c.querySelector(".received").textContent,
    cards: [...c.querySelectorAll(".card")].map((d) => [d.dataset.seq, d.className, d.querySelector(".timing")?.textContent]),
    delivered: busy(c.querySelector(".rate").dataset.delivered),
    acked: busy(c.querySelector(".rate").dataset.acked),
    published: busy(c.querySelector(".rate").dataset.published),
    rate: c.querySelector(".rate").textContent.trim(),
  })),
  publishedLine: document.getElementById("published-rate").textContent,
  activity: document.querySelector("#lesson [data-f=activity]").textContent,
}))((counts) => counts.replace(/^(0,)+/, "").replace(/(,0)+$/, ""))`

// A reload in the middle of a lesson gives the same page: the cards with
// how long each was worked on, the charts with their acks, the published
// line and the lesson bar. Each column counts what was published to its
// own queue, and the published line counts every publish.
func TestBrowserReloadKeepsThePage(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/fair-dispatch/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/fair-dispatch", nil, http.StatusOK, nil)
	other := s.queue(t, board.QueueSpec{Name: "reload_other"})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}", "count": 10, "timestamp": true}, http.StatusOK, nil)
	settled := `document.querySelectorAll("article.receiver .card").length === 10 && document.querySelectorAll("article.receiver .card[class*=settled-ack]").length === 10`
	if _, err := chromedp.Run(within(ctx, 20*time.Second), chromedp.Poll[bool](settled)); err != nil {
		t.Fatalf("the ten tasks were not all worked and acked: %v", err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": other, "body": "elsewhere", "count": 2}, http.StatusOK, nil)
	line := `document.getElementById("published-rate").textContent.startsWith("Published in the last 60 s (by rabbitboard and by the programs it observes): 12;")`
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](line)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("published-rate").textContent`))
		t.Fatalf("published line %q, want 12 published", got)
	}
	time.Sleep(2100 * time.Millisecond) // every chart's "now" is the same second's, 0, on both readings

	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageReading))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"published":"`, `10 published to its queue`, `Published 2 to the default exchange with key 'reload_other': 2 confirmed, to reload_other.`} {
		if !strings.Contains(before, want) {
			t.Fatalf("the page before the reload does not say %q:\n%s", want, before)
		}
	}
	if !strings.Contains(before, `worked `) || strings.Contains(before, `"timing":"ack"`) {
		t.Fatalf("cards do not say how long they were worked on:\n%s", before)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.querySelectorAll("article.receiver .card").length === 10`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the charts are drawn each second
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageReading))
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("the page changed with a reload:\nbefore %s\nafter  %s", before, after)
	}
}
