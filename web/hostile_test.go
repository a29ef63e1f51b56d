package web

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/mq"

	"rabbitboard/internal/testkit"
)

// hostile are strings students type on purpose. Each must show as text.
var hostile = []string{
	`<img src=x onerror="window.__pwned=(window.__pwned||0)+1;alert(1)">`,
	`</script><script>window.__pwned=(window.__pwned||0)+1</script>`,
	`javascript:window.__pwned=(window.__pwned||0)+1`,
	`{{constructor.constructor('window.__pwned=(window.__pwned||0)+1')()}} {{seq}}`,
	"control \x00\x07\x1b[31m\x7f characters",
	"bidi \u202eoverride\u202c and \u2066isolate\u2069",
	`<svg onload="window.__pwned=(window.__pwned||0)+1"><a href="javascript:alert(1)">x</a></svg>`,
	`" onmouseover="window.__pwned=1" data-x="`,
}

// hostileNames are used as queue and receiver names, which RabbitMQ takes
// as any UTF-8 of up to 255 bytes.
var hostileNames = []string{`<img src=x onerror=alert(1)>`, `"><svg onload=alert(1)>`}

// stageHostile publishes every hostile string, as body and as header, plus
// 1 MB of text and an invalid UTF-8 body, to receivers on queues with
// hostile names. It returns how many deliveries to expect.
func stageHostile(t *testing.T, s *stack) int {
	t.Helper()
	n := 0
	for i, name := range hostileNames {
		q := s.queue(t, board.QueueSpec{Name: name})
		s.receiver(t, board.ReceiverSpec{Queue: q, Name: hostile[i], Ack: board.AckInteractive})
		for _, h := range hostile {
			s.mustCall(t, "POST", "/api/publish", map[string]any{
				"routing_key": q, "body": h, "headers": map[string]any{h: h},
				"properties": map[string]any{"content_type": h, "message_id": h},
			}, 200, nil)
			n++
		}
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": strings.Repeat("<b>big</b> ", 90909)}, 200, nil)
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "encoding": "base64", "body": base64.StdEncoding.EncodeToString([]byte("\xff\xfe<img src=x onerror=alert(1)>\xc3"))}, 200, nil)
		n += 2
	}
	return n
}

// allowedTags are the elements the page is made of; anything else in the
// DOM came from data.
var allowedTags = "TEMPLATE DIALOG A TIME UL svg g title rect text line polyline HTML HEAD META TITLE LINK SCRIPT BODY HEADER NAV H1 H2 H3 SPAN DIV P MAIN ASIDE SECTION FORM LABEL INPUT TEXTAREA SELECT OPTION BUTTON DETAILS SUMMARY TABLE THEAD TBODY TR TH TD B ARTICLE OL LI PRE DL DT DD CODE KBD"

// The server-rendered page (what a browser without JavaScript gets) holds
// every hostile string as text: no element or attribute comes from them.
func TestHostileStringsRenderInertOnTheServer(t *testing.T) {
	s := startStack(t, Limits{})
	want := stageHostile(t, s)
	testkit.WaitFor(t, 10*time.Second, "the deliveries", func() bool {
		total := 0
		for _, r := range s.broker.Receivers() {
			total += int(r.Received)
		}
		return total == want
	})
	resp, err := http.Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("*").Each(func(_ int, e *goquery.Selection) {
		tag := strings.ToUpper(goquery.NodeName(e))
		if !strings.Contains(" "+allowedTags+" ", " "+tag+" ") {
			t.Errorf("an element <%s> came from data", tag)
		}
		for _, a := range e.Nodes[0].Attr {
			if strings.HasPrefix(a.Key, "on") || strings.HasPrefix(strings.TrimSpace(strings.ToLower(a.Val)), "javascript:") {
				t.Errorf("<%s %s=%q> came from data", tag, a.Key, a.Val)
			}
		}
	})
	var scripts []string
	doc.Find("script").Each(func(_ int, e *goquery.Selection) { scripts = append(scripts, e.AttrOr("src", "(inline)")) })
	if strings.Join(scripts, " ") != "/static/app.js" {
		t.Errorf("scripts %v, want the page's own module", scripts)
	}
	bodies := map[string]bool{}
	doc.Find(".card .body").Each(func(_ int, e *goquery.Selection) { bodies[e.Text()] = true })
	for _, h := range hostile[:4] {
		h = strings.ReplaceAll(h, mq.SeqPlaceholder, "1") // bodies are numbered; headers are not
		if !bodies[h] {
			t.Errorf("the page does not show %q as text", h)
		}
	}
}

// In Chromium, the live page renders every hostile string as text: a hook
// set before the page loads fails the test on any alert, on any element
// the page is not made of, and on any event-handler attribute.
func TestHostileStringsRenderInertInTheBrowser(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	const hook = `
window.__pwned = 0; window.__injected = [];
for (const f of ["alert", "confirm", "prompt"]) window[f] = () => { window.__pwned++; };
const allowed = new Set(%q.split(" "));
const check = (n) => {
  if (n.nodeType !== 1) return;
  for (const e of [n, ...n.querySelectorAll("*")]) {
    if (!allowed.has(e.tagName)) window.__injected.push("<" + e.tagName + ">");
    for (const a of e.attributes) {
      if (a.name.startsWith("on") || a.value.trim().toLowerCase().startsWith("javascript:")) window.__injected.push(e.tagName + " " + a.name + "=" + a.value);
    }
  }
};
new MutationObserver((ms) => { for (const m of ms) { m.addedNodes.forEach(check); if (m.type === "attributes") check(m.target); } })
  .observe(document, { childList: true, subtree: true, attributes: true });
`
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(hook, allowedTags)}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	want := stageHostile(t, s)
	if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](fmt.Sprintf(`document.querySelectorAll(".card").length === %d`, want))); err != nil {
		t.Fatalf("the cards did not all appear: %v", err)
	}
	// Open the details of every card so nothing stays unrendered.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll("details").forEach(d => d.open = true); true`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	injected, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__injected`))
	if err != nil || len(injected) != 0 {
		t.Fatalf("data became markup: %v (%v)", injected, err)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__pwned`))
	if err != nil || pwned != 0 {
		t.Fatalf("a hostile string ran script %d times (%v)", pwned, err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".card .body")].map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hostile[:4] {
		h = strings.ReplaceAll(h, mq.SeqPlaceholder, "1")
		found := 0
		for _, b := range shown {
			if b == h {
				found++
			}
		}
		if found != len(hostileNames) {
			t.Errorf("%q shown as text %d times, want %d", h, found, len(hostileNames))
		}
	}
	names, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".receiver h3")].map(e => e.textContent)`))
	if len(names) != 2 || names[0] != hostile[0] || names[1] != hostile[1] {
		t.Errorf("receiver names shown as %q", names)
	}
}
