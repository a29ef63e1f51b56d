package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The theme switch goes through auto, light, dark and high contrast with
// the key t, without a reload, and a reload keeps the choice; ? lists the
// shortcuts and Esc closes the list; s toggles the stage view; p publishes
// the form's message again; a key typed into a field is just typed.
func TestBrowserThemeAndShortcuts(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?theme=auto&lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	read := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	press := func(key string) {
		t.Helper()
		if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.KeyEvent(key)); err != nil {
			t.Fatal(err)
		}
	}
	const theme = `document.documentElement.dataset.theme + " | " + document.querySelector("#theme-switch button").textContent + " | " + getComputedStyle(document.body).backgroundColor`
	for _, want := range []string{
		"light | Theme: light | rgb(246, 247, 249)",
		"dark | Theme: dark | rgb(16, 20, 27)",
		"contrast | Theme: high contrast | rgb(255, 255, 255)",
		"auto | Theme: as the system | rgb(246, 247, 249)",
		"light | Theme: light | rgb(246, 247, 249)",
		"dark | Theme: dark | rgb(16, 20, 27)",
	} {
		press("t")
		if got := read(theme); got != want {
			t.Fatalf("after t: %q, want %q", got, want)
		}
	}
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if got := read(theme); got != "dark | Theme: dark | rgb(16, 20, 27)" {
		t.Fatalf("after a reload: %q, want the dark theme kept", got)
	}

	press("?")
	if got := read(`document.getElementById("shortcuts").hidden + " " + [...document.querySelectorAll("#shortcuts dt")].map((e) => e.textContent).join("")`); got != "false ?pwstlh.← →" {
		t.Fatalf("? shows %q, want the visible list ?pwstlh.← →", got)
	}
	press(kb.Escape)
	if got := read(`String(document.getElementById("shortcuts").hidden)`); got != "true" {
		t.Fatalf("Esc left the list shown")
	}

	press("s")
	if got := read(`document.body.classList.contains("stage") + " " + location.search`); got != "true ?view=stage" {
		t.Fatalf("s gives %q, want the stage view", got)
	}
	press("s")
	if got := read(`String(document.body.classList.contains("stage"))`); got != "false" {
		t.Fatalf("s again leaves the stage view on: %q", got)
	}

	// Typed into the routing key field, t and s are letters.
	read(`document.querySelector('form[action="/api/publish"] input[name=routing_key]').value = ""`)
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.SendKeys(chromedp.CSS(`form[action="/api/publish"] input[name=routing_key]`), q)); err != nil {
		t.Fatal(err)
	}
	if got := read(`document.documentElement.dataset.theme + " " + document.body.classList.contains("stage") + " " + document.querySelector('form[action="/api/publish"] input[name=routing_key]').value`); got != "dark false "+q {
		t.Fatalf("typing %q into a field gives %q", q, got)
	}
	read(`document.activeElement.blur(), ""`)
	press("p")
	var depth board.QueueInfo
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		s.mustCall(t, "GET", "/api/queues/"+q, nil, http.StatusOK, &depth)
		if depth.Messages == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if depth.Messages != 1 {
		t.Fatalf("p published %d messages to %s, want 1", depth.Messages, q)
	}
	press("p")
	want := fmt.Sprintf("Published 1 to the default exchange with key '%s': 1 confirmed, to %s.", q, q)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](fmt.Sprintf(`document.querySelector("#lesson [data-f=activity]").textContent === %q`, want))); err != nil {
		t.Fatalf("the lesson bar does not say %q: %s", want, read(`document.querySelector("#lesson [data-f=activity]").textContent`))
	}
}
