package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/internal/testkit"
)

// A lesson downloaded from one dashboard plays in another started with
// --replay while RabbitMQ is stopped: its viewers are shown the lesson's
// deliveries again, in order, and the broker is said to be a recording.
func TestReplayFileWithoutBroker(t *testing.T) {
	d := startBinary(t, "--addr", "127.0.0.1:0", "--management-url", "-")
	freshQueue(t, d.URL, "rb-replay-file")
	post(t, d.URL+"/api/receivers", map[string]any{"queue": "rb-replay-file", "name": "student", "ack": "auto"}, nil)
	for i := range 3 {
		time.Sleep(100 * time.Millisecond)
		post(t, d.URL+"/api/publish", map[string]any{"routing_key": "rb-replay-file", "body": fmt.Sprintf("Lesson %d", i+1)}, nil)
	}
	file := filepath.Join(t.TempDir(), "lesson.ndjson")
	testkit.WaitFor(t, 5*time.Second, "the lesson's three deliveries in the timeline", func() bool {
		resp, err := http.Get(d.URL + "/api/timeline?download=1")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		_ = os.WriteFile(file, data, 0o600)
		return strings.Count(string(data), `"body":"Lesson `) == 3
	})
	d.Stop()

	testkit.StopBroker(t)
	bin, err := testkit.Build(".", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := testkit.Start(bin, "--replay", file, "--addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	var health map[string]string
	if getJSON(t, r.URL+"/healthz", &health); health["broker"] != "replay" {
		t.Fatalf("healthz says %v, want the broker said to be a replay", health)
	}
	if resp, err := http.Get(r.URL + "/"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the page: %v %v", resp, err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var bodies []string
	broker := ""
	for len(bodies) < 3 {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("after %q: %v", bodies, err)
		}
		var events []struct {
			Type   string `json:"type"`
			Broker struct {
				State string `json:"state"`
			} `json:"broker"`
			Event struct {
				Type string `json:"type"`
				Body string `json:"body"`
			} `json:"event"`
		}
		if err := json.Unmarshal(data, &events); err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			switch {
			case e.Type == "snapshot":
				broker = e.Broker.State
			case e.Type == "replayed" && e.Event.Type == "delivery":
				bodies = append(bodies, e.Event.Body)
			}
		}
	}
	if got := strings.Join(bodies, "|"); got != "Lesson 1|Lesson 2|Lesson 3" || broker != "replay" {
		t.Fatalf("the recording played %q with the broker %q", got, broker)
	}
}
