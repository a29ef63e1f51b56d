package web

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"rabbitboard/board"
)

// The replay's events: replay says what every page shows (a stretch of the
// timeline again, or live), replayed carries one event of the stretch.
const (
	TypeReplay   board.EventType = "replay"
	TypeReplayed board.EventType = "replayed"
)

// ReplaySpeeds are the speeds a replay plays at; 0 is step by step.
var ReplaySpeeds = []float64{1, 0.5, 0.25, 0}

// The two things a page can show.
const (
	ShowLive   = "live"
	ShowReplay = "replay"
)

// ReplayEvent tells every viewer what the page shows: live, or a stretch of
// the timeline again. While a replay is on, the page shows the replayed
// events only, and shows live again when it ends (from a fresh snapshot:
// what happened meanwhile is all there).
type ReplayEvent struct {
	Type  board.EventType `json:"type"`
	State string          `json:"state"` // ShowLive or ShowReplay
	From  time.Time       `json:"from,omitzero"`
	To    time.Time       `json:"to,omitzero"`
	Speed float64         `json:"speed"`
	// Shown is how many of the stretch's Total events were shown.
	Shown int `json:"shown"`
	Total int `json:"total"`
	// At is the time of the last event shown (From before the first).
	At time.Time `json:"at,omitzero"`
	// Reset starts the stretch again: the page clears its cards and shows
	// Receivers' columns, the receivers as they were at From as far as the
	// timeline tells.
	Reset     bool              `json:"reset,omitempty"`
	Receivers []json.RawMessage `json:"receivers,omitempty"`
	Ended     bool              `json:"ended,omitempty"`
	// File names the recorded timeline played (--replay): nothing is live.
	File string `json:"file,omitempty"`
}

// replayLeadIn is the time between a replay's start, when every page
// clears its cards and says it shows a replay, and its first event.
const replayLeadIn = 300 * time.Millisecond

// replayer plays a stretch of the timeline to every viewer, at a speed or
// step by step. One goroutine plays while a replay is on.
type replayer struct {
	viewers Viewers

	mu      sync.Mutex
	ev      ReplayEvent
	entries []timelineEntry
	next    int // the next entry to show
	// The replay's clock: entry time anchorAt is shown at wall time
	// anchorWall, later ones after (at-anchorAt)/speed.
	anchorAt, anchorWall time.Time
	columns              []json.RawMessage // the receivers at the stretch's start
	playing              bool              // the goroutine runs
	kick                 chan struct{}     // wakes it after a change
}

// replayedKind is what a timeline entry says about a receiver.
type replayedKind struct {
	Type     board.EventType `json:"type"`
	Receiver json.RawMessage `json:"receiver"` // an id, or a receiver's description
	Queue    string          `json:"queue"`
}

func newReplayer(viewers Viewers) *replayer {
	return &replayer{viewers: viewers, ev: ReplayEvent{Type: TypeReplay, State: ShowLive, Speed: 1}, kick: make(chan struct{}, 1)}
}

// status is what the page shows, for a snapshot.
func (p *replayer) status() *ReplayEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.State == ShowLive {
		return nil
	}
	ev := p.ev
	ev.Reset = false
	return &ev
}

// start replays entries from from to to at speed (0: step by step),
// replacing any replay on; now is a receiver as it is now (nil: gone).
func (p *replayer) start(entries []timelineEntry, from, to time.Time, speed float64, file string, now func(id string) json.RawMessage) ReplayEvent {
	kinds := make([]replayedKind, len(entries))
	for i, e := range entries {
		_ = json.Unmarshal(e.data, &kinds[i])
	}
	columns := columns(kinds, now)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries, p.columns, p.next = entries, columns, 0
	p.ev = ReplayEvent{Type: TypeReplay, State: ShowReplay, From: from, To: to, Speed: speed, Total: len(entries), At: from, File: file}
	// The first event shows after a moment for the pages to clear, not
	// after the stretch's quiet start.
	p.anchorAt, p.anchorWall = entries[0].at, time.Now().Add(replayLeadIn)
	p.resetLocked()
	p.wakeLocked()
	return p.ev
}

// resetLocked tells every page to start the stretch again, with the
// receivers' columns as they were at its start.
func (p *replayer) resetLocked() {
	ev := p.ev
	ev.Reset, ev.Receivers = true, p.columns
	p.broadcastLocked(ev)
}

// columns are the receivers a stretch is about that it does not introduce
// itself: as they are now, or as the stretch says later, or (neither
// known) as its deliveries name them.
func columns(kinds []replayedKind, now func(id string) json.RawMessage) []json.RawMessage {
	seen := map[string]bool{}
	var cols []json.RawMessage
	for i, k := range kinds {
		var id string
		switch k.Type {
		case board.TypeReceiver:
			var r struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(k.Receiver, &r)
			seen[r.ID] = true
			continue
		case board.TypeDelivery, board.TypeSettled:
			_ = json.Unmarshal(k.Receiver, &id)
		}
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if col := receiverBefore(kinds[i:], id, now); col != nil {
			cols = append(cols, col)
			continue
		}
		q, _ := json.Marshal(board.ReceiverInfo{ID: id, ReceiverSpec: board.ReceiverSpec{Name: id, Queue: k.Queue}, State: board.StateConsuming})
		cols = append(cols, q)
	}
	return cols
}

// receiverBefore is receiver id as the stretch's first events about it
// do not say: as it is now, or as the rest of the stretch says it.
func receiverBefore(rest []replayedKind, id string, now func(id string) json.RawMessage) json.RawMessage {
	if now != nil {
		if r := now(id); r != nil {
			return r
		}
	}
	for _, k := range rest {
		if k.Type == board.TypeReceiver && bytes.Contains(k.Receiver, []byte(`"id":`+strconv.Quote(id))) {
			return k.Receiver
		}
	}
	return nil
}

// setSpeed plays on at speed from where the replay is.
func (p *replayer) setSpeed(speed float64) (ReplayEvent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.State != ShowReplay {
		return p.ev, false
	}
	// The replay's clock goes on from where it is.
	at, now := p.ev.At, time.Now()
	if p.ev.Speed > 0 {
		at = p.anchorAt.Add(time.Duration(float64(now.Sub(p.anchorWall)) * p.ev.Speed))
	}
	p.anchorAt, p.anchorWall = at, now
	p.ev.Speed = speed
	p.broadcastLocked(p.ev)
	p.wakeLocked()
	return p.ev, true
}

// step shows one more event of the stretch (by 1) or one fewer (by -1),
// stepping from then on.
func (p *replayer) step(by int) (ReplayEvent, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.State != ShowReplay {
		return p.ev, false
	}
	p.ev.Speed = 0
	switch {
	case by > 0 && p.next < len(p.entries):
		p.showLocked()
	case by < 0 && p.next > 0:
		// The page starts the stretch again and is shown all but the
		// last event at once.
		upto := p.next - 1
		p.next, p.ev.Shown, p.ev.At, p.ev.Ended = 0, 0, p.ev.From, false
		p.resetLocked()
		for p.next < upto {
			p.showLocked()
		}
	}
	p.ev.Ended = p.next == len(p.entries)
	p.broadcastLocked(p.ev)
	return p.ev, true
}

// stop shows live again.
func (p *replayer) stop() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ev.State != ShowReplay {
		return false
	}
	p.entries, p.columns, p.next = nil, nil, 0
	p.ev = ReplayEvent{Type: TypeReplay, State: ShowLive, Speed: 1}
	p.broadcastLocked(p.ev)
	p.wakeLocked()
	return true
}

// showLocked sends the next entry to every viewer as a replayed event.
func (p *replayer) showLocked() {
	e := p.entries[p.next]
	p.next++
	p.ev.Shown, p.ev.At = p.next, e.at
	p.viewers.Broadcast(replayed(e))
}

// replayed is an entry as a replayed event:
// {"type":"replayed","seq":N,"at":"...","event":{...}}.
func replayed(e timelineEntry) []byte {
	var b bytes.Buffer
	b.Grow(len(e.data) + 96)
	b.WriteString(`{"type":"replayed",`)
	e.writeFields(&b)
	return b.Bytes()
}

// join adds a viewer while a replay is on: after its snapshot, its first
// frame holds the replayed events shown so far (the newest that fit in
// budget bytes), so that it sees what the others see. The replay waits
// until the viewer has joined, so it misses no event between.
func (p *replayer) join(first [][]byte, budget int, add func([][]byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	from, size := p.next, 0
	var shown [][]byte
	for from > 0 {
		e := replayed(p.entries[from-1])
		if size+len(e)+1 > budget {
			break
		}
		shown = append(shown, e)
		size += len(e) + 1
		from--
	}
	for i := len(shown) - 1; i >= 0; i-- {
		first = append(first, comma, shown[i])
	}
	add(first)
}

func (p *replayer) broadcastLocked(ev ReplayEvent) {
	data, _ := json.Marshal(ev)
	p.viewers.Broadcast(data)
}

// wakeLocked starts the player, or wakes it to look again.
func (p *replayer) wakeLocked() {
	if !p.playing && p.ev.State == ShowReplay && p.ev.Speed > 0 {
		p.playing = true
		go p.play()
		return
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// play shows each event of the stretch when its time comes, until none
// is to come: the replay ended, stopped or steps (a change wakes it again).
func (p *replayer) play() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		wait := time.Duration(-1)
		if p.ev.State == ShowReplay {
			wait = p.dueLocked(time.Now())
		}
		if wait < 0 {
			p.playing = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-p.kick:
			timer.Stop()
		}
	}
}

// dueLocked shows every event whose time has come and says how long until
// the next one's; -1 when none is to come at this speed.
func (p *replayer) dueLocked(now time.Time) time.Duration {
	if p.ev.Speed <= 0 {
		return -1
	}
	for p.next < len(p.entries) {
		e := p.entries[p.next]
		due := p.anchorWall.Add(time.Duration(float64(e.at.Sub(p.anchorAt)) / p.ev.Speed))
		if due.After(now) {
			return due.Sub(now)
		}
		p.showLocked()
	}
	if !p.ev.Ended {
		p.ev.Ended = true
		p.broadcastLocked(p.ev)
	}
	return -1
}
