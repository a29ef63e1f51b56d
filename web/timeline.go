package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"
)

// timeline keeps every event the page was sent, in order, with its number
// and time: the last Events of them, none older than Age. Memory is
// bounded by Events times the events' size (a delivery's preview is at
// most --preview-bytes).
type timeline struct {
	events int
	age    time.Duration
	seq    int64
	ring   []timelineEntry // oldest at start
	start  int
}

type timelineEntry struct {
	seq  int64
	at   time.Time
	data []byte // the event as the WebSocket sent it (never changed after)
}

// Timeline defaults: ten minutes of a lesson, ten thousand events.
const (
	DefaultTimelineEvents = 10000
	DefaultTimelineAge    = 10 * time.Minute
)

func (t *timeline) add(data []byte, at time.Time) {
	if t.events <= 0 {
		return
	}
	t.seq++
	e := timelineEntry{seq: t.seq, at: at, data: data}
	if len(t.ring) < t.events {
		t.ring = append(t.ring, e)
	} else {
		t.ring[t.start] = e
		t.start = (t.start + 1) % len(t.ring)
	}
}

// since is the kept entries after seq, from from to to (zero: no bound),
// oldest first.
func (t *timeline) since(seq int64, from, to, now time.Time) []timelineEntry {
	var out []timelineEntry
	oldest := now.Add(-t.age)
	for i := range t.ring {
		e := t.ring[(t.start+i)%len(t.ring)]
		if e.seq <= seq || e.at.Before(oldest) || (!from.IsZero() && e.at.Before(from)) || (!to.IsZero() && e.at.After(to)) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// KeepTimeline sets how much of the timeline is kept: the last events of
// it, none older than age (events 0 keeps none).
func (s *State) KeepTimeline(events int, age time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeline = timeline{events: events, age: age}
}

// Timeline is the kept events after seq, between from and to.
func (s *State) Timeline(seq int64, from, to time.Time) []timelineEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timeline.since(seq, from, to, time.Now())
}

// getTimeline answers the timeline as JSON lines, one event a line:
// {"seq":N,"at":"...","event":{...as the WebSocket sent it...}}; with
// ?download as a file.
func (s *Server) getTimeline(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var seq int64
	if v := q.Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			respondError(w, r, badRequest("err.timeline_since", "value", strconv.Quote(v)))
			return
		}
		seq = n
	}
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		if v := q.Get(name); v != "" {
			at, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				respondError(w, r, badRequest("err.timeline_time", "field", name, "value", strconv.Quote(v)))
				return
			}
			bounds[i] = at
		}
	}
	entries := s.cfg.State.Timeline(seq, bounds[0], bounds[1])
	w.Header().Set("Content-Type", "application/x-ndjson")
	if q.Has("download") {
		// A file to keep or share: the page links here.
		name := "rabbitboard-timeline-" + time.Now().UTC().Format("20060102-150405") + ".ndjson"
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	var buf bytes.Buffer
	for _, e := range entries {
		buf.WriteString(`{"seq":`)
		buf.WriteString(strconv.FormatInt(e.seq, 10))
		buf.WriteString(`,"at":"`)
		buf.WriteString(e.at.UTC().Format(time.RFC3339Nano))
		buf.WriteString(`","event":`)
		buf.Write(e.data)
		buf.WriteString("}\n")
	}
	_, _ = w.Write(buf.Bytes())
}
