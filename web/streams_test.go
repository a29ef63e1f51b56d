package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
	"rabbitboard/words"
)

// offsets are the stream offsets of a receiver's deliveries, in order.
func (v *viewer) offsets(receiver string) []int64 {
	var out []int64
	for _, d := range v.of("delivery", receiver) {
		if o, ok := d["offset"].(float64); ok {
			out = append(out, int64(o))
		}
	}
	return out
}

// kept are the offsets a receiver read and did not give back: a card
// settled "requeued" (its work cut short by a kill) is read again from
// the stream on resume, as a worker tracking its offset reads it again.
func (v *viewer) kept(receiver string) []int64 {
	given := map[float64]bool{}
	for _, e := range v.of("settled", receiver) {
		if e["outcome"] == string(board.OutcomeRequeued) {
			given[e["seq"].(float64)] = true
		}
	}
	var out []int64
	for _, d := range v.of("delivery", receiver) {
		if o, ok := d["offset"].(float64); ok && !given[d["seq"].(float64)] {
			out = append(out, int64(o))
		}
	}
	return out
}

// run of offsets from..to, inclusive.
func offsetRun(from, to int64) []int64 {
	var out []int64
	for o := from; o <= to; o++ {
		out = append(out, o)
	}
	return out
}

func sameOffsets(a, b []int64) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// streamReader is cmd/streamtutorial reading a stream over the stream
// protocol, as the streams tutorials' receive programs do.
type streamReader struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startStreamReader(t *testing.T, stream, from string) *streamReader {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "streamtutorial")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/streamtutorial").CombinedOutput(); err != nil {
		t.Fatalf("go build streamtutorial: %v\n%s", err, out)
	}
	r := &streamReader{cmd: exec.Command(bin, "receive", stream, from), done: make(chan struct{})}
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = r.cmd.Stdout
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			r.mu.Lock()
			r.lines = append(r.lines, lines.Text())
			r.mu.Unlock()
		}
		_ = r.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = r.stdin.Close()
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *streamReader) printed() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// Streams: 100 messages into a stream; receivers from first and from offset
// 50 read 100 and 50 in order, and the stream still holds 100; one from
// next reads only what comes after it; pause and resume go on where the
// receiver was; a stream-protocol program shows its position; looking at
// the log takes nothing away; what the broker would refuse by dropping the
// receivers' connection is refused first, in words.
func TestStreamReadersAtTheirOwnPlace(t *testing.T) {
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	name := s.queue(t, board.QueueSpec{Name: "rb-web-stream", Durable: true, Arguments: map[string]any{"x-queue-type": "stream", "x-max-length-bytes": 100_000_000}})
	publish := func(n int, body string) {
		t.Helper()
		var res board.PublishResult
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": name, "body": body, "count": n}, http.StatusOK, &res)
		if res.Confirmed != n {
			t.Fatalf("published %+v, want %d confirmed", res, n)
		}
	}
	publish(100, "m {{seq}}")

	first := s.receiver(t, board.ReceiverSpec{Queue: name, Name: "from first", Prefetch: 10, Ack: board.AckManual, Offset: "first"})
	fifty := s.receiver(t, board.ReceiverSpec{Queue: name, Name: "from 50", Prefetch: 5, Ack: board.AckManual, Offset: "50"})
	testkit.WaitFor(t, 15*time.Second, "100 and 50 deliveries", func() bool {
		return len(v.offsets(first.ID)) == 100 && len(v.offsets(fifty.ID)) == 50
	})
	if got := v.offsets(first.ID); !sameOffsets(got, offsetRun(0, 99)) {
		t.Fatalf("from first read offsets %v", got)
	}
	if got := v.offsets(fifty.ID); !sameOffsets(got, offsetRun(50, 99)) {
		t.Fatalf("from 50 read offsets %v", got)
	}
	for i, d := range v.of("delivery", first.ID) {
		if want := fmt.Sprintf("m %d", i+1); d["body"] != want {
			t.Fatalf("delivery %d of from first is %q, want %q", i, d["body"], want)
		}
	}

	var log StreamLogBody
	s.mustCall(t, "GET", "/api/queues/"+name+"/log", nil, http.StatusOK, &log)
	if log.First == nil || *log.First != 0 || *log.Last != 99 || len(log.Messages) != 20 || log.Messages[0].Offset != 80 || log.Messages[19].Body != "m 100" {
		t.Fatalf("the log: %+v", log)
	}
	s.mustCall(t, "GET", "/api/queues/"+name+"/log?from=0&limit=3", nil, http.StatusOK, &log)
	if len(log.Messages) != 3 || log.Messages[0].Body != "m 1" || log.Messages[2].Offset != 2 {
		t.Fatalf("the log from 0: %+v", log.Messages)
	}
	var info board.ReceiverInfo
	testkit.WaitFor(t, 5*time.Second, "both settled", func() bool {
		s.mustCall(t, "GET", "/api/receivers/"+fifty.ID, nil, http.StatusOK, &info)
		return info.Acked == 50
	})
	if info.Start != "50" || info.Offset == nil || *info.Offset != 99 {
		t.Fatalf("from 50 says start %q offset %v", info.Start, info.Offset)
	}

	// A receiver from next takes only what comes after it.
	next := s.receiver(t, board.ReceiverSpec{Queue: name, Name: "from next", Prefetch: 10, Ack: board.AckManual})
	if next.Start != "next" {
		t.Fatalf("a receiver on a stream without an offset starts from %q, want next", next.Start)
	}
	publish(3, "new {{seq}}")
	testkit.WaitFor(t, 10*time.Second, "the new messages everywhere", func() bool {
		return len(v.offsets(next.ID)) == 3 && len(v.offsets(first.ID)) == 103 && len(v.offsets(fifty.ID)) == 53
	})
	if got := v.offsets(next.ID); !sameOffsets(got, offsetRun(100, 102)) {
		t.Fatalf("from next read offsets %v", got)
	}

	// Pause and resume, kill and resume: on from where it was, nothing
	// read twice, nothing skipped.
	s.mustCall(t, "POST", "/api/receivers/"+fifty.ID+"/pause", nil, http.StatusOK, nil)
	publish(2, "while paused {{seq}}")
	s.mustCall(t, "POST", "/api/receivers/"+fifty.ID+"/resume", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/receivers/"+fifty.ID+"/kill", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/receivers/"+fifty.ID+"/resume", nil, http.StatusOK, nil)
	publish(1, "after the kill")
	testkit.WaitFor(t, 10*time.Second, "from 50 caught up", func() bool { return len(v.kept(fifty.ID)) >= 56 })
	time.Sleep(300 * time.Millisecond) // a repeat would arrive now
	if got := v.kept(fifty.ID); !sameOffsets(got, offsetRun(50, 105)) {
		t.Fatalf("from 50 after pause, kill and resume read %v (every delivery: %v)", got, v.offsets(fifty.ID))
	}

	// What the broker refuses for a stream is refused in words first: an
	// auto-ack consumer would make RabbitMQ close the receivers' connection.
	var e errorBody
	if code := s.call(t, "POST", "/api/receivers", board.ReceiverSpec{Queue: name, Name: "auto"}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, "is a stream") {
		t.Fatalf("an auto-ack receiver on a stream: %d %+v", code, e)
	}
	classic := s.queue(t, board.QueueSpec{Name: "rb-web-not-a-stream"})
	if code := s.call(t, "POST", "/api/receivers", board.ReceiverSpec{Queue: classic, Prefetch: 1, Ack: board.AckManual, Offset: "first"}, &e); code != http.StatusBadRequest || !strings.Contains(e.Error, "not a stream") {
		t.Fatalf("an offset on a classic queue: %d %+v", code, e)
	}
	if code := s.call(t, "GET", "/api/queues/"+classic+"/log", nil, &e); code != http.StatusBadRequest {
		t.Fatalf("reading a classic queue's log: %d %+v", code, e)
	}
	for _, id := range []string{first.ID, fifty.ID, next.ID} {
		s.mustCall(t, "GET", "/api/receivers/"+id, nil, http.StatusOK, &info)
		if info.State != board.StateConsuming {
			t.Fatalf("%s is %s after the refusals", info.Name, info.State)
		}
	}

	// A program on the stream protocol, and its position.
	reader := startStreamReader(t, name, "90")
	testkit.WaitFor(t, 15*time.Second, "the stream-protocol program's messages", func() bool {
		return strings.Contains(reader.printed(), " [x] offset 105: after the kill")
	})
	if p := reader.printed(); strings.Contains(p, "offset 89:") || !strings.Contains(p, " [x] offset 90: m 91") {
		t.Fatalf("streamtutorial from 90 printed:\n%s", p)
	}
	testkit.WaitFor(t, 20*time.Second, "its position in the management API", func() bool {
		s.mustCall(t, "GET", "/api/queues/"+name+"/log", nil, http.StatusOK, &log)
		return len(log.Readers) == 1 && log.Readers[0].Consumed > 0
	})
	if r := log.Readers[0]; r.Name != "streamtutorial" || r.Offset < 0 || r.Offset > 106 || !strings.Contains(r.Connection, "5552") {
		t.Fatalf("the stream-protocol reader: %+v", r)
	}
	_, page := s.fetch(t, "GET", "/stream?name="+name, "", "", nil)
	for _, want := range []string{"It holds offsets 0 to 105: 106 messages.", "It keeps them up to 100 MB in all.", "streamtutorial (127.0.0.1:", `<td class="body">after the kill</td>`} {
		if !strings.Contains(string(page), want) {
			t.Fatalf("the stream page lacks %q:\n%s", want, page)
		}
	}

	// Nothing of all this looking took anything away.
	again := s.receiver(t, board.ReceiverSpec{Queue: name, Name: "again", Prefetch: 50, Ack: board.AckManual, Offset: "first"})
	testkit.WaitFor(t, 10*time.Second, "a full read again", func() bool { return len(v.offsets(again.ID)) == 106 })
}

// The lessons of the series' later chapters, in Chromium, in both
// languages: the presenter sets each up from its button, and a viewer's
// page shows its title and what to watch in the viewer's language.
func TestBrowserNewLessonsInBothLanguages(t *testing.T) {
	const token = "new-lessons"
	s := startStackWith(t, options{access: Access{Token: token}, management: true})
	s.token = token
	presenter, viewer := browser(t), browser(t)
	for _, lang := range words.Langs {
		for _, ctx := range []context.Context{presenter, viewer} {
			page := s.url + "/?lang=" + string(lang)
			if ctx == presenter {
				page += "&token=" + token
			}
			if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"rpc", "publisher-confirms", "streams", "stream-offsets"} {
			p, _ := findLesson(name)
			t.Cleanup(func() { s.call(t, "POST", "/api/presets/"+name+"/reset", nil, nil) })
			title, watch := lang.Lesson(name, "title", p.Title), lang.Lesson(name, "watch", p.Watch)
			if lang == words.Korean && (title == p.Title || watch == p.Watch || !hangul.MatchString(title)) {
				t.Fatalf("%s has no Korean title or text", name)
			}
			for _, sel := range []string{fmt.Sprintf(`[data-lesson=%q] summary`, name), fmt.Sprintf(`[data-lesson=%q] button.run`, name)} {
				if err := chromedp.Do(within(presenter, 5*time.Second), chromedp.Click(chromedp.CSS(sel))); err != nil {
					t.Fatalf("%s: click %s: %v", lang, sel, err)
				}
			}
			shown := fmt.Sprintf(`!document.querySelector("#lesson").hidden && document.querySelector("#lesson h2").textContent === %q && document.querySelector("#lesson [data-f=watch]").textContent === %q`, title, watch)
			if _, err := chromedp.Run(within(viewer, 10*time.Second), chromedp.Poll[bool](shown)); err != nil {
				got, _ := chromedp.Run(viewer, chromedp.Evaluate[string](`document.querySelector("#lesson").textContent`))
				t.Fatalf("%s: the viewer does not show %s (%q): %v", lang, name, got, err)
			}
			for _, r := range p.Receivers {
				column := fmt.Sprintf(`[...document.querySelectorAll("article.receiver h3")].some(h => h.textContent === %q)`, r.Name)
				if _, err := chromedp.Run(within(viewer, 5*time.Second), chromedp.Poll[bool](column)); err != nil {
					t.Fatalf("%s: the viewer has no column %q of %s: %v", lang, r.Name, name, err)
				}
			}
		}
	}
	// The streams lesson's reader says where it reads, on the viewer's page.
	s.mustCall(t, "POST", "/api/presets/streams", nil, http.StatusOK, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "hello-python-stream", "body": "Hello, World! {{seq}}", "count": 5}, http.StatusOK, nil)
	position := `[...document.querySelectorAll("article.receiver")].some(a => a.querySelector("h3").textContent === "reader from first" && /^오프셋 \d+ · first부터 시작$/.test(a.querySelector(".position").textContent) && !a.querySelector(".position").hidden)`
	if _, err := chromedp.Run(within(viewer, 10*time.Second), chromedp.Poll[bool](position)); err != nil {
		got, _ := chromedp.Run(viewer, chromedp.Evaluate[string](`[...document.querySelectorAll(".position")].map(p => p.textContent).join(" | ")`))
		t.Fatalf("the Korean viewer does not show the reader's offset (%q): %v", got, err)
	}
}
