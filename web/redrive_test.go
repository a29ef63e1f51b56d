package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// Redrive sends a dead-letter queue's messages back to the exchange and
// routing key they were first published with, with their properties and
// history; a message that was never dead-lettered stays where it is.
func TestRedrive(t *testing.T) {
	s := startStack(t, Limits{})
	dlq := s.queue(t, board.QueueSpec{Name: "rb-redrive-dlq"})
	src := s.queue(t, board.QueueSpec{Name: "rb-redrive-src", Arguments: map[string]any{"x-message-ttl": 100, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq}})
	for _, body := range []string{"Expired one", "Expired two"} {
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": src, "body": body, "properties": map[string]any{"type": "lesson"}}, http.StatusOK, nil)
	}
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": dlq, "body": "Never dead"}, http.StatusOK, nil)
	testkit.WaitFor(t, 10*time.Second, "three messages in the dead-letter queue", func() bool { return s.ready(t, dlq) == 3 })
	// The source queue comes back without its time to live, so what is
	// sent back stays there.
	s.mustCall(t, "DELETE", "/api/queues/"+src, nil, http.StatusNoContent, nil)
	s.queue(t, board.QueueSpec{Name: src})

	var res board.RedriveResult
	s.mustCall(t, "POST", "/api/queues/"+dlq+"/redrive", nil, http.StatusOK, &res)
	if res != (board.RedriveResult{Moved: 2, Skipped: 1}) {
		t.Fatalf("redrive answered %+v, want 2 moved and 1 skipped", res)
	}
	if got := s.ready(t, dlq); got != 1 {
		t.Fatalf("the dead-letter queue holds %d, want the one never dead-lettered", got)
	}
	ch := testkit.Channel(t)
	var bodies []string
	for range 2 {
		m, ok, err := ch.Get(src, true)
		if err != nil || !ok {
			t.Fatalf("%v %v after %q", ok, err, bodies)
		}
		deaths, _ := m.Headers["x-death"].([]any)
		if m.Type != "lesson" || len(deaths) != 1 || !strings.HasPrefix(m.MessageId, "rb-") {
			t.Fatalf("%q came back with type %q, id %q and x-death %v", m.Body, m.Type, m.MessageId, m.Headers["x-death"])
		}
		bodies = append(bodies, string(m.Body))
	}
	if strings.Join(bodies, "|") != "Expired one|Expired two" {
		t.Fatalf("the source queue got %q", bodies)
	}
	s.mustCall(t, "POST", "/api/queues/rb-redrive-nowhere/redrive", nil, http.StatusNotFound, nil)
}
