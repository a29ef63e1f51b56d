package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// Another program's exclusive, server-named queue (as the tutorials'
// RPC client and log receivers declare it) is marked in the list and the
// diagram, offers no purge or delete (the broker would refuse them), and
// its long name is cut short in its box without hiding its ready count.
func TestBrowserExclusiveQueue(t *testing.T) {
	s := startStackWith(t, options{management: true})
	ch := testkit.Channel(t)
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Publish("", q.Name, false, false, amqp.Publishing{Body: []byte("waiting")}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`document.querySelector('#queues tr[data-queue=%q]')`, q.Name)
	// The queue list comes from the management API, read every few seconds.
	if _, err := chromedp.Run(within(ctx, 15*time.Second), chromedp.Poll[bool](row+`?.querySelector("[data-f=messages]").textContent === "1"`)); err != nil {
		t.Fatalf("%s is not listed with its message: %v", q.Name, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const r = `+row+`;
		const box = [...document.querySelectorAll("#diagram g.queue")].find((g) => g.querySelector("title").textContent.startsWith(`+fmt.Sprintf("%q", q.Name)+`));
		return [!r.querySelector("[data-show=exclusive]").hidden, !r.querySelector("[data-show=auto_delete]").hidden,
			[...r.querySelectorAll("form")].filter((f) => !f.hidden && f.action.includes("/api/queues/")).length,
			box.classList.contains("exclusive"), box.querySelector("text.name").textContent.replace(/^amq\.gen-\S*… ⊘$/, "amq.gen-… ⊘"), box.querySelector("text.count").textContent, box.querySelector("title").textContent].join(" | ") })()`))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("true | true | 0 | true | amq.gen-… ⊘ | 1 ready | %s (exclusive to the program that declared it, deleted when its last consumer leaves): 1 ready, 0 consumers", q.Name)
	if got != want {
		t.Fatalf("the exclusive queue shows\n%q, want\n%q", got, want)
	}
}

// While rabbitboard does not observe other programs, a program consuming
// from a queue (a tutorial's worker) is noticed: the page names the queue
// and offers to observe; the notice goes when the program does.
func TestBrowserNoticesAnUnobservedProgram(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	s.receiver(t, board.ReceiverSpec{Queue: q, Name: "own worker", Ack: board.AckAuto})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	const notice = `(document.getElementById("noticed").hidden ? "" : document.querySelector("#noticed [data-f=text]").textContent + " | " + document.querySelector("#noticed button").textContent)`
	time.Sleep(500 * time.Millisecond) // two polls of the queue's consumers
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](notice)); got != "" {
		t.Fatalf("rabbitboard's own receiver is noticed as another program: %q", got)
	}
	ch := testkit.Channel(t)
	if _, err := ch.Consume(q, "worker.py", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("Another program consumes from %s: its messages do not show here until rabbitboard observes other programs. | Observe other programs", q)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](notice+fmt.Sprintf(` === %q`, want))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](notice))
		t.Fatalf("the notice says %q, want %q", got, want)
	}
	if err := ch.Cancel("worker.py", false); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](notice+` === ""`)); err != nil {
		t.Fatalf("the notice stays after the program left: %v", err)
	}
}

// While rabbitboard does not observe, a program publishing into a queue (a
// tutorial's new_task.py) is noticed too, from the broker's count of
// publishes into the queue against rabbitboard's own; rabbitboard's own
// publishes, made at the same time, are never taken for another's.
func TestBrowserNoticesAnUnobservedPublisher(t *testing.T) {
	s := startStackWith(t, options{management: true})
	own, other := s.queue(t, board.QueueSpec{}), s.queue(t, board.QueueSpec{})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": own, "body": "from rabbitboard", "count": 5}, http.StatusOK, nil)
	ch := testkit.Channel(t)
	for range 3 {
		if err := ch.Publish("", other, false, false, amqp.Publishing{Body: []byte("from new_task.py")}); err != nil {
			t.Fatal(err)
		}
	}
	const notice = `(document.getElementById("noticed").hidden ? "" : document.querySelector("#noticed [data-f=text]").textContent + " | " + document.querySelector("#noticed button").textContent)`
	want := fmt.Sprintf("Messages not from rabbitboard arrived in %s: another program publishes there. They show here only while rabbitboard observes other programs. | Observe other programs", other)
	// The management API counts publishes every 5 s; the page says so
	// once the difference has stood for 10 s.
	if _, err := chromedp.Run(within(ctx, 30*time.Second), chromedp.Poll[bool](notice+fmt.Sprintf(` === %q`, want), chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](notice))
		t.Fatalf("the notice says %q, want %q", got, want)
	}
}
