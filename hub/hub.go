// Package hub fans out events to WebSocket viewers. It knows clients and
// bytes, nothing of AMQP: each event is encoded once by the caller and the
// same bytes are queued for every viewer. A viewer whose queue outgrows its
// byte cap is disconnected instead of slowing the others; what queued up
// for a viewer is sent as one frame, a JSON array of events.
package hub

import (
	"context"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Options bound each viewer.
type Options struct {
	// MaxQueueBytes is how much may wait for one viewer before it is cut off.
	MaxQueueBytes int
	// MaxFrameBytes caps how much one frame batches together.
	MaxFrameBytes int
	WriteWait     time.Duration
	PongWait      time.Duration
	// ReadLimit is the largest frame a viewer may send.
	ReadLimit int64
	// FlushDelay is how long a writer lets events gather before it writes
	// a frame: at thousands of events a second one write per event would
	// cost more than the events. Negative: write at once.
	FlushDelay time.Duration
}

func (o *Options) defaults() {
	if o.MaxQueueBytes == 0 {
		o.MaxQueueBytes = 4 << 20
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
		o.FlushDelay = 2 * time.Millisecond
	}
}

// Hub is the set of connected viewers.
type Hub struct {
	opts Options

	mu       sync.Mutex
	clients  map[*Client]struct{}
	closing  bool
	wg       sync.WaitGroup
	dropped  int64
	lastDrop time.Time
}

// New returns an empty Hub.
func New(opts Options) *Hub {
	opts.defaults()
	return &Hub{opts: opts, clients: map[*Client]struct{}{}}
}

// Broadcast queues one encoded event for every viewer. It never blocks on
// a viewer.
func (h *Hub) Broadcast(event []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.enqueue(event)
	}
}

// Join adds a viewer whose first frame holds exactly one event, the
// concatenation of first's pieces (the snapshot). The pieces are shared,
// not copied: the caller must never change them. They count against the
// viewer's byte cap like any event; FirstFrameBudget says how much they
// should take. The caller holds whatever lock orders its snapshot against
// Broadcast, so the viewer misses no event and sees none twice. Serve must
// follow.
func (h *Hub) Join(conn *websocket.Conn, first [][]byte) *Client {
	c := newClient(h, conn)
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
	h.clients[c] = struct{}{}
	h.wg.Add(1)
	return c
}

func (h *Hub) leave(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
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
}

// Stats returns the viewers' counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Viewers: len(h.clients), Dropped: h.dropped, LastDrop: h.lastDrop}
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
