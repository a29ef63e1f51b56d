package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
	"rabbitboard/words"
)

// Each lesson, set up and published from the page in Chromium, shows
// what its text promises; Reset takes away what it made.
func TestBrowserLessons(t *testing.T) {
	s := startStack(t, Limits{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// cards counts the cards in the column of the receiver with that name.
	cards := func(name string) int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(
			`[...document.querySelectorAll("article.receiver")].filter(c => c.querySelector("h3").textContent === %q).map(c => c.querySelectorAll(".card").length)[0] ?? -1`, name)))
		if err != nil {
			return -2
		}
		return n
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	publish := func() {
		t.Helper()
		before, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#flash").textContent`))
		click(publishForm + ` button[type="submit"]`)
		js := fmt.Sprintf(`document.querySelector("#flash").textContent !== %q && document.querySelector("#flash").textContent.startsWith("Published")`, before)
		if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](js)); err != nil {
			t.Fatalf("no publish outcome: %v", err)
		}
	}
	for _, tc := range []struct {
		lesson string
		// expect is what to wait for after the suggested publish: cards per
		// receiver name, at least.
		expect map[string]int
		check  func(t *testing.T)
	}{
		{"hello", map[string]int{"receiver": 1}, nil},
		{"work-queue", map[string]int{"worker A": 3, "worker B": 3}, nil},
		{"fair-dispatch", map[string]int{"fast worker": 8}, func(t *testing.T) {
			if n := cards("slow worker"); n > 2 {
				t.Errorf("the slow worker took %d of 10", n)
			}
		}},
		{"pubsub", map[string]int{"to the screen": 2, "to disk": 2}, nil},
		{"routing", map[string]int{"error log": 1, "every log": 1}, nil},
		{"topics", map[string]int{"Q1 *.orange.*": 1, "Q2 *.*.rabbit, lazy.#": 1}, nil},
		{"dead-letter", map[string]int{"dead letters": 1}, nil},
		{"durability", nil, func(t *testing.T) { durabilityLesson(t, s, ctx) }},
	} {
		t.Run(tc.lesson, func(t *testing.T) {
			p, _ := findLesson(tc.lesson)
			click(fmt.Sprintf(`[data-lesson=%q] summary`, tc.lesson))
			click(fmt.Sprintf(`[data-lesson=%q] button.run`, tc.lesson))
			if _, err := chromedp.Run(within(ctx, 10*time.Second), chromedp.Poll[bool](`document.querySelector("#flash").textContent.includes("is ready")`)); err != nil {
				t.Fatalf("the lesson did not say it was ready: %v", err)
			}
			key, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(publishForm+` [name="routing_key"]`)))
			if key != p.Try.RoutingKey {
				t.Fatalf("the publish form has key %q, want %q", key, p.Try.RoutingKey)
			}
			publish()
			for name, n := range tc.expect {
				deadline := time.Now().Add(10 * time.Second)
				for cards(name) < n {
					if time.Now().After(deadline) {
						t.Fatalf("%s shows %d cards, want %d: %s", name, cards(name), n, p.Watch)
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			if tc.check != nil {
				tc.check(t)
			}
			click(fmt.Sprintf(`[data-lesson=%q] button.reset`, tc.lesson))
			testkit.WaitFor(t, 10*time.Second, "the reset", func() bool {
				for _, r := range p.Receivers {
					if cards(r.Name) != -1 {
						return false
					}
				}
				for _, q := range p.Queues {
					if _, err := s.broker.InspectQueue(q.Name); err == nil {
						return false
					}
				}
				return true
			})
			_ = s.broker.DeleteQueue("transient_queue")
		})
	}
}

// durabilityLesson publishes to the transient queue too, restarts the
// broker, and reads the survival table the lesson points to.
func durabilityLesson(t *testing.T, s *stack, ctx context.Context) {
	if err := chromedp.Do(within(ctx, 5*time.Second),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="routing_key"]`), "transient_queue"),
		chromedp.SetValue(chromedp.CSS(publishForm+` [name="count"]`), "2"),
		chromedp.Click(chromedp.CSS(publishForm+` button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the queues to fill", func() bool {
		d, err1 := s.broker.InspectQueue("durable_queue")
		tq, err2 := s.broker.InspectQueue("transient_queue")
		return err1 == nil && err2 == nil && d.Messages == 3 && tq.Messages == 2
	})
	time.Sleep(500 * time.Millisecond) // one queue poll, the "before" of the survival table
	testkit.RestartBroker(t)
	// Reconnecting and the first poll after it can take a while on a
	// loaded machine (the suite runs with the race detector).
	if _, err := chromedp.Run(within(ctx, 30*time.Second), chromedp.Poll[bool](`!document.querySelector("#survival").hidden && document.querySelector("#survival tbody").textContent.includes("transient_queue")`)); err != nil {
		t.Fatalf("no survival table: %v", err)
	}
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#survival tbody tr")].map(r => r.textContent)`))
	want := map[string]string{
		"durable_queue":   "kept all 3: durable queue, persistent messages",
		"transient_queue": "lost in the restart: the queue was not durable, 2 messages went with it",
	}
	for q, verdict := range want {
		found := false
		for _, r := range rows {
			found = found || (strings.HasPrefix(r, q) && strings.Contains(r, verdict))
		}
		if !found {
			t.Errorf("the survival table %q lacks %s: %s", rows, q, verdict)
		}
	}
}

// The quorum queue's lesson is offered only when rabbitboard is given a
// cluster's nodes; it then sets up as the others do.
func TestClusterLessonOffered(t *testing.T) {
	names := func(s *stack) []string {
		var ps []Lesson
		s.mustCall(t, "GET", "/api/presets", nil, 200, &ps)
		var out []string
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	if got := names(startStack(t, Limits{})); slices.Contains(got, "quorum-failover") || len(got) != len(Lessons)-1 {
		t.Fatalf("one node offers %v", got)
	}
	two := startStackWith(t, options{amqpURL: testkit.AMQPURL() + ",amqp://guest:guest@localhost:5672/"})
	if got := names(two); !slices.Contains(got, "quorum-failover") {
		t.Fatalf("a cluster offers %v", got)
	}
	two.mustCall(t, "POST", "/api/presets/quorum-failover", nil, 200, nil)
	t.Cleanup(func() { two.call(t, "POST", "/api/presets/quorum-failover/reset", nil, nil) })
	var q board.QueueInfo
	two.mustCall(t, "GET", "/api/queues/quorum_tasks", nil, 200, &q)
	if q.Consumers != 1 {
		t.Fatalf("quorum_tasks %+v, want its worker", q)
	}
	two.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "quorum_tasks", "body": "Task {{seq}}", "count": 100, "persistent": true}, 200, nil)
}

// A lesson event says its title and what to watch in every language of
// the page, from the catalogue, so the page chooses no words itself.
func TestLessonSaidInEveryLanguage(t *testing.T) {
	p, err := findLesson("work-queue")
	if err != nil {
		t.Fatal(err)
	}
	l := lessonOf(p)
	for _, lang := range words.Langs {
		if l.TitleSaid[lang] != (words.LessonText{Name: p.Name, What: "title", English: p.Title}).In(lang) || l.TitleSaid[lang] == "" {
			t.Errorf("%s: title said %q", lang, l.TitleSaid[lang])
		}
		if l.WatchSaid[lang] != (words.LessonText{Name: p.Name, What: "watch", English: p.Watch}).In(lang) || l.WatchSaid[lang] == "" {
			t.Errorf("%s: watch said %q", lang, l.WatchSaid[lang])
		}
	}
	if l.TitleSaid[words.English] != p.Title || l.TitleSaid[words.Korean] == p.Title {
		t.Errorf("title said %v, want the lesson's English and the catalogue's Korean", l.TitleSaid)
	}
}
