package web

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fontSizes are the distinct font sizes of every visible text on the page
// (letters in the drawing included, which is drawn at the page's scale),
// each with one place it is used.
const fontSizes = `(() => {
	const sizes = new Map();
	for (const e of document.body.querySelectorAll("*")) {
		if (e.closest(".sr-only, .diagram-words, title, script, style, template, option")) continue;
		const r = e.getBoundingClientRect();
		if (r.width <= 1 || r.height <= 1 || getComputedStyle(e).visibility === "hidden") continue;
		const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
		if (!own && !e.matches("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea")) continue;
		const size = Math.round(parseFloat(getComputedStyle(e).fontSize) * 10) / 10;
		if (!sizes.has(size)) sizes.set(size, e.tagName.toLowerCase() + "." + String(e.className.baseVal ?? e.className).replaceAll(" ", ".") + " " + JSON.stringify(e.textContent.trim().slice(0, 24)));
	}
	return [...sizes].map(([Size, Where]) => ({ Size, Where }));
})()`

// The type scale, measured in Chromium: at most four sizes on the
// presenter's page and on the stage view, at 1920x1080 and 1280x720, in
// the middle of the work-queue lesson. Nothing on the presenter's page is
// under 16 px; nothing on the stage is under 22 px at 1080 px high, and
// the same share of the screen's height at 720. The publish, queue and
// receiver forms start above the fold at 1920x1080.
func TestBrowserTypeScale(t *testing.T) {
	s := startStackWith(t, options{management: true})
	t.Cleanup(func() { s.call(t, "POST", "/api/presets/work-queue/reset", nil, nil) })
	s.mustCall(t, "POST", "/api/presets/work-queue", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}.", "count": 6}, http.StatusOK, nil)
	ctx := browser(t)
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
		for _, page := range []string{"/?lang=en", "/?lang=ko", "/?lang=en&view=stage", "/?lang=ko&view=stage"} {
			at := fmt.Sprintf("%s at %dx%d", page, size[0], size[1])
			if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.EmulateViewport(size[0], size[1]),
				chromedp.Navigate(s.url+page), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`document.querySelectorAll("article.receiver .card").length >= 6 && document.querySelectorAll("#diagram g.queue").length > 0`)); err != nil {
				t.Fatalf("%s: the lesson's cards are not shown: %v", at, err)
			}
			type used struct {
				Size  float64
				Where string
			}
			sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]used](fontSizes))
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(sizes, func(i, j int) bool { return sizes[i].Size < sizes[j].Size })
			least := 16.0
			if len(page) > 5 && page[len(page)-5:] == "stage" {
				least = 22 * float64(size[1]) / 1080
			}
			if len(sizes) > 4 || len(sizes) == 0 || sizes[0].Size < least-0.05 {
				t.Errorf("%s: %d sizes, the least %.1f px; want at most 4, none under %.1f px: %+v", at, len(sizes), sizes[0].Size, least, sizes)
			}
			if least != 16 || size[1] != 1080 {
				continue
			}
			// The forms a newcomer needs first start above the fold.
			tops, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`["/api/publish", "/api/queues", "/api/receivers"].map((a) => document.querySelector('form[action="' + a + '"] h2').getBoundingClientRect().bottom)`))
			if err != nil || len(tops) != 3 || tops[0] > 1080 || tops[1] > 1080 || tops[2] > 1080 {
				t.Errorf("%s: the publish, queue and receiver forms' headings end at %v px, want above 1080 (%v)", at, tops, err)
			}
		}
	}
}
