package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/internal/testkit"
	"rabbitboard/mq"
)

// cardLog records, in a page, every card the receivers' columns get and
// when (performance.now(), ms): receiver, seq and body.
const cardLog = `window.cardLog = [];
new MutationObserver((ms) => {
  for (const m of ms) for (const n of m.addedNodes) {
    if (!n.matches || !n.matches("li.card")) continue;
    window.cardLog.push({ receiver: n.closest("article").dataset.receiver, seq: n.dataset.seq, body: n.querySelector(".body").textContent, t: performance.now() });
  }
}).observe(document.getElementById("receivers"), { childList: true, subtree: true });
true`

// columnsShown is what a page's columns show: each receiver's name,
// counts and cards, in order.
const columnsShown = `JSON.stringify([...document.querySelectorAll("#receivers article.receiver")].map((a) => ({
  receiver: a.dataset.receiver,
  head: a.querySelector("header").textContent.replace(/\s+/g, " ").trim(),
  cards: [...a.querySelectorAll("li.card")].map((c) => c.dataset.seq + ":" + c.querySelector(".body").textContent + ":" + c.className),
})))`

type loggedCard struct {
	Receiver, Seq, Body string
	T                   float64
}

// timelineDeliveries are the delivery events the timeline kept, in order,
// with the time each was kept.
func timelineDeliveries(t *testing.T, s *stack) (bodies []string, at []time.Time) {
	t.Helper()
	resp, err := http.Get(s.url + "/api/timeline")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			At    time.Time `json:"at"`
			Event struct {
				Type board.EventType `json:"type"`
				Body string          `json:"body"`
			} `json:"event"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Event.Type == board.TypeDelivery {
			bodies, at = append(bodies, line.Event.Body), append(at, line.At)
		}
	}
	return bodies, at
}

// exported is the timeline as the page downloads it, once it holds n
// deliveries.
func exported(t *testing.T, s *stack, n int) []byte {
	t.Helper()
	testkit.WaitFor(t, 5*time.Second, fmt.Sprint(n, " deliveries kept"), func() bool {
		bodies, _ := timelineDeliveries(t, s)
		return len(bodies) == n
	})
	resp, err := http.Get(s.url + "/api/timeline?download=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The presenter replays the last 30 s at 0.5x: a second viewer's page
// shows the same cards in the same order, each at its stretched time
// (within 100 ms), under a banner that says it is a replay; what happens
// meanwhile is not shown in the replay, and Live shows exactly what a
// freshly opened page shows, the messages of meanwhile included.
func TestBrowserReplay(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{Name: "rb-replay"})
	for _, name := range []string{"left", "right"} {
		r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: name, Ack: board.AckAuto})
		t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+r.ID, nil, nil) })
	}
	s.mustCall(t, "POST", "/api/replay/step", nil, http.StatusConflict, nil)
	s.mustCall(t, "POST", "/api/replay", map[string]any{"last": 30, "speed": 2}, http.StatusBadRequest, nil)
	s.mustCall(t, "POST", "/api/replay", map[string]any{"last": 30, "from": time.Now().Format(time.RFC3339)}, http.StatusBadRequest, nil)

	// Six messages, unevenly spaced, so that the stretched gaps differ.
	gaps := []time.Duration{0, 150, 400, 250, 600, 300}
	for i, gap := range gaps {
		time.Sleep(gap * time.Millisecond)
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": fmt.Sprintf("Replayed %d", i+1)}, http.StatusOK, nil)
	}
	testkit.WaitFor(t, 5*time.Second, "six deliveries kept", func() bool {
		bodies, _ := timelineDeliveries(t, s)
		return len(bodies) == 6
	})
	bodies, at := timelineDeliveries(t, s)

	ctx := tab(t, browser(t))
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cardLog)); err != nil {
		t.Fatal(err)
	}
	var ev ReplayEvent
	s.mustCall(t, "POST", "/api/replay", map[string]any{"last": 30, "speed": 0.5}, http.StatusOK, &ev)
	if ev.State != ShowReplay || ev.Total < 6 || ev.Speed != 0.5 {
		t.Fatalf("replay answered %+v, want a replay of at least 6 events at 0.5x", ev)
	}
	banner := `(document.querySelector("#replay .replay-said").hidden ? "" : document.querySelector("#replay .replay-said").textContent)`
	if _, err := chromedp.Run(within(ctx, 3*time.Second), chromedp.Poll[bool](banner+`.startsWith("Replay, ")`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](banner))
		t.Fatalf("the banner says %q, want it to say Replay", got)
	}
	// Meanwhile, two messages arrive live.
	for i := range 2 {
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": fmt.Sprintf("Live %d", i+1)}, http.StatusOK, nil)
	}
	testkit.WaitFor(t, 15*time.Second, "the replay's end", func() bool {
		var now ReplayEvent
		s.mustCall(t, "GET", "/api/replay", nil, http.StatusOK, &now)
		return now.Ended
	})
	if _, err := chromedp.Run(within(ctx, 3*time.Second), chromedp.Poll[bool](`window.cardLog.length >= 6`)); err != nil {
		t.Fatal("the page did not show six cards of the replay")
	}
	logged, err := chromedp.Run(ctx, chromedp.Evaluate[[]loggedCard](`window.cardLog`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range logged {
		got = append(got, c.Body)
	}
	if strings.Join(got, "|") != strings.Join(bodies, "|") {
		t.Fatalf("the replay showed %q, want %q in that order", got, bodies)
	}
	for i := 1; i < len(logged); i++ {
		want := float64(at[i].Sub(at[0]).Milliseconds()) / 0.5
		t.Logf("card %d: %.0f ms, want %.0f", i, logged[i].T-logged[0].T, want)
		if shown := logged[i].T - logged[0].T; shown < want-100 || shown > want+100 {
			t.Errorf("card %q showed %.0f ms after the first, want %.0f ms (twice its %v) within 100 ms", logged[i].Body, shown, want, at[i].Sub(at[0]))
		}
	}
	if t.Failed() {
		return
	}
	ended := banner + `.startsWith("Replay, ") && ` + banner + `.endsWith("the end of the stretch.")`
	if _, err := chromedp.Run(within(ctx, 3*time.Second), chromedp.Poll[bool](ended)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](banner))
		t.Fatalf("at the end the banner says %q", got)
	}

	s.mustCall(t, "POST", "/api/replay/live", nil, http.StatusOK, nil)
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](banner+` === "" && document.querySelectorAll("#receivers li.card").length === 8`)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](columnsShown))
		said, _ := chromedp.Run(ctx, chromedp.Evaluate[string](banner))
		t.Fatalf("live again, the page says %q and shows %s, want no banner and the 8 messages", said, got)
	}
	live, err := chromedp.Run(ctx, chromedp.Evaluate[string](columnsShown))
	if err != nil {
		t.Fatal(err)
	}
	fresh := tab(t, ctx)
	if err := chromedp.Do(within(fresh, 10*time.Second), chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	want, err := chromedp.Run(fresh, chromedp.Evaluate[string](columnsShown))
	if err != nil {
		t.Fatal(err)
	}
	if live != want || !strings.Contains(live, "Live 2") {
		t.Fatalf("live again, the page shows\n%s\nand a fresh page\n%s", live, want)
	}
}

// recorder is a Viewers that keeps what was broadcast.
type recorder struct {
	Viewers
	events [][]byte
}

func (r *recorder) Broadcast(event []byte) { r.events = append(r.events, bytes.Clone(event)) }

// Stepping through a replay shows one event more or one fewer each time;
// back starts the stretch again and shows all but the last at once.
func TestReplaySteps(t *testing.T) {
	rec := &recorder{}
	p := newReplayer(rec)
	start := time.Now()
	var entries []timelineEntry
	for i := range 3 {
		data, _ := json.Marshal(board.DeliveryEvent{Type: board.TypeDelivery, Receiver: "r1", Queue: "q", Seq: int64(i + 1), Content: board.Content{Body: fmt.Sprint("m", i+1)}})
		entries = append(entries, timelineEntry{seq: int64(i + 1), at: start.Add(time.Duration(i) * time.Second), data: data})
	}
	p.start(entries, start, time.Time{}, 0, "", nil)
	types := func() (out []string) {
		for _, e := range rec.events {
			var ev struct {
				Type  string `json:"type"`
				Reset bool   `json:"reset"`
				Shown int    `json:"shown"`
				Event struct {
					Body string `json:"body"`
				} `json:"event"`
			}
			_ = json.Unmarshal(e, &ev)
			switch {
			case ev.Type == "replayed":
				out = append(out, ev.Event.Body)
			case ev.Reset:
				out = append(out, "reset")
			default:
				out = append(out, fmt.Sprint("shown ", ev.Shown))
			}
		}
		rec.events = nil
		return out
	}
	if got := strings.Join(types(), ","); got != "reset" {
		t.Fatalf("a replay step by step starts with %q, want only the reset", got)
	}
	for _, by := range []int{1, 1, 1, 1} {
		p.step(by)
	}
	if got := strings.Join(types(), ","); got != "m1,shown 1,m2,shown 2,m3,shown 3,shown 3" {
		t.Fatalf("four steps on sent %q", got)
	}
	if ev, _ := p.step(-1); !strings.HasPrefix(strings.Join(types(), ","), "reset,m1,m2,shown 2") || ev.Shown != 2 || ev.Ended {
		t.Fatalf("a step back gave %+v", ev)
	}
	if !p.stop() || p.stop() || p.status() != nil {
		t.Fatal("stop did not end the replay once")
	}
	if _, ok := p.step(1); ok {
		t.Fatal("a step with no replay on was taken")
	}
}

// The columns of a replay are the receivers as the stretch first names
// them: as they are now, as the stretch says later, or from a delivery.
func TestReplayColumns(t *testing.T) {
	later, _ := json.Marshal(board.ReceiverInfo{ID: "r2", ReceiverSpec: board.ReceiverSpec{Name: "B", Queue: "q"}})
	kinds := []replayedKind{
		{Type: board.TypeDelivery, Receiver: json.RawMessage(`"r1"`), Queue: "q"},
		{Type: board.TypeDelivery, Receiver: json.RawMessage(`"r2"`), Queue: "q"},
		{Type: board.TypeReceiver, Receiver: later},
		{Type: board.TypeDelivery, Receiver: json.RawMessage(`"r3"`), Queue: "other"},
		{Type: board.TypeReceiver, Receiver: json.RawMessage(`{"id":"r4"}`)},
		{Type: board.TypeDelivery, Receiver: json.RawMessage(`"r4"`), Queue: "q"},
	}
	now := func(id string) json.RawMessage {
		if id == "r1" {
			return json.RawMessage(`{"id":"r1","name":"A now"}`)
		}
		return nil
	}
	var got []string
	for _, c := range columns(kinds, now) {
		var r board.ReceiverInfo
		_ = json.Unmarshal(c, &r)
		got = append(got, r.ID+"="+r.Name+"@"+r.Queue)
	}
	if want := "r1=A now@|r2=B@q|r3=r3@other"; strings.Join(got, "|") != want {
		t.Fatalf("columns %q, want %q", strings.Join(got, "|"), want)
	}
}

// A recorded timeline (--replay) plays on a page with no broker at all:
// the broker is said to be a recording, the banner says replay, the cards
// come in their order, and there is nothing live to go back to.
func TestBrowserRecordedTimeline(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{Name: "rb-recorded"})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "recorded", Ack: board.AckAuto})
	t.Cleanup(func() { s.call(t, "DELETE", "/api/receivers/"+r.ID, nil, nil) })
	for i := range 3 {
		time.Sleep(200 * time.Millisecond)
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": fmt.Sprintf("Recorded %d", i+1)}, http.StatusOK, nil)
	}
	lines, err := ReadTimeline(bytes.NewReader(exported(t, s, 3)), 1000)
	if err != nil {
		t.Fatal(err)
	}

	// The recording plays in a dashboard whose broker was never opened.
	viewers := hub.New(hub.Options{})
	state := NewState(viewers, 200, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := New(Config{Addr: "127.0.0.1:0", Broker: mq.New(mq.Config{URL: "amqp://guest:guest@127.0.0.1:1/", ManagementURL: "-"}), State: state, Replay: "lesson.ndjson"})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()); _ = viewers.Close(context.Background()) })
	ctx := browser(t)
	if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(srv.URL()+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cardLog)); err != nil {
		t.Fatal(err)
	}
	if err := state.PlayRecorded("lesson.ndjson", lines); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(within(ctx, 5*time.Second), chromedp.Poll[bool](`window.cardLog.length === 3`)); err != nil {
		t.Fatal("the page did not play the three cards")
	}
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.cardLog.map((c) => c.body).join("|") + " / " + document.getElementById("broker").textContent + " / " + document.querySelector("#replay .replay-file").textContent + " / " + document.querySelector("#replay .replay-said").textContent + " / " + !!document.querySelector('#replay form[action="/api/replay/live"]')`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Recorded 1|Recorded 2|Recorded 3 / Recorded timeline: no RabbitMQ / Recorded timeline lesson.ndjson: no RabbitMQ, nothing live. / Replay, "; !strings.HasPrefix(shown, want) || !strings.HasSuffix(shown, " / false") {
		t.Fatalf("the page shows %q, want it to start %q and offer no Live", shown, want)
	}
	live, err := http.Post(srv.URL()+"/api/replay/live", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	live.Body.Close()
	if live.StatusCode != http.StatusConflict {
		t.Fatalf("live on a recording answered %d, want 409", live.StatusCode)
	}
	health, err := http.Get(srv.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer health.Body.Close()
	if body, _ := io.ReadAll(health.Body); health.StatusCode != http.StatusOK || string(body) != `{"broker":"replay","status":"ok"}`+"\n" {
		t.Fatalf("healthz answers %d %s", health.StatusCode, body)
	}
}
