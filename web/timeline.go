package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"rabbitboard/board"
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

// writeFields writes the entry's fields and the object's end:
// "seq":N,"at":"...","event":{...}}.
func (e timelineEntry) writeFields(b *bytes.Buffer) {
	b.WriteString(`"seq":`)
	b.WriteString(strconv.FormatInt(e.seq, 10))
	b.WriteString(`,"at":"`)
	b.WriteString(e.at.UTC().Format(time.RFC3339Nano))
	b.WriteString(`","event":`)
	b.Write(e.data)
	b.WriteByte('}')
}

func (t *timeline) add(data []byte, at time.Time) {
	t.addAs(t.seq+1, data, at)
}

// addAs keeps an event as number seq (a recorded timeline's numbers come
// from the stream).
func (t *timeline) addAs(seq int64, data []byte, at time.Time) {
	if t.events <= 0 {
		return
	}
	t.seq = seq
	e := timelineEntry{seq: seq, at: at, data: data}
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
		if e.seq <= seq || (t.age > 0 && e.at.Before(oldest)) || (!from.IsZero() && e.at.Before(from)) || (!to.IsZero() && e.at.After(to)) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// span is what since(0, zero, zero, now) would give, without copying it:
// the oldest and newest times and how many.
func (t *timeline) span(now time.Time) (oldest, newest time.Time, n int) {
	for i := range t.ring {
		e := t.ring[(t.start+i)%len(t.ring)]
		if t.age > 0 && e.at.Before(now.Add(-t.age)) {
			continue
		}
		if n == 0 {
			oldest = e.at
		}
		newest = e.at
		n++
	}
	return oldest, newest, n
}

// KeepTimeline sets how much of the timeline is kept: the last events of
// it, none older than age (events 0 keeps none; age 0 keeps them however
// old).
func (s *State) KeepTimeline(events int, age time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeline = timeline{events: events, age: age}
}

// TimelineSize is how many events the timeline holds and their bytes.
func (s *State) TimelineSize() (events, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.timeline.ring {
		size += len(e.data)
	}
	return len(s.timeline.ring), size
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
		buf.WriteByte('{')
		e.writeFields(&buf)
		buf.WriteByte('\n')
	}
	_, _ = w.Write(buf.Bytes())
}

// ReadTimeline reads a timeline as GET /api/timeline wrote it, one
// {"seq","at","event"} a line, keeping at most max events (the newest).
func ReadTimeline(r io.Reader, max int) ([]TimelineLine, error) {
	var lines []TimelineLine
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l TimelineLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.At.IsZero() || len(l.Event) == 0 || l.Event[0] != '{' {
			return nil, fmt.Errorf("line %d is not a line of a timeline ({\"seq\":N,\"at\":\"...\",\"event\":{...}})", n)
		}
		lines = append(lines, l)
		if len(lines) > 2*max {
			lines = append(lines[:0:0], lines[len(lines)-max:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	return lines, nil
}

// TimelineLine is one line of a timeline: an event as the WebSocket sent
// it, with its number and time.
type TimelineLine struct {
	Seq   int64           `json:"seq"`
	At    time.Time       `json:"at"`
	Event json.RawMessage `json:"event"`
}

// PlayRecorded makes the state a recorded timeline's: its lines are the
// timeline kept (however old), the broker is said to be a replay, and
// every viewer is shown the lines from the start at 1x.
func (s *State) PlayRecorded(file string, lines []TimelineLine) error {
	s.mu.Lock()
	s.timeline = timeline{events: max(1, len(lines))}
	for _, l := range lines {
		s.timeline.ring = append(s.timeline.ring, timelineEntry{seq: l.Seq, at: l.At, data: []byte(l.Event)})
	}
	if n := len(lines); n > 0 {
		s.timeline.seq = lines[n-1].Seq
	}
	s.broker = board.NewBrokerEvent(board.BrokerReplay, "", "")
	said, _ := json.Marshal(s.broker)
	s.viewers.Broadcast(said) // not a part of the recording
	s.mu.Unlock()
	_, err := s.Replay(time.Time{}, time.Time{}, 1, file)
	return err
}

// Recorder keeps the timeline somewhere every replica reads it back from
// (package record: a RabbitMQ stream).
type Recorder interface {
	Add(event []byte, at time.Time)
}

// RecordTo makes the timeline the recorder's: events go to it, and come
// back through ReadRecorded.
func (s *State) RecordTo(r Recorder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorder = r
}

// ReadRecorded keeps a recorded batch of events in the timeline: the
// stream's offset numbers them, the same in every replica.
func (s *State) ReadRecorded(offset int64, _ time.Time, batch []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, line := range bytes.Split(bytes.TrimSuffix(batch, []byte("\n")), []byte("\n")) {
		var l TimelineLine
		if json.Unmarshal(line, &l) != nil || len(l.Event) == 0 {
			continue
		}
		s.timeline.addAs(offset*board.RecordBatchMax+int64(i)+1, []byte(l.Event), l.At)
	}
}
