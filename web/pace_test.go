package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/chromedp/chromedp"
)

// received sums what rabbitboard's receivers on queue were given and acked.
func (s *stack) received(t *testing.T, queue string) (received, acked int64) {
	t.Helper()
	var list []board.ReceiverInfo
	s.mustCall(t, "GET", "/api/receivers", nil, http.StatusOK, &list)
	for _, r := range list {
		if r.Queue == queue {
			received += r.Received
			acked += r.Acked
		}
	}
	return received, acked
}

// ready is how many messages wait in the queue on the broker.
func (s *stack) ready(t *testing.T, queue string) int {
	t.Helper()
	var q board.QueueInfo
	s.mustCall(t, "GET", "/api/queues/"+queue, nil, http.StatusOK, &q)
	return q.Messages
}

// The work-queue lesson at pace 0.25: the broker gives the workers one
// message at a time at the pace (the rest wait in the queue), holding (pace
// 0) lets nothing through, Step exactly one, and full speed finishes the
// rest. Every viewer is told which pace is on.
func TestPaceWorkQueue(t *testing.T) {
	s := startStack(t, Limits{})
	t.Cleanup(func() {
		s.call(t, "POST", "/api/pace", map[string]any{"pace": 1}, nil)
		s.call(t, "POST", "/api/presets/work-queue/reset", nil, nil)
	})
	s.mustCall(t, "POST", "/api/presets/work-queue", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/pace/step", nil, http.StatusConflict, nil)
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 2}, http.StatusBadRequest, nil)
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// Work already in hand when the pace changes is finished as it was;
	// the counts below are of what is published after.
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Earlier {{seq}}...", "count": 4}, http.StatusOK, nil)
	time.Sleep(time.Second)
	base, _ := s.received(t, "task_queue")
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 0.25}, http.StatusOK, nil)
	said := `document.querySelector("#pace .pace-said").hidden ? "" : document.querySelector("#pace .pace-said").textContent + " | " + document.querySelector("#pace button[aria-pressed=true]").textContent`
	want := "Slow motion at 0.25x: rabbitboard's receivers take one message at a time, and the broker keeps the rest in the queue. | 0.25x"
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](said+` === "`+want+`"`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](said))
		t.Fatalf("the page says %q, want %q", got, want)
	}
	start := time.Now()
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "task_queue", "body": "Task {{seq}}.", "count": 6}, http.StatusOK, nil)
	// One message every 2 s at 0.25: at 1 s at most one was given out, at
	// 2.5 s at most two; the broker keeps the rest (each worker is sent
	// at most one it has not acked).
	time.Sleep(time.Until(start.Add(time.Second)))
	if got, _ := s.received(t, "task_queue"); got-base > 1 {
		t.Fatalf("at 1 s the workers were given %d messages, want at most 1 at pace 0.25", got-base)
	}
	if ready := s.ready(t, "task_queue"); ready < 4 {
		// Seen once in CI and never since: say who held the messages.
		var q board.QueueInfo
		var rs []board.ReceiverInfo
		s.call(t, "GET", "/api/queues/task_queue", nil, &q)
		s.call(t, "GET", "/api/receivers", nil, &rs)
		t.Fatalf("at 1 s the broker holds %d ready messages, want at least 4; the queue has %d consumers, the receivers are %+v", ready, q.Consumers, rs)
	}
	time.Sleep(time.Until(start.Add(2500 * time.Millisecond)))
	if got, _ := s.received(t, "task_queue"); got-base > 2 {
		t.Fatalf("at 2.5 s the workers were given %d messages, want at most 2 at pace 0.25", got-base)
	}
	deadline := time.Now().Add(10 * time.Second)
	for got, _ := s.received(t, "task_queue"); got-base < 1; got, _ = s.received(t, "task_queue") {
		if time.Now().After(deadline) {
			t.Fatal("no message was given out at pace 0.25")
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Held: nothing more; a step lets exactly one through.
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 0}, http.StatusOK, nil)
	time.Sleep(time.Second) // a turn handed out just before may still land
	held, _ := s.received(t, "task_queue")
	time.Sleep(2500 * time.Millisecond)
	if got, _ := s.received(t, "task_queue"); got != held {
		t.Fatalf("held, the workers were given %d messages, then %d", held, got)
	}
	s.mustCall(t, "POST", "/api/pace/step", nil, http.StatusOK, nil)
	deadline = time.Now().Add(5 * time.Second)
	for got, _ := s.received(t, "task_queue"); got != held+1; got, _ = s.received(t, "task_queue") {
		if time.Now().After(deadline) || got > held+1 {
			t.Fatalf("a step gave the workers %d messages, want exactly 1", got-held)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	if got, _ := s.received(t, "task_queue"); got != held+1 {
		t.Fatalf("a step gave the workers %d messages, want exactly 1", got-held)
	}

	// Full speed finishes the rest, every one acked.
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 1}, http.StatusOK, nil)
	deadline = time.Now().Add(15 * time.Second)
	for {
		got, acked := s.received(t, "task_queue")
		if got-base == 6 && acked == got {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("at full speed the workers got %d of 6, %d of all they got unacked", got-base, got-acked)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`document.querySelector("#pace .pace-said").hidden && document.querySelector("#pace button[aria-pressed=true]").textContent === "1x"`)); err != nil {
		t.Fatalf("the page still says slow motion at full speed: %v", err)
	}
	// The presenter's keys: h holds, h again is full speed.
	for _, want := range []float64{0, 1} {
		if err := chromedp.Do(within(ctx, 5*time.Second), chromedp.KeyEvent("h")); err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(5 * time.Second)
		for {
			var got struct{ Pace float64 }
			s.mustCall(t, "GET", "/api/pace", nil, http.StatusOK, &got)
			if got.Pace == want {
				break
			}
			if time.Now().After(deadline) {
				flash, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("flash").textContent`))
				t.Fatalf("after h the pace is %v, want %v (the page says %q)", got.Pace, want, flash)
			}
			time.Sleep(50 * time.Millisecond)
		}
		pressed := fmt.Sprintf(`document.querySelector("#pace button[aria-pressed=true]").dataset.pace === "%v"`, want)
		if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](pressed)); err != nil {
			t.Fatalf("the page does not show pace %v as on: %v", want, err)
		}
	}
}

// An auto-ack receiver, held, is sent one message and acks it itself when
// its turn comes: the broker keeps the rest and nothing stays unacked.
func TestPaceAutoAck(t *testing.T) {
	s := startStack(t, Limits{})
	t.Cleanup(func() { s.call(t, "POST", "/api/pace", map[string]any{"pace": 1}, nil) })
	q := s.queue(t, board.QueueSpec{})
	s.receiver(t, board.ReceiverSpec{Queue: q, Name: "auto", Ack: board.AckAuto})
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 0}, http.StatusOK, nil)
	time.Sleep(500 * time.Millisecond) // it consumes again, sent one at a time
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "m{{seq}}", "count": 3}, http.StatusOK, nil)
	time.Sleep(1500 * time.Millisecond)
	if got, _ := s.received(t, q); got != 0 {
		t.Fatalf("held, the receiver was given %d messages", got)
	}
	if ready := s.ready(t, q); ready != 2 {
		t.Fatalf("held, the broker has %d ready messages, want 2 (and one sent, waiting for its turn)", ready)
	}
	s.mustCall(t, "POST", "/api/pace/step", nil, http.StatusOK, nil)
	deadline := time.Now().Add(5 * time.Second)
	for got, acked := s.received(t, q); got != 1 || acked != 1; got, acked = s.received(t, q) {
		if time.Now().After(deadline) {
			t.Fatalf("a step gave %d and acked %d, want 1 and 1", got, acked)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.mustCall(t, "POST", "/api/pace", map[string]any{"pace": 1}, http.StatusOK, nil)
	deadline = time.Now().Add(5 * time.Second)
	for got, _ := s.received(t, q); got != 3; got, _ = s.received(t, q) {
		if time.Now().After(deadline) {
			t.Fatalf("at full speed the receiver got %d of 3", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if ready := s.ready(t, q); ready != 0 {
		t.Fatalf("%d messages are left in the queue", ready)
	}
}
