package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/chromedp/chromedp"
)

// Publish again on a card fills the publish form with the message as it
// was delivered; sent as it is, the second delivery has the same exchange,
// key, body, properties and headers.
func TestBrowserPublishAgain(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker", Ack: board.AckAuto})
	v := s.viewer(t)
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{
		"routing_key": q, "body": "Task 7...", "persistent": true,
		"properties": map[string]any{"content_type": "text/plain", "message_id": "task-7", "correlation_id": "c-7", "type": "task", "app_id": "new_task.py", "priority": 3},
		"headers":    map[string]any{"x-lesson": "work queue", "x-try": "first"},
	}, http.StatusOK, nil)
	card := fmt.Sprintf(`[data-receiver=%q] .card`, r.ID)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.querySelectorAll(`+fmt.Sprintf("%q", card)+`).length === 1`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(card+" button.again"))); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#flash").textContent`))
	if err != nil || flash != "The form holds message #1 of worker: change what you like, then Publish." {
		t.Fatalf("the flash says %q (%v)", flash, err)
	}
	if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.Click(chromedp.CSS(`form[action="/api/publish"] button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	var deliveries []map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for len(deliveries) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries, want the message and its copy", len(deliveries))
		}
		time.Sleep(50 * time.Millisecond)
		deliveries = v.of("delivery", r.ID)
	}
	same := func(d map[string]any) string {
		return fmt.Sprintf("%v|%v|%v|%v|%v", d["exchange"], d["routing_key"], d["body"], d["properties"], d["headers"])
	}
	if same(deliveries[0]) != same(deliveries[1]) {
		t.Fatalf("published again as\n%s, want\n%s", same(deliveries[1]), same(deliveries[0]))
	}
	props := deliveries[0]["properties"].(map[string]any)
	if props["message_id"] != "task-7" || props["delivery_mode"] != float64(2) || deliveries[0]["headers"].(map[string]any)["x-try"] != "first" {
		t.Fatalf("the first delivery lacks what was published: %v", deliveries[0])
	}
}
