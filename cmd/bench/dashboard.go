package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/valyala/fastjson"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// dashboard is a running rabbitboard process.
type dashboard struct{ *testkit.Dashboard }

func buildDashboard() (string, error) {
	dir, err := os.MkdirTemp("", "rabbitboard-bench")
	if err != nil {
		return "", err
	}
	return testkit.Build(".", dir)
}

func startDashboard(bin string, args ...string) (*dashboard, error) {
	d, err := testkit.Start(bin, append([]string{"--addr", "127.0.0.1:0", "--management-url", "-", "--max-count", "100000", "--amqp-url", *amqpURL}, args...)...)
	if err != nil {
		return nil, err
	}
	return &dashboard{d}, nil
}

func (d *dashboard) call(method, path string, body any, out any) error {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, d.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// profile fetches the dashboard's CPU profile over the next d into file
// (the dashboard runs with --pprof); done waits for it.
func (d *dashboard) profile(file string, dur time.Duration) (done func() error, err error) {
	addr := ""
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, line := range strings.Split(d.Log.String(), "\n") {
			if _, rest, ok := strings.Cut(line, `profiles are served" url=`); ok {
				addr = strings.Fields(rest)[0]
			}
		}
	}
	if addr == "" {
		return nil, errors.New("the dashboard did not say where its profiles are")
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("%sprofile?seconds=%d", addr, int(dur.Seconds())))
		if err != nil {
			errc <- err
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(file, data, 0o644)
		}
		errc <- err
	}()
	return func() error { return <-errc }, nil
}

// queue declares a fresh queue through the dashboard.
func (d *dashboard) queue(name string) error {
	_ = d.call("DELETE", "/api/queues/"+name, nil, nil)
	return d.call("POST", "/api/queues", map[string]any{"name": name}, nil)
}

// scene is a dashboard with a fresh queue and receivers on it.
type scene struct {
	*dashboard
	q string
}

// newScene starts a dashboard with the flags given, declares q and adds
// one receiver per spec to it.
func newScene(bin, q string, receivers []map[string]any, flags ...string) (*scene, error) {
	d, err := startDashboard(bin, flags...)
	if err != nil {
		return nil, err
	}
	s := &scene{dashboard: d, q: q}
	if err := d.queue(q); err != nil {
		s.close()
		return nil, err
	}
	for _, spec := range receivers {
		spec["queue"] = q
		if err := d.call("POST", "/api/receivers", spec, nil); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// viewers connects n viewers to a dashboard (or a bare fan-out) that
// read as how says.
func viewers(url string, n int, how reading) ([]*viewer, error) {
	var vs []*viewer
	for range n {
		v, err := connect(url, &how, 0)
		if err != nil {
			closeViewers(vs)
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

func closeViewers(vs []*viewer) {
	for _, v := range vs {
		_ = v.conn.Close()
	}
}

func (s *scene) close() {
	_ = s.call("DELETE", "/api/queues/"+s.q, nil, nil)
	s.Stop() // its viewers' connections end with it
}

func auto(n int, extra map[string]any) []map[string]any {
	var specs []map[string]any
	for range n {
		spec := map[string]any{"ack": "auto"}
		for k, v := range extra {
			spec[k] = v
		}
		specs = append(specs, spec)
	}
	return specs
}

// viewer is a WebSocket client that counts delivery events and, for those
// whose body carries a publish time, how long they took to arrive.
type viewer struct {
	conn       *websocket.Conn
	deliveries atomic.Int64
	observed   atomic.Int64 // other programs' publishes
	mu         sync.Mutex
	samples    []time.Duration
	ended      chan error
	parser     fastjson.Parser // for a viewer that decodes
	endedAt    time.Time
}

var deliveryMark = []byte(`"type":"` + string(board.TypeDelivery) + `"`)
var bodyMark = []byte(`"body":"`)

// observedMark starts each publish to pacedQueue that a viewer is shown as
// another program's (events encode their fields in this order).
var observedMark = []byte(`"type":"` + string(board.TypeObservedPublish) + `","exchange":"","routing_key":"` + pacedQueue + `"`)

// reading says how a viewer reads: not at all past the snapshot (a nil
// *reading), scanning frames for the events it counts, or decoding them;
// and what it asks of /ws (query).
type reading struct {
	decode bool
	query  string
}

// connect opens a viewer; readBuffer > 0 shrinks its socket's receive
// buffer.
func connect(url string, how *reading, readBuffer int) (*viewer, error) {
	dialer := *websocket.DefaultDialer
	if readBuffer > 0 {
		dialer.NetDial = func(network, addr string) (net.Conn, error) {
			c, err := net.Dial(network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(readBuffer)
			}
			return c, err
		}
	}
	path := "/ws"
	if how != nil {
		path += how.query
	}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(url, "http")+path, nil)
	if err != nil {
		return nil, err
	}
	v := &viewer{conn: conn, ended: make(chan error, 1)}
	if _, _, err := conn.ReadMessage(); err != nil { // the snapshot
		return nil, err
	}
	if how == nil {
		return v, nil
	}
	go func() {
		var buf bytes.Buffer // reused: a thousand viewers in this process must cost less than what they measure
		for {
			buf.Reset()
			_, r, err := conn.NextReader()
			if err == nil {
				_, err = buf.ReadFrom(r)
			}
			frame := buf.Bytes()
			if err != nil {
				v.endedAt = time.Now()
				v.ended <- err
				return
			}
			now := time.Now()
			if how.decode {
				v.decode(frame, now)
				continue
			}
			v.observed.Add(int64(bytes.Count(frame, observedMark)))
			// Scan the frame instead of decoding it: a thousand viewers in
			// this process must cost less than the dashboard they measure.
			for i := bytes.Index(frame, deliveryMark); i >= 0; {
				v.deliveries.Add(1)
				rest := frame[i+len(deliveryMark):]
				if j := bytes.Index(rest, bodyMark); j >= 0 {
					if at, ok := sent(rest[j+len(bodyMark):]); ok {
						v.mu.Lock()
						v.samples = append(v.samples, now.Sub(at))
						v.mu.Unlock()
					}
				}
				next := bytes.Index(rest, deliveryMark)
				if next < 0 {
					break
				}
				frame = rest
				i = next
			}
		}
	}()
	return v, nil
}

// decode parses a whole frame with a fast JSON parser, as a viewer that
// uses every event would, and counts its deliveries.
func (v *viewer) decode(frame []byte, now time.Time) {
	parsed, err := v.parser.ParseBytes(frame)
	if err != nil {
		return
	}
	events, _ := parsed.Array()
	for _, e := range events {
		switch board.EventType(e.GetStringBytes("type")) {
		case board.TypeDelivery:
			v.deliveries.Add(1)
			if at, ok := sent(e.GetStringBytes("body")); ok {
				v.mu.Lock()
				v.samples = append(v.samples, now.Sub(at))
				v.mu.Unlock()
			}
		case board.TypeObservedPublish:
			v.observed.Add(1)
		}
	}
}

func waitAll(vs []*viewer, n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, v := range vs {
		for v.deliveries.Load() < n {
			if time.Now().After(deadline) {
				return fmt.Errorf("a viewer has %d of %d deliveries", v.deliveries.Load(), n)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return nil
}
