package web

import (
	"net/http"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/chromedp/chromedp"
)

// On a 360 px phone, in both languages, the viewer's page and the stage
// view never scroll sideways: the header's switches fold into a menu,
// long names break; the stage view shows one receiver at a time, as wide
// as the screen.
func TestBrowserPhone(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{Name: "amq-like.gen-JHbAkXnLmW3pQ9rTs7vYzQ"})
	for _, name := range []string{"worker with a long name", "second worker", "third"} {
		s.receiver(t, board.ReceiverSpec{Queue: q, Name: name, Ack: board.AckManual, WorkMS: 10})
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "A message whose body is rather longer than a phone is wide {{seq}}", "count": 6}, http.StatusOK, nil)
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.EmulateViewport(360, 740)); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/?lang=en", "/?lang=ko", "/?lang=en&view=stage", "/?lang=ko&view=stage"} {
		if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+page), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`document.querySelectorAll("article.receiver .card").length >= 6`)); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, innerWidth,
			Math.max(...[...document.querySelectorAll("body > header > *")].map((e) => e.getBoundingClientRect().right))]`))
		if err != nil || wide[0] > wide[1] || wide[2] > wide[1] {
			over, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5 && e.getClientRects().length && ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth + 0.5)).filter((e) => !e.classList.contains("panel")).slice(0, 8).map((e) => e.tagName + "." + e.className + "#" + e.id + ":" + Math.round(e.getBoundingClientRect().right)).join(" ")`))
			t.Errorf("%s at 360 px: the page is %v px wide, the header reaches %v px, the screen %v px (%v); beyond it: %s", page, wide[0], wide[2], wide[1], err, over)
		}
		// The header's switches are behind Menu; opened, they fit too.
		menu := `[getComputedStyle(document.getElementById("menu")).display, getComputedStyle(document.getElementById("menu-toggle")).display !== "none",
			document.getElementById("menu-toggle").getAttribute("aria-expanded")].join(" ")`
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](menu)); err != nil || got != "none true false" {
			t.Errorf("%s at 360 px: menu, its button and aria-expanded are %q, want a closed menu behind its button (%v)", page, got, err)
		}
		if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS("#menu-toggle"))); err != nil {
			t.Fatal(err)
		}
		opened, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, innerWidth,
			[...document.querySelectorAll("#menu button")].filter((b) => b.getBoundingClientRect().width > 0 && b.getBoundingClientRect().right <= innerWidth).length]`))
		if err != nil || opened[0] > opened[1] || opened[2] != 3 {
			t.Errorf("%s at 360 px with the menu open: page %v px wide, %v of 3 switches in view (%v)", page, opened[0], opened[2], err)
		}
		if page[len(page)-5:] != "stage" {
			continue
		}
		columns, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const list = document.getElementById("receivers").getBoundingClientRect();
			return [...document.querySelectorAll("article.receiver")].map((c) => Math.round(c.getBoundingClientRect().width - list.width)) })()`))
		if err != nil || len(columns) != 3 {
			t.Fatalf("%s: columns %v (%v)", page, columns, err)
		}
		for i, d := range columns {
			if d != 0 {
				t.Errorf("%s: column %d is %.0f px off the screen's width: one receiver at a time", page, i, d)
			}
		}
	}
}
