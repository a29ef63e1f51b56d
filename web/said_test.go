package web

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
	"rabbitboard/words"
)

// Sentences that events carry reach the Korean page in Korean, said by the
// server's catalogue (particles and all): a receiver's reason for waiting
// and a returned message's flash.
func TestBrowserEventSentencesInKorean(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "waiting worker", Ack: board.AckAuto})
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=ko"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	// The queue goes under the receiver: it waits, and says why.
	ch := testkit.Channel(t)
	if _, err := ch.QueueDelete(q, false, false, false); err != nil {
		t.Fatal(err)
	}
	var said words.Said
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var list []board.ReceiverInfo
		s.mustCall(t, "GET", "/api/receivers", nil, http.StatusOK, &list)
		for _, info := range list {
			if info.ID == r.ID && info.State == board.StateWaiting && info.ErrorSaid != nil {
				said = info.ErrorSaid
			}
		}
		if said != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	hangul := regexp.MustCompile(`\p{Hangul}`)
	if said == nil || !hangul.MatchString(said[words.Korean]) || said[words.English] == said[words.Korean] {
		t.Fatalf("the waiting receiver's reason in both languages: %q", said)
	}
	why := fmt.Sprintf(`document.querySelector('[data-receiver=%q] .why').textContent`, r.ID)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](why+fmt.Sprintf(` === %q`, said[words.Korean]))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](why))
		t.Fatalf("the Korean page says %q, want %q", got, said[words.Korean])
	}
	// A mandatory message no queue takes comes back: the flash says why in
	// Korean.
	key := "nobody-" + q
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": key, "body": "lost", "mandatory": true}, http.StatusOK, nil)
	want := words.Korean.T("flash.returned", "message", words.Say("done.returned_default", "key", key))
	flash := `[...document.querySelectorAll("#flash .flash")].map((e) => e.textContent).join(" | ")`
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](flash+fmt.Sprintf(`.includes(%q)`, want))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](flash))
		t.Fatalf("the flash says %q, want %q", got, want)
	}
}
