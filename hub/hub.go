// Package hub fans out events to WebSocket viewers. It knows clients and
// bytes, nothing of AMQP: each event is encoded once by the caller, and the
// events that arrive within a short gathering delay are built once into one
// frame, a JSON array of events, whose bytes go to every viewer. A viewer
// that falls behind gets the frames it missed merged into one; a viewer too
// far behind is disconnected instead of slowing the others. Viewers that
// asked for brief deliveries get frames of their own, built from the
// delivery events' brief form, encoded only while such a viewer is there.
package hub

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/internal/jsonarray"
)

// Options bound each viewer.
type Options struct {
	// MaxQueueBytes is how much may wait for one viewer before its time
	// behind counts: past it and MaxBehind, the viewer is cut off. Frames
	// are shared by every viewer, so what waits for viewers costs memory
	// once, at most what MaxBehind of traffic takes, however many wait.
	MaxQueueBytes int
	// MaxBehind is how old the oldest frame waiting for a viewer may be
	// once its queue is past MaxQueueBytes: a burst that a viewer reading
	// as fast as it can drains within it does not cut it off.
	MaxBehind time.Duration
	// MaxFrameBytes caps how much one frame batches together.
	MaxFrameBytes int
	WriteWait     time.Duration
	PongWait      time.Duration
	// ReadLimit is the largest frame a viewer may send.
	ReadLimit int64
	// FlushDelay is the least time between two frames: an event after a
	// quiet spell goes out at once, those that follow gather for the next
	// frame, since at thousands of events a second one frame per event
	// would cost more than the events. Negative: a frame per event.
	FlushDelay time.Duration
	// BusyFlushDelay is the time between two frames when events come at
	// BusyRate a second or more; in between, the delay grows with the
	// rate from FlushDelay. Each frame costs every viewer a write and a
	// read whatever it holds, so on a busy dashboard fewer, fuller frames
	// leave the cores to the messages, at a cost in latency that is small
	// beside what a queue at that rate already adds.
	BusyFlushDelay time.Duration
	BusyRate       float64
}

func (o *Options) defaults() {
	if o.MaxQueueBytes == 0 {
		o.MaxQueueBytes = 4 << 20
	}
	if o.MaxBehind == 0 {
		o.MaxBehind = 2 * time.Second
	}
	if o.MaxFrameBytes == 0 {
		o.MaxFrameBytes = 256 << 10
	}
	if o.WriteWait == 0 {
		o.WriteWait = 5 * time.Second
	}
	if o.PongWait == 0 {
		o.PongWait = 30 * time.Second
	}
	if o.ReadLimit == 0 {
		o.ReadLimit = 4 << 10
	}
	if o.FlushDelay == 0 {
		o.FlushDelay = 500 * time.Microsecond
	}
	if o.BusyFlushDelay == 0 {
		o.BusyFlushDelay = 2 * time.Millisecond
	}
	o.BusyFlushDelay = max(o.BusyFlushDelay, o.FlushDelay)
	if o.BusyRate == 0 {
		o.BusyRate = 10000
	}
}

// frame is a JSON array of events, built once and written to every viewer.
type frame struct {
	data     []byte
	prepared *websocket.PreparedMessage // data as a WebSocket message, framed once
	built    time.Time
}

func newFrame(data []byte) *frame {
	pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, data) // fails only for compression
	return &frame{data: data, prepared: pm, built: time.Now()}
}

// Hub is the set of connected viewers.
type Hub struct {
	opts Options

	mu        sync.Mutex
	clients   map[*Client]struct{}
	pending   [][]byte // events not yet built into a frame
	brief     [][]byte // the same events for viewers of brief deliveries, while there are any
	briefs    int      // viewers of brief deliveries
	pendSize  int
	armed     bool // a flush is scheduled
	lastFlush time.Time
	delay     time.Duration // the least time from lastFlush to the next frame
	closing   bool
	wg        sync.WaitGroup
	dropped   int64
	lastDrop  time.Time
	frames    int64
}

// New returns an empty Hub.
func New(opts Options) *Hub {
	opts.defaults()
	return &Hub{opts: opts, clients: map[*Client]struct{}{}}
}

// Broadcast queues one encoded event for every viewer. It never blocks on
// a viewer: the event waits, at most BusyFlushDelay, to be built into a
// frame with the events that follow it.
func (h *Hub) Broadcast(event []byte) {
	h.BroadcastDelivery(event, nil)
}

// Brief is a delivery event that encodes its brief form (see Deliveries).
type Brief interface {
	AppendBriefJSON(b []byte) []byte
}

// BroadcastDelivery is Broadcast for a delivery event, whose brief form
// brief encodes, with the hub's lock held, only when a viewer of brief
// deliveries is there. A nil brief sends them the event as it is.
func (h *Hub) BroadcastDelivery(event []byte, brief Brief) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) == 0 {
		return
	}
	h.pending = append(h.pending, event)
	if h.briefs > 0 {
		b := event
		if brief != nil {
			b = brief.AppendBriefJSON(make([]byte, 0, len(event)))
		}
		h.brief = append(h.brief, b)
	}
	h.pendSize += len(event) + 1
	if h.armed {
		if h.pendSize >= h.opts.MaxFrameBytes {
			h.flushLocked()
		}
		return
	}
	// The first event after a quiet spell goes out at once; those that
	// follow within the gathering delay of a frame gather into the next.
	wait := h.delay - time.Since(h.lastFlush)
	if wait <= 0 || h.pendSize >= h.opts.MaxFrameBytes {
		h.flushLocked()
		return
	}
	h.armed = true
	time.AfterFunc(wait, h.flush)
}

func (h *Hub) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed = false
	h.flushLocked()
}

// flushLocked builds what is pending into frames and queues them for every
// viewer.
func (h *Hub) flushLocked() {
	now := time.Now()
	h.delay = h.gathering(len(h.pending), now.Sub(h.lastFlush))
	h.lastFlush = now
	h.send(h.pending, FullDeliveries)
	if h.briefs > 0 {
		h.send(h.brief, BriefDeliveries)
	}
	clear(h.pending) // let the events go
	clear(h.brief)
	h.pending, h.brief, h.pendSize = h.pending[:0], h.brief[:0], 0
}

// send builds events into frames for the viewers of one kind of delivery
// events.
func (h *Hub) send(events [][]byte, kind Deliveries) {
	for data := range jsonarray.Arrays(events, h.opts.MaxFrameBytes) {
		f := newFrame(data)
		h.frames++
		for c := range h.clients {
			if c.deliveries == kind {
				c.enqueue(f)
			}
		}
	}
}

// gathering is how long the events after a frame of n events, built
// since after the one before, gather for the next: FlushDelay, or more
// when they come faster than BusyRate/BusyFlushDelay*FlushDelay a second.
func (h *Hub) gathering(n int, since time.Duration) time.Duration {
	o := h.opts
	if o.FlushDelay < 0 || since <= 0 {
		return o.FlushDelay
	}
	rate := float64(n) / since.Seconds()
	d := time.Duration(float64(o.BusyFlushDelay) * rate / o.BusyRate)
	return min(max(d, o.FlushDelay), o.BusyFlushDelay)
}

// Deliveries says which form of delivery events a viewer gets.
type Deliveries int

const (
	// FullDeliveries: every field, as the page needs them.
	FullDeliveries Deliveries = iota
	// BriefDeliveries: the few fields a program that follows messages
	// needs, for a fraction of the bytes to send and to decode.
	BriefDeliveries
)

// Join adds a viewer whose first frame holds exactly one event, the
// concatenation of first's pieces (the snapshot). The pieces are shared,
// not copied: the caller must never change them. They count against the
// viewer's byte cap like any event; FirstFrameBudget says how much they
// should take. The caller holds whatever lock orders its snapshot against
// Broadcast, so the viewer misses no event and sees none twice (events
// still gathering belong to the snapshot: they go out first, to the
// viewers already there). Serve must follow.
func (h *Hub) Join(conn *websocket.Conn, first [][]byte, deliveries Deliveries) *Client {
	c := newClient(h, conn)
	c.deliveries = deliveries
	c.first = first
	for _, p := range first {
		c.bytes += len(p)
	}
	c.signal()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		c.cut(websocket.CloseGoingAway, "server shutting down")
		return c
	}
	h.flushLocked()
	h.clients[c] = struct{}{}
	if deliveries == BriefDeliveries {
		h.briefs++
	}
	h.wg.Add(1)
	return c
}

func (h *Hub) leave(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		if c.deliveries == BriefDeliveries {
			h.briefs--
		}
		h.wg.Done()
	}
}

// FirstFrameBudget is the most a viewer's first frame should take: half its
// byte cap, leaving the other half for the events that queue behind it.
func (h *Hub) FirstFrameBudget() int { return h.opts.MaxQueueBytes / 2 }

// Len is the number of connected viewers.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

func (h *Hub) noteDrop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.noteDropLocked()
}

func (h *Hub) noteDropLocked() {
	h.dropped++
	h.lastDrop = time.Now()
}

// Stats counts the viewers.
type Stats struct {
	Viewers  int       `json:"viewers"`
	Dropped  int64     `json:"viewers_dropped"`
	LastDrop time.Time `json:"last_drop"`
	// Frames is how many frames were built, each written to every viewer
	// of its kind of deliveries.
	Frames int64 `json:"frames"`
}

// Stats returns the viewers' counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Viewers: len(h.clients), Dropped: h.dropped, LastDrop: h.lastDrop, Frames: h.frames}
}

// Close sends every viewer a close frame and waits, until ctx is done, for
// their connections to end.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	for c := range h.clients {
		c.cut(websocket.CloseGoingAway, "server shutting down")
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
