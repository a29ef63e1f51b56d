package hub

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client is one viewer's connection: a queue capped in bytes, one writer
// goroutine that batches the queue into frames, one reader that answers
// pings and notices the viewer leaving.
type Client struct {
	hub  *Hub
	conn *websocket.Conn

	mu        sync.Mutex
	first     [][]byte // pieces of the first event, until it is written
	queue     [][]byte
	bytes     int // of first and queue
	closeCode int // non-zero once the client is being cut off
	closeText string
	wake      chan struct{} // signalled when the queue grows or the client is cut
}

func newClient(h *Hub, conn *websocket.Conn) *Client {
	return &Client{hub: h, conn: conn, wake: make(chan struct{}, 1)}
}

// enqueue queues an event, or cuts the viewer off when it would pass its
// byte cap. Broadcast calls it with the hub's lock held.
func (c *Client) enqueue(event []byte) {
	c.mu.Lock()
	if c.closeCode != 0 {
		c.mu.Unlock()
		return
	}
	if c.bytes+len(event) > c.hub.opts.MaxQueueBytes && c.bytes > 0 {
		c.mu.Unlock()
		c.hub.noteDropLocked() // Broadcast holds the hub's lock
		c.cut(websocket.ClosePolicyViolation, "too slow: reconnect for a fresh snapshot")
		// A writer stuck on a full socket would hold on for WriteWait; end
		// its write now. (net.Conn deadlines may be set from any goroutine.)
		_ = c.conn.UnderlyingConn().SetWriteDeadline(time.Now())
		return
	}
	c.queue = append(c.queue, event)
	c.bytes += len(event)
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
	gather := time.NewTimer(0)
	<-gather.C
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
		if c.hub.opts.FlushDelay > 0 && !c.isCut() {
			gather.Reset(c.hub.opts.FlushDelay)
			select {
			case <-gather.C:
			case <-readDone:
				return
			}
		}
		batch, joined, code, text := c.take()
		if code != 0 {
			msg := websocket.FormatCloseMessage(code, text)
			_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.hub.opts.WriteWait))
			return
		}
		if len(batch) == 0 {
			continue
		}
		if err := c.writeFrame(batch, joined); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !c.isCut() {
				c.hub.noteDrop() // too slow to take a frame within WriteWait
			}
			return
		}
		c.signal() // more may have queued, or the batch was capped
	}
}

// take removes what is queued for the next frame: the first event's
// pieces (joined: one event) or a batch of whole events.
func (c *Client) take() (batch [][]byte, joined bool, closeCode int, closeText string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeCode != 0 {
		return nil, false, c.closeCode, c.closeText
	}
	if c.first != nil {
		batch, c.first = c.first, nil
		for _, p := range batch {
			c.bytes -= len(p)
		}
		return batch, true, 0, ""
	}
	n, size := 0, 0
	for n < len(c.queue) && (n == 0 || size+len(c.queue[n]) <= c.hub.opts.MaxFrameBytes) {
		size += len(c.queue[n])
		n++
	}
	batch = c.queue[:n:n]
	c.queue = c.queue[n:]
	c.bytes -= size
	return batch, false, 0, ""
}

// writeFrame writes events as one JSON array; joined, the batch is the
// pieces of a single event.
func (c *Client) writeFrame(batch [][]byte, joined bool) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.hub.opts.WriteWait))
	w, err := c.conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	_, _ = w.Write([]byte{'['})
	for i, e := range batch {
		if i > 0 && !joined {
			_, _ = w.Write([]byte{','})
		}
		_, _ = w.Write(e)
	}
	_, _ = w.Write([]byte{']'})
	return w.Close()
}
