package management

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A management API that answers as RabbitMQ's does, on a test server.
func TestQueuesLeaveTheCallersOwnOut(t *testing.T) {
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = r.URL.String()
		if u, p, _ := r.BasicAuth(); u != "student" || p != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`[{"name":"task_queue","durable":true,"arguments":{"x-queue-type":"quorum"},"messages_ready":3,"consumers":2,"message_stats":{"publish":7}},
			{"name":"own.firehose","messages_ready":9},{"name":"hello","exclusive":true}]`))
	}))
	defer srv.Close()
	c := New("/", Endpoint{Base: srv.URL, User: "student", Password: "pw", Client: srv.Client()}, "own.")
	qs, err := c.Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if asked != "/api/queues/%2F?columns=name,durable,auto_delete,exclusive,arguments,messages_ready,consumers,message_stats.publish" {
		t.Fatalf("asked %s", asked)
	}
	if len(qs) != 2 || qs[0].Name != "task_queue" || !qs[0].Durable || qs[0].Messages != 3 || qs[0].Consumers != 2 || qs[0].Published != 7 ||
		qs[0].Arguments["x-queue-type"] != "quorum" || qs[1].Name != "hello" || !qs[1].Exclusive || qs[1].Arguments == nil {
		t.Fatalf("queues %+v", qs)
	}

	c.Use(Endpoint{Base: srv.URL, User: "student", Password: "wrong", Client: srv.Client()})
	var se *StatusError
	if _, err := c.Queues(context.Background()); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Fatalf("a refused login: %v, want a StatusError of 401", err)
	}
	c.Use(Endpoint{Base: "-"})
	if err := c.Do(context.Background(), http.MethodGet, "/api/overview", nil, nil); err == nil || asked != "/api/queues/%2F?columns=name,durable,auto_delete,exclusive,arguments,messages_ready,consumers,message_stats.publish" {
		t.Fatalf("turned off: %v; the server was asked %s", err, asked)
	}
	var none *Client
	if err := none.Do(context.Background(), http.MethodGet, "/api/overview", nil, nil); err == nil {
		t.Fatal("a nil Client answered")
	}
}
