package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve starts a real WebSocket server whose viewers join h with snapshot
// {"type":"snapshot"}.
func serve(t *testing.T, h *Hub) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		deliveries := FullDeliveries
		if r.URL.Query().Has("brief") {
			deliveries = BriefDeliveries
		}
		h.Join(conn, [][]byte{[]byte(`{"type":`), []byte(`"snapshot"}`)}, deliveries).Serve()
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Error(err)
		}
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readFrame(t *testing.T, c *websocket.Conn) []map[string]any {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, data, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var events []map[string]any
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatalf("frame %q is not a JSON array: %v", data, err)
	}
	return events
}

func waitViewers(t *testing.T, h *Hub, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); h.Len() != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d viewers, want %d", h.Len(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEveryViewerGetsEveryEventInOrder(t *testing.T) {
	h := New(Options{})
	url := serve(t, h)
	viewers := []*websocket.Conn{dial(t, url), dial(t, url), dial(t, url)}
	waitViewers(t, h, 3)
	for i := 1; i <= 500; i++ {
		h.Broadcast(fmt.Appendf(nil, `{"type":"delivery","seq":%d}`, i))
	}
	for vi, v := range viewers {
		first := readFrame(t, v)
		if len(first) != 1 || first[0]["type"] != "snapshot" {
			t.Fatalf("viewer %d first frame %v, want the snapshot alone", vi, first)
		}
		next := 1
		for next <= 500 {
			for _, e := range readFrame(t, v) {
				if e["seq"] != float64(next) {
					t.Fatalf("viewer %d got seq %v, want %d", vi, e["seq"], next)
				}
				next++
			}
		}
	}
}

func TestSlowViewerIsCutOff(t *testing.T) {
	h := New(Options{MaxQueueBytes: 64 << 10, MaxBehind: 100 * time.Millisecond})
	url := serve(t, h)
	slow := dial(t, url) // never reads
	fast := dial(t, url)
	waitViewers(t, h, 2)
	event := []byte(`{"type":"delivery","body":"` + strings.Repeat("x", 1000) + `"}`)
	got := 0
	readFrame(t, fast) // snapshot
	// The slow viewer's socket buffers fill, then its 64 KiB queue does.
	for i := 0; i < 20000 && h.Stats().Dropped == 0; i++ {
		h.Broadcast(event)
		if i%50 == 0 {
			for range 50 {
				got += len(readFrame(t, fast))
				if got >= i {
					break
				}
			}
		}
	}
	if h.Stats().Dropped != 1 {
		t.Fatalf("dropped %d viewers, want the slow one", h.Stats().Dropped)
	}
	waitViewers(t, h, 1)
	_ = slow.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = slow.ReadMessage()
	}
	// Its socket was full, so no close frame could reach it: the
	// connection just ends, at once rather than after the write timeout.
	if _, ok := err.(*websocket.CloseError); !ok {
		t.Fatalf("slow viewer ended with %v, want the connection closed", err)
	}
}

func TestOversizedFrameFromViewerClosesIt(t *testing.T) {
	h := New(Options{ReadLimit: 1024})
	url := serve(t, h)
	c := dial(t, url)
	waitViewers(t, h, 1)
	// 5 KiB goes as several frames, each under the limit. The server may
	// close before the last one is written, so a write error is expected.
	_ = c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 5<<10)))
	waitViewers(t, h, 0)
}

func TestCloseSendsGoingAway(t *testing.T) {
	h := New(Options{})
	url := serve(t, h)
	c := dial(t, url)
	waitViewers(t, h, 1)
	readFrame(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("got %v, want close 1001", err)
	}
}

// A burst far larger than the byte cap, to viewers that read as fast as
// they can, cuts no one off: they are behind by bytes, not by time.
func TestBurstDoesNotLookSlow(t *testing.T) {
	h := New(Options{MaxQueueBytes: 64 << 10})
	url := serve(t, h)
	viewers := []*websocket.Conn{dial(t, url), dial(t, url)}
	waitViewers(t, h, 2)
	event := []byte(`{"type":"delivery","body":"` + strings.Repeat("x", 1000) + `"}`)
	const n = 4000 // 4 MB, 64 times the cap
	counts := make(chan int, len(viewers))
	for _, v := range viewers {
		go func() {
			got := 0
			for got < n+1 {
				_ = v.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, data, err := v.ReadMessage()
				if err != nil {
					break
				}
				var events []json.RawMessage
				if json.Unmarshal(data, &events) != nil {
					break
				}
				got += len(events)
			}
			counts <- got
		}()
	}
	for range n {
		h.Broadcast(event)
	}
	for range viewers {
		if got := <-counts; got != n+1 {
			t.Errorf("a viewer got %d events, want the snapshot and %d", got, n)
		}
	}
	st := h.Stats()
	if st.Dropped != 0 {
		t.Fatalf("%d viewers cut off by a burst", st.Dropped)
	}
	if st.Frames >= n {
		t.Fatalf("%d frames for %d events: not gathered", st.Frames, n)
	}
}

// A viewer of brief deliveries gets each delivery in its brief form and
// every other event as it is; the full viewer beside it, the events as
// they are. The brief form is encoded only while such a viewer is there.
func TestBriefDeliveriesGoToTheirViewers(t *testing.T) {
	h := New(Options{FlushDelay: -1})
	url := serve(t, h)
	full := dial(t, url)
	waitViewers(t, h, 1)
	readFrame(t, full) // the snapshot
	encoded := 0
	brief := func(seq int) Brief { return briefOf{seq, &encoded} }
	h.BroadcastDelivery([]byte(`{"type":"delivery","seq":1,"at":"x"}`), brief(1))
	readFrame(t, full)
	if encoded != 0 {
		t.Fatalf("the brief form was encoded %d times with no viewer of it", encoded)
	}
	short := dial(t, url+"?brief")
	waitViewers(t, h, 2)
	readFrame(t, short)
	h.BroadcastDelivery([]byte(`{"type":"delivery","seq":2,"at":"x"}`), brief(2))
	h.Broadcast([]byte(`{"type":"queue","seq":3}`))
	h.BroadcastDelivery([]byte(`{"type":"delivery","seq":4,"at":"x"}`), nil)
	read := func(c *websocket.Conn) string {
		var got []string
		for len(got) < 3 {
			for _, e := range readFrame(t, c) {
				got = append(got, fmt.Sprint(e))
			}
		}
		return strings.Join(got, " ")
	}
	if got, want := read(full), "map[at:x seq:2 type:delivery] map[seq:3 type:queue] map[at:x seq:4 type:delivery]"; got != want {
		t.Errorf("the full viewer got %s, want %s", got, want)
	}
	if got, want := read(short), "map[seq:2 type:delivery] map[seq:3 type:queue] map[at:x seq:4 type:delivery]"; got != want {
		t.Errorf("the brief viewer got %s, want %s", got, want)
	}
	if encoded != 1 {
		t.Fatalf("the brief form was encoded %d times for one brief event, want 1", encoded)
	}
	short.Close()
	waitViewers(t, h, 1)
	h.BroadcastDelivery([]byte(`{"type":"delivery","seq":5,"at":"x"}`), brief(5))
	readFrame(t, full)
	if encoded != 1 {
		t.Fatalf("the brief form was encoded after its viewer left")
	}
}

// briefOf is a delivery whose brief form is its seq, counting its encodings.
type briefOf struct {
	seq     int
	encoded *int
}

func (b briefOf) AppendBriefJSON(out []byte) []byte {
	*b.encoded++
	return fmt.Appendf(out, `{"type":"delivery","seq":%d}`, b.seq)
}
