package hub

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client is one viewer's connection: a queue of frames capped in bytes
// and in time behind, one writer goroutine, one reader that answers pings
// and notices the viewer leaving.
type Client struct {
	hub        *Hub
	conn       *websocket.Conn
	deliveries Deliveries

	mu        sync.Mutex
	first     [][]byte // pieces of the first event, until it is written
	queue     []*frame
	bytes     int // of first and queue
	joined    time.Time
	writing   time.Time // when the oldest frame being written was built
	closeCode int       // non-zero once the client is being cut off
	closeText string
	wake      chan struct{} // signalled when the queue grows or the client is cut
}

func newClient(h *Hub, conn *websocket.Conn) *Client {
	return &Client{hub: h, conn: conn, joined: time.Now(), wake: make(chan struct{}, 1)}
}

// enqueue queues a frame, or cuts the viewer off when it is too far
// behind. The hub calls it with its lock held.
func (c *Client) enqueue(f *frame) {
	c.mu.Lock()
	if c.closeCode != 0 {
		c.mu.Unlock()
		return
	}
	if c.bytes > 0 && c.bytes+len(f.data) > c.hub.opts.MaxQueueBytes {
		oldest := c.joined
		switch {
		case c.first != nil:
		case !c.writing.IsZero():
			oldest = c.writing
		case len(c.queue) > 0:
			oldest = c.queue[0].built
		}
		if time.Since(oldest) > c.hub.opts.MaxBehind {
			c.mu.Unlock()
			c.hub.noteDropLocked()
			c.cut(websocket.ClosePolicyViolation, "too slow: reconnect for a fresh snapshot")
			// A writer stuck on a full socket would hold on for WriteWait;
			// end its write now. (net.Conn deadlines may be set from any
			// goroutine.)
			_ = c.conn.UnderlyingConn().SetWriteDeadline(time.Now())
			return
		}
	}
	c.queue = append(c.queue, f)
	c.bytes += len(f.data)
	c.mu.Unlock()
	c.signal()
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// cut stops the client: its writer sends a close frame and ends.
func (c *Client) cut(code int, text string) {
	c.mu.Lock()
	if c.closeCode == 0 {
		c.closeCode, c.closeText = code, text
		c.first, c.queue, c.bytes = nil, nil, 0
	}
	c.mu.Unlock()
	c.signal()
}

func (c *Client) isCut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode != 0
}

// Serve runs the viewer's connection until it ends. It returns after both
// of the connection's goroutines have stopped.
func (c *Client) Serve() {
	defer c.hub.leave(c)
	readDone := make(chan struct{})
	go c.read(readDone)
	c.write(readDone)
	_ = c.conn.Close()
	<-readDone
}

// read discards what the viewer sends (nothing is expected), answering
// pings; it ends when the connection does.
func (c *Client) read(done chan<- struct{}) {
	defer close(done)
	c.conn.SetReadLimit(c.hub.opts.ReadLimit)
	_ = c.conn.SetReadDeadline(time.Now().Add(c.hub.opts.PongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(c.hub.opts.PongWait))
	})
	for {
		// Read each message through: the read limit counts the bytes read
		// of a message, so one left unread could be any size.
		_, msg, err := c.conn.NextReader()
		if err == nil {
			_, err = io.Copy(io.Discard, msg)
		}
		if err != nil {
			c.cut(websocket.CloseNormalClosure, "")
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(c.hub.opts.PongWait))
	}
}

func (c *Client) write(readDone <-chan struct{}) {
	ping := time.NewTicker(c.hub.opts.PongWait * 9 / 10)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
		case <-ping.C:
			if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.hub.opts.WriteWait)) != nil {
				return
			}
			continue
		case <-readDone:
			return
		}
		first, frames, code, text := c.take()
		if code != 0 {
			msg := websocket.FormatCloseMessage(code, text)
			_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.hub.opts.WriteWait))
			return
		}
		if first == nil && len(frames) == 0 {
			continue
		}
		err := c.writeFrame(first, frames)
		c.mu.Lock()
		c.writing = time.Time{}
		c.mu.Unlock()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !c.isCut() {
				c.hub.noteDrop() // too slow to take a frame within WriteWait
			}
			return
		}
		c.signal() // more may have queued, or the batch was capped
	}
}

// take removes what is queued for the next message: the first event's
// pieces, or frames that together stay within MaxFrameBytes.
func (c *Client) take() (first [][]byte, frames []*frame, closeCode int, closeText string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeCode != 0 {
		return nil, nil, c.closeCode, c.closeText
	}
	if c.first != nil {
		first, c.first = c.first, nil
		for _, p := range first {
			c.bytes -= len(p)
		}
		return first, nil, 0, ""
	}
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size+len(c.queue[n].data) <= c.hub.opts.MaxFrameBytes) {
		size += len(c.queue[n].data)
		n++
	}
	frames = c.queue[:n:n]
	if n > 0 {
		c.writing = frames[0].built
	}
	c.queue = c.queue[n:]
	if len(c.queue) == 0 {
		c.queue = nil // let the frames go
	}
	c.bytes -= size
	return nil, frames, 0, ""
}

// writeFrame writes the first event, one frame as it was built, or the
// frames a viewer fell behind by merged into one.
func (c *Client) writeFrame(first [][]byte, frames []*frame) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.hub.opts.WriteWait))
	if first == nil && len(frames) == 1 {
		return c.conn.WritePreparedMessage(frames[0].prepared)
	}
	w, err := c.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	if first != nil {
		_, _ = w.Write([]byte{'['})
		for _, p := range first {
			_, _ = w.Write(p)
		}
		_, _ = w.Write([]byte{']'})
		return w.Close()
	}
	for i, f := range frames {
		inner := f.data[1 : len(f.data)-1]
		if i == 0 {
			inner = f.data[:len(f.data)-1]
		} else {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(inner)
	}
	_, _ = w.Write([]byte{']'})
	return w.Close()
}
