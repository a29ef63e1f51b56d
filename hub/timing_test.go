package hub

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
)

// The hub's timing on a fake clock (testing/synctest): viewers are real
// WebSocket connections over in-memory pipes, so time moves only when
// every goroutine waits, and a test reads the exact moment a frame left.

// hijacker is the ResponseWriter an Upgrader needs, over one end of a pipe.
type hijacker struct {
	conn   net.Conn
	header http.Header
}

func (w *hijacker) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}
func (w *hijacker) Write(b []byte) (int, error) { return w.conn.Write(b) }
func (w *hijacker) WriteHeader(int)             {}
func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}

// pipeViewer joins a viewer to h over an in-memory pipe, as a browser
// joins over TCP, and returns its end.
func pipeViewer(t *testing.T, h *Hub) *websocket.Conn {
	t.Helper()
	server, client := net.Pipe()
	go func() {
		req, err := http.ReadRequest(bufio.NewReader(server))
		if err != nil {
			server.Close()
			return
		}
		conn, err := (&websocket.Upgrader{}).Upgrade(&hijacker{conn: server}, req, nil)
		if err != nil {
			server.Close()
			return
		}
		h.Join(conn, [][]byte{[]byte(`{"type":"snapshot"}`)}, FullDeliveries).Serve()
	}()
	d := websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) { return client, nil }}
	c, _, err := d.Dial("ws://hub/", nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seqs reads one frame and returns the seq of each of its events.
func seqs(t *testing.T, c *websocket.Conn) []int {
	t.Helper()
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var events []struct{ Seq int }
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatalf("frame %q: %v", data, err)
	}
	var out []int
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}

func event(seq, size int) []byte {
	return fmt.Appendf(nil, `{"type":"delivery","seq":%d,"body":%q}`, seq, strings.Repeat("x", size))
}

func closeHub(t *testing.T, h *Hub) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Error(err)
	}
}

// An event after a quiet spell leaves at once; those right behind it wait
// exactly FlushDelay and leave together; after a quiet spell, at once again.
func TestGatheringWaitsExactlyTheFlushDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Options{FlushDelay: 10 * time.Millisecond})
		v := pipeViewer(t, h)
		defer closeHub(t, h)
		defer v.Close()
		if got := seqs(t, v); len(got) != 1 {
			t.Fatalf("first frame %v, want the snapshot alone", got)
		}
		time.Sleep(time.Second) // a viewer joining flushes too
		start := time.Now()
		h.Broadcast(event(1, 10))
		if got, at := seqs(t, v), time.Since(start); fmt.Sprint(got) != "[1]" || at != 0 {
			t.Fatalf("after a quiet spell: %v at %v, want [1] at once", got, at)
		}
		h.Broadcast(event(2, 10))
		h.Broadcast(event(3, 10))
		if got, at := seqs(t, v), time.Since(start); fmt.Sprint(got) != "[2 3]" || at != 10*time.Millisecond {
			t.Fatalf("right behind: %v at %v, want [2 3] together at 10ms", got, at)
		}
		time.Sleep(time.Second)
		quiet := time.Now()
		h.Broadcast(event(4, 10))
		if got, at := seqs(t, v), time.Since(quiet); fmt.Sprint(got) != "[4]" || at != 0 {
			t.Fatalf("after a second's quiet: %v at %v, want [4] at once", got, at)
		}
	})
}

// A viewer that reads nothing while its queue is past the byte cap is cut
// off once its oldest frame is more than MaxBehind old, not a moment
// before; the others are not held up meanwhile.
func TestSlowViewerIsCutAfterExactlyMaxBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Options{MaxQueueBytes: 1000, MaxBehind: 2 * time.Second, FlushDelay: -1})
		slow, fast := pipeViewer(t, h), pipeViewer(t, h)
		defer closeHub(t, h)
		defer slow.Close()
		defer fast.Close()
		seqs(t, slow)
		seqs(t, fast)
		got := make(chan int, 100)
		go func() {
			defer close(got)
			for {
				_, data, err := fast.ReadMessage()
				if err != nil {
					return
				}
				got <- strings.Count(string(data), `"seq"`)
			}
		}()
		seq := 0
		send := func(n int) {
			for range n {
				seq++
				h.Broadcast(event(seq, 200))
			}
		}
		send(10) // the slow viewer's writer takes these and is stuck on them
		time.Sleep(2 * time.Second)
		send(5) // past the 1,000-byte cap, with the oldest frame exactly 2 s old
		synctest.Wait()
		if d := h.Stats().Dropped; d != 0 {
			t.Fatalf("cut off %d viewers when the oldest frame was exactly 2 s old", d)
		}
		time.Sleep(time.Millisecond)
		send(1)
		synctest.Wait()
		if st := h.Stats(); st.Dropped != 1 || st.Viewers != 1 {
			t.Fatalf("2.001 s behind: %+v, want the slow viewer cut off and the other kept", st)
		}
		if _, _, err := slow.ReadMessage(); err == nil {
			t.Fatal("the slow viewer's connection is still open")
		}
		fast.Close()
		n := 0
		for c := range got {
			n += c
		}
		if n != seq {
			t.Fatalf("the reading viewer got %d events, want %d", n, seq)
		}
	})
}

// Events coming faster than BusyRate a second gather for BusyFlushDelay,
// not FlushDelay: fewer, fuller frames, each event in order and once;
// after a quiet spell, the next leaves at once again.
func TestBusyEventsGatherLonger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(Options{FlushDelay: time.Millisecond, BusyFlushDelay: 4 * time.Millisecond, BusyRate: 10000})
		v := pipeViewer(t, h)
		defer closeHub(t, h)
		defer v.Close()
		seqs(t, v) // the snapshot
		time.Sleep(time.Second)
		start := time.Now()
		const sent = 700 // one every 30 µs, 33,333 a second, for 21 ms
		go func() {
			for i := 1; i <= sent; i++ {
				h.Broadcast(event(i, 10))
				time.Sleep(30 * time.Microsecond)
			}
		}()
		var at []time.Duration
		next := 1
		for next <= sent {
			got := seqs(t, v)
			at = append(at, time.Since(start))
			for _, s := range got {
				if s != next {
					t.Fatalf("frame %v: event %d where %d was next", got, s, next)
				}
				next++
			}
		}
		// The first leaves at once; the frame FlushDelay later holds the 33
		// events of a millisecond (33,000 a second), so the next ones are
		// BusyFlushDelay apart, the last holding the event sent at 20.97 ms.
		want := []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 9 * time.Millisecond, 13 * time.Millisecond, 17 * time.Millisecond, 21 * time.Millisecond}
		if fmt.Sprint(at) != fmt.Sprint(want) {
			t.Fatalf("frames at %v, want %v", at, want)
		}
		time.Sleep(time.Second)
		quiet := time.Now()
		h.Broadcast(event(sent+1, 10))
		if got, at := seqs(t, v), time.Since(quiet); fmt.Sprint(got) != fmt.Sprint([]int{sent + 1}) || at != 0 {
			t.Fatalf("after a quiet spell: %v at %v, want [%d] at once", got, at, sent+1)
		}
	})
}

// The gathering delay grows with the rate of events between FlushDelay and
// BusyFlushDelay.
func TestGatheringGrowsWithTheRate(t *testing.T) {
	h := New(Options{FlushDelay: time.Millisecond, BusyFlushDelay: 4 * time.Millisecond, BusyRate: 10000})
	for _, c := range []struct {
		n     int
		since time.Duration
		want  time.Duration
	}{
		{0, time.Second, time.Millisecond},               // nothing: the least
		{1, time.Millisecond, time.Millisecond},          // 1,000 a second
		{5, 2 * time.Millisecond, time.Millisecond},      // 2,500: just the least
		{5, time.Millisecond, 2 * time.Millisecond},      // 5,000: half of BusyRate, half of BusyFlushDelay
		{30, 4 * time.Millisecond, 3 * time.Millisecond}, // 7,500
		{10, time.Millisecond, 4 * time.Millisecond},     // BusyRate
		{100, time.Millisecond, 4 * time.Millisecond},    // past it: no more
		{3, 0, time.Millisecond},                         // no time between: the least
	} {
		if got := h.gathering(c.n, c.since); got != c.want {
			t.Errorf("%d events in %v: gather %v, want %v", c.n, c.since, got, c.want)
		}
	}
	if got := New(Options{FlushDelay: -1}).gathering(100, time.Millisecond); got >= 0 {
		t.Errorf("a frame per event: gather %v, want none", got)
	}
}
