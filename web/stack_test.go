package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/mq"

	"rabbitboard/internal/testkit"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// stack is the whole dashboard, wired as main wires it, on a free port
// against the machine's RabbitMQ.
type stack struct {
	token  string // sent as a bearer token when set
	url    string
	broker *mq.Broker
	hub    *hub.Hub
}

// options vary the stack a test starts; the zero value is the defaults.
type options struct {
	limits       Limits
	access       Access
	maxReceivers int
	amqpURL      string
	log          io.Writer
	skipWait     bool // the broker is not expected to be reachable
	management   bool // list through the management plugin, as by default
	allowedHosts []string
}

func startStack(t testing.TB, limits Limits) *stack {
	t.Helper()
	return startStackWith(t, options{limits: limits})
}

func startStackWith(t testing.TB, o options) *stack {
	t.Helper()
	testkit.NeedsBroker(t)
	if o.log == nil {
		o.log = io.Discard
	}
	if o.amqpURL == "" {
		o.amqpURL = testkit.AMQPURL()
	}
	log := slog.New(slog.NewTextHandler(o.log, nil))
	viewers := hub.New(hub.Options{ReadLimit: 4 << 10})
	state := NewState(viewers, 200, log)
	mgmt := "-"
	if o.management {
		mgmt = ""
	}
	broker := mq.New(mq.Config{URL: o.amqpURL, Logger: log, Events: state.Apply, PollInterval: 200 * time.Millisecond, ManagementURL: mgmt, MaxReceivers: o.maxReceivers})
	srv := New(Config{Addr: "127.0.0.1:0", Broker: broker, State: state, Limits: o.limits, Access: o.access, AllowedHosts: o.allowedHosts, Logger: log})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	if err := broker.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, err := range []error{srv.Close(ctx), viewers.Close(ctx), broker.Close(ctx)} {
			if err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
		http.DefaultClient.CloseIdleConnections()
	})
	s := &stack{url: srv.URL(), broker: broker, hub: viewers, token: o.access.Token}
	if o.skipWait {
		return s
	}
	testkit.WaitFor(t, 5*time.Second, "the broker connection (is RabbitMQ running?)", func() bool {
		return broker.State().State == "connected"
	})
	return s
}

// call sends a JSON request and decodes the JSON answer into out (if not nil).
func (s *stack) call(t testing.TB, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		if str, ok := body.(string); ok {
			rd = strings.NewReader(str)
		} else {
			data, _ := json.Marshal(body)
			rd = bytes.NewReader(data)
		}
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: answer %q is not JSON: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// mustCall is call that fails the test on an unexpected status.
func (s *stack) mustCall(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	var raw json.RawMessage
	if got := s.call(t, method, path, body, &raw); got != want {
		t.Fatalf("%s %s: status %d (%s), want %d", method, path, got, raw, want)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

func (s *stack) queue(t testing.TB, spec board.QueueSpec) string {
	t.Helper()
	if spec.Name == "" {
		spec.Name = "rb-web-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	}
	s.call(t, "DELETE", "/api/queues/"+spec.Name, nil, nil)
	s.mustCall(t, "POST", "/api/queues", spec, http.StatusCreated, nil)
	t.Cleanup(func() { _ = s.broker.DeleteQueue(spec.Name) })
	return spec.Name
}

func (s *stack) receiver(t testing.TB, spec board.ReceiverSpec) board.ReceiverInfo {
	t.Helper()
	var info board.ReceiverInfo
	s.mustCall(t, "POST", "/api/receivers", spec, http.StatusCreated, &info)
	return info
}

// viewer is a WebSocket client that keeps every event it gets.
type viewer struct {
	deliveries atomic.Int64
	conn       *websocket.Conn
	mu         sync.Mutex
	frames     int
	events     []map[string]any
	done       chan struct{}
}

func (s *stack) viewer(t testing.TB) *viewer {
	t.Helper()
	return s.viewerAt(t, "/ws")
}

// viewerAt is a viewer of path, /ws with a query.
func (s *stack) viewerAt(t testing.TB, path string) *viewer {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &viewer{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(v.done)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var evs []map[string]any
			if err := json.Unmarshal(data, &evs); err != nil {
				t.Errorf("frame %q is not a JSON array", data)
				return
			}
			for _, e := range evs {
				if e["type"] == "delivery" {
					v.deliveries.Add(1)
				}
			}
			v.mu.Lock()
			v.frames++
			v.events = append(v.events, evs...)
			v.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-v.done
	})
	return v
}

// of returns the events of a type, optionally only those for one receiver.
func (v *viewer) of(typ, receiver string) []map[string]any {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []map[string]any
	for _, e := range v.events {
		if e["type"] == typ && (receiver == "" || e["receiver"] == receiver) {
			out = append(out, e)
		}
	}
	return out
}
