package mq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"

	"rabbitboard/internal/testkit"
)

// A three-node cluster as the broker: rabbitboard connects to the first
// node, names it, and when the node in use stops it moves to another
// within 30 s; a quorum queue keeps all 100 confirmed messages and a
// receiver gets them; a classic queue of the stopped node is unavailable,
// said in words, at once; the distinctive password never shows; three
// failovers leave no goroutine behind (goleak, in TestMain).
func TestClusterFailover(t *testing.T) {
	testkit.Cluster(t, "..")
	const user, password = "rb-cluster", "Quorum,S3cret!"
	first := testkit.ClusterNodes[0].Name
	testkit.Rabbitmqctl(t, "-n", first, "add_user", user, password)
	testkit.Rabbitmqctl(t, "-n", first, "set_permissions", "-p", "/", user, ".*", ".*", ".*")
	testkit.Rabbitmqctl(t, "-n", first, "set_user_tags", user, "administrator")
	var urls, mgmts []string
	for _, n := range testkit.ClusterNodes {
		urls = append(urls, fmt.Sprintf("amqp://%s:%s@127.0.0.1:%d/", user, url.QueryEscape(password), n.Port))
		mgmts = append(mgmts, fmt.Sprintf("http://127.0.0.1:1%d", n.Port))
	}
	logs := &testkit.SyncBuffer{}
	rec := newRecorder()
	b := New(Config{URL: strings.Join(urls, ","), ManagementURL: strings.Join(mgmts, ","), Events: rec.record, PollInterval: 200 * time.Millisecond,
		Heartbeat: time.Second, OpTimeout: time.Second, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = b.Close(ctx)
	})
	onNode := func(except string) string {
		var node string
		testkit.WaitFor(t, 30*time.Second, "a connection to another node", func() bool {
			st := b.State()
			node = st.Node
			return st.State == board.BrokerConnected && node != "" && node != except
		})
		return node
	}
	if node := onNode(""); node != "127.0.0.1:5681" {
		t.Fatalf("connected to %s, want the first node", node)
	}
	const quorum, classic = "rb-cluster-quorum", "rb-cluster-classic"
	for _, spec := range []board.QueueSpec{{Name: quorum, Durable: true, Arguments: map[string]any{"x-queue-type": "quorum"}}, {Name: classic, Durable: true}} {
		if _, err := b.DeclareQueue(spec); err != nil {
			t.Fatal(err)
		}
	}
	publish(t, b, Publication{Message: board.Message{RoutingKey: quorum, Body: []byte("task {{seq}}"), Persistent: true}, Count: 100})
	publish(t, b, Publication{Message: board.Message{RoutingKey: classic, Body: []byte("classic {{seq}}"), Persistent: true}, Count: 5})

	nodeName := func(addr string) string {
		port, _ := strconv.Atoi(addr[strings.LastIndex(addr, ":")+1:])
		for _, n := range testkit.ClusterNodes {
			if n.Port == port {
				return n.Name
			}
		}
		t.Fatalf("no node at %s", addr)
		return ""
	}
	// Failover 1: the node in use (which holds the classic queue) stops.
	stopped := nodeName(b.State().Node)
	testkit.Rabbitmqctl(t, "-n", stopped, "stop_app")
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			testkit.Rabbitmqctl(t, "-n", stopped, "start_app")
		}
	})
	second := onNode("127.0.0.1:5681")
	start := time.Now()
	_, err := b.InspectQueue(classic)
	var me *board.Error
	if !errors.As(err, &me) || me.Code != board.CodeUnavailable || !strings.Contains(me.Error(), "is unavailable: it is a classic queue, kept on node "+stopped+" alone") || time.Since(start) > 2*time.Second {
		t.Fatalf("the classic queue: %v after %v", err, time.Since(start))
	}
	qs, err := b.Queues(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Name == classic && !strings.Contains(q.Unavailable, "is unavailable") {
			t.Fatalf("the queue list shows the classic queue as %+v", q)
		}
	}
	id := addReceiver(t, b, board.ReceiverSpec{Queue: quorum, Prefetch: 50})
	testkit.WaitFor(t, 15*time.Second, "all 100 from the quorum queue", func() bool { return len(rec.deliveries(id)) == 100 })
	seen := map[string]bool{}
	for _, d := range rec.deliveries(id) {
		seen[d.Body] = true
	}
	if len(seen) != 100 {
		t.Fatalf("%d distinct messages of 100", len(seen))
	}
	publish(t, b, Publication{Message: board.Message{RoutingKey: quorum, Body: []byte("after"), Persistent: true}, Count: 1})
	testkit.Rabbitmqctl(t, "-n", stopped, "start_app")
	restarted = true

	// Failovers 2 and 3.
	last := second
	for range 2 {
		name := nodeName(last)
		testkit.Rabbitmqctl(t, "-n", name, "stop_app")
		next := onNode(last)
		testkit.Rabbitmqctl(t, "-n", name, "start_app")
		publish(t, b, Publication{Message: board.Message{RoutingKey: quorum, Body: []byte("still"), Persistent: true}, Count: 1})
		last = next
	}
	testkit.WaitFor(t, 15*time.Second, "the receiver back on the new node", func() bool { return len(rec.deliveries(id)) >= 103 })

	// The password, in any form, shows nowhere.
	events, _ := json.Marshal(rec.all())
	for _, secret := range []string{password, url.QueryEscape(password), url.PathEscape(password)} {
		for what, text := range map[string]string{"logs": logs.String(), "events": string(events), "Redact": Redact(strings.Join(urls, ","))} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s show the password as %q", what, secret)
			}
		}
	}
	for _, q := range []string{quorum, classic} {
		_ = b.DeleteQueue(q)
	}
}
