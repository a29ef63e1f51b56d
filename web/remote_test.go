package web

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"rabbitboard/board"
	"rabbitboard/hub"
)

// broadcasts is a Viewers that keeps what was broadcast.
type broadcasts struct {
	mu   sync.Mutex
	sent []string
}

func (b *broadcasts) Broadcast(event []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent = append(b.sent, string(event))
}
func (b *broadcasts) BroadcastDelivery(event []byte, _ hub.Brief)                { b.Broadcast(event) }
func (b *broadcasts) Join(*websocket.Conn, [][]byte, hub.Deliveries) *hub.Client { return nil }
func (b *broadcasts) FirstFrameBudget() int                                      { return 1 << 20 }
func (b *broadcasts) Stats() hub.Stats                                           { return hub.Stats{} }

// Another replica's events are input: only what that replica may say is
// shown, decoded into its type and broadcast as this replica encodes it.
func TestApplyRemote(t *testing.T) {
	receiver := func(id, replica, name string) string {
		data, _ := json.Marshal(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: board.ReceiverInfo{ID: id, Replica: replica, Kind: "own", State: board.StateConsuming, ReceiverSpec: board.ReceiverSpec{Name: name, Queue: "q"}}})
		return string(data)
	}
	delivery := func(id string) string {
		return `{"type":"delivery","receiver":"` + id + `","queue":"q","seq":1,"exchange":"","routing_key":"q","body":"hi","body_size":2,"at":"2026-12-03T10:00:00Z","counters":{"received":1}}`
	}
	tests := []struct {
		name      string
		sender    string
		events    []string
		shown     int    // events broadcast
		dropped   int64  // events left out
		receivers int    // receivers in the state after
		contains  string // in the last broadcast, when shown
	}{
		{"its receiver and a delivery", "abc", []string{receiver("abc-r1", "abc", "worker A"), delivery("abc-r1")}, 2, 0, 1, `"body":"hi"`},
		{"a receiver under another replica's prefix", "abc", []string{receiver("xyz-r1", "abc", "worker A")}, 0, 1, 0, ""},
		{"a receiver naming another replica", "abc", []string{receiver("abc-r1", "xyz", "worker A")}, 0, 1, 0, ""},
		{"a delivery for a receiver never announced", "abc", []string{delivery("abc-r9")}, 0, 1, 0, ""},
		{"a delivery for another replica's receiver", "xyz", []string{delivery("abc-r1")}, 1, 1, 1, `"id":"abc-r1"`},
		{"the type said twice: the second is the one read", "abc", []string{`{"type":"delivery","type":"broker","state":"down"}`}, 0, 1, 0, ""},
		{"an event replicas do not share", "abc", []string{`{"type":"queue","queue":{"name":"fake","messages":1}}`}, 0, 1, 0, ""},
		{"a name of a megabyte", "abc", []string{receiver("abc-r1", "abc", strings.Repeat("x", 1<<20))}, 0, 1, 0, ""},
		{"not JSON", "abc", []string{`{"type":"receiver"`}, 0, 1, 0, ""},
		{"unknown fields are not passed on", "abc", []string{strings.Replace(receiver("abc-r1", "abc", "A"), `{"type":"receiver",`, `{"type":"receiver","script":"<script>",`, 1)}, 1, 0, 1, `"name":"A"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &broadcasts{}
			s := NewState(v, 10, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if tt.sender == "xyz" { // abc announced its receiver first
				s.ApplyRemote("abc", []byte(receiver("abc-r1", "abc", "A")))
			}
			for _, e := range tt.events {
				s.ApplyRemote(tt.sender, []byte(e))
			}
			if len(v.sent) != tt.shown {
				t.Fatalf("%d broadcast, want %d: %v", len(v.sent), tt.shown, v.sent)
			}
			if d := s.RemoteDropped(); d != tt.dropped {
				t.Fatalf("%d dropped, want %d", d, tt.dropped)
			}
			if n := len(s.Receivers()); n != tt.receivers {
				t.Fatalf("%d receivers, want %d", n, tt.receivers)
			}
			if tt.shown > 0 {
				last := v.sent[len(v.sent)-1]
				if !strings.Contains(last, tt.contains) || strings.Contains(last, "script") {
					t.Fatalf("broadcast %s, want it to hold %s and nothing unknown", last, tt.contains)
				}
			}
		})
	}
}

// One replica may announce as many receivers as one replica may run.
func TestApplyRemoteReceiverCap(t *testing.T) {
	s := NewState(&broadcasts{}, 10, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for i := range maxRemoteReceivers + 20 {
		data, _ := json.Marshal(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: board.ReceiverInfo{ID: fmt.Sprintf("abc-r%d", i), Replica: "abc"}})
		s.ApplyRemote("abc", data)
	}
	if n := len(s.Receivers()); n != maxRemoteReceivers {
		t.Fatalf("%d receivers of one replica, want at most %d", n, maxRemoteReceivers)
	}
	if d := s.RemoteDropped(); d != 20 {
		t.Fatalf("%d dropped, want 20", d)
	}
}
