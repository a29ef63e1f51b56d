package web

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/hub"
)

// The timeline keeps the last events sent to the page, numbered, within its
// bounds, and answers them as JSON lines after a number or between two
// times; bad bounds get the contract's error. No RabbitMQ needed.
func TestTimeline(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	state := NewState(hub.New(hub.Options{}), 10, log)
	state.KeepTimeline(3, time.Hour)
	h := New(Config{Broker: refusingBroker{}, State: state, Logger: log}).routes()
	for _, pace := range []float64{1, 0.5, 0.25, 0, 1} {
		state.Apply(board.PaceEvent{Type: board.TypePace, Pace: pace})
	}
	read := func(path string) []map[string]any {
		t.Helper()
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "application/x-ndjson")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("%s: %d %s %q", path, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		var lines []map[string]any
		sc := bufio.NewScanner(w.Body)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
			}
			lines = append(lines, line)
		}
		return lines
	}
	said := func(lines []map[string]any) string {
		var out []string
		for _, l := range lines {
			ev := l["event"].(map[string]any)
			at, err := time.Parse(time.RFC3339Nano, l["at"].(string))
			if err != nil || time.Since(at) > time.Minute {
				t.Fatalf("line %v: at %v (%v)", l, l["at"], err)
			}
			out = append(out, strings.Join([]string{jsonText(l["seq"]), ev["type"].(string), jsonText(ev["pace"])}, " "))
		}
		return strings.Join(out, ", ")
	}
	if got, want := said(read("/api/timeline")), "3 pace 0.25, 4 pace 0, 5 pace 1"; got != want {
		t.Fatalf("the timeline keeps %q, want the last three %q", got, want)
	}
	if got, want := said(read("/api/timeline?since=4")), "5 pace 1"; got != want {
		t.Fatalf("since 4: %q, want %q", got, want)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if got := read("/api/timeline?from=" + future); len(got) != 0 {
		t.Fatalf("from an hour ahead: %v, want nothing", got)
	}
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if got := read("/api/timeline?to=" + past); len(got) != 0 {
		t.Fatalf("to an hour ago: %v, want nothing", got)
	}
	for _, bad := range []string{"since=-1", "since=x", "from=yesterday", "to=10:42"} {
		code, e := ask(t, h, "en", "GET", "/api/timeline?"+bad, "")
		if code != http.StatusBadRequest || e.Code != board.CodeInvalid || e.Error == "" {
			t.Errorf("%s: %d %+v, want 400 invalid_input with a sentence", bad, code, e)
		}
	}
	r := httptest.NewRequest("GET", "/api/timeline?download", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if d := w.Header().Get("Content-Disposition"); !strings.HasPrefix(d, `attachment; filename="rabbitboard-timeline-`) || !strings.HasSuffix(d, `.ndjson"`) || strings.Count(w.Body.String(), "\n") != 3 {
		t.Fatalf("download: %q with %q", d, w.Body)
	}
	// Events older than the kept age are gone.
	state.KeepTimeline(3, time.Millisecond)
	state.Apply(board.PaceEvent{Type: board.TypePace, Pace: 0.5})
	time.Sleep(5 * time.Millisecond)
	if got := read("/api/timeline"); len(got) != 0 {
		t.Fatalf("after its age the timeline still answers %v", got)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A recorded batch read back from the stream is numbered by its offset,
// the same in every replica, and what cannot be read is left out.
func TestReadRecorded(t *testing.T) {
	s := NewState(&recorder{}, 10, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.KeepTimeline(10, 0) // however old
	at := time.Date(2026, 12, 4, 10, 42, 5, 0, time.UTC)
	s.ReadRecorded(5, at, []byte(`{"at":"2026-12-04T10:42:05Z","event":{"type":"queue","queue":{"name":"a"}}}
not json
{"at":"2026-12-04T10:42:06Z","event":{"type":"queue","queue":{"name":"b"}}}
`))
	var got []string
	for _, e := range s.Timeline(0, time.Time{}, time.Time{}) {
		got = append(got, fmt.Sprint(e.seq, " ", e.at.Format(time.TimeOnly), " ", string(e.data)))
	}
	want := []string{`5001 10:42:05 {"type":"queue","queue":{"name":"a"}}`, `5003 10:42:06 {"type":"queue","queue":{"name":"b"}}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the timeline holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
