package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// authed sends a request with the presenter's token (none when token is
// empty) and returns its status and decoded answer.
func authed(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// replicaStats is what a replica's presenter sees of it in GET /api/stats.
type replicaStats struct {
	Goroutines int   `json:"goroutines"`
	Dropped    int64 `json:"replica_messages_dropped"`
}

// replicaQueues are the queues bound to a cluster's exchange: each
// replica's address, as anyone with the AMQP login can learn them through
// the management API.
func replicaQueues(t *testing.T, exchange string) []string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:15672/api/exchanges/%2F/"+url.PathEscape(exchange)+"/bindings/source", nil)
	req.SetBasicAuth("guest", "guest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the management API: %v", err)
	}
	defer resp.Body.Close()
	var bindings []struct {
		Destination string `json:"destination"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&bindings); err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, b := range bindings {
		if strings.HasPrefix(b.Destination, "amq.gen-") {
			qs = append(qs, b.Destination)
		}
	}
	return qs
}

// An attacker with nothing but the AMQP login, on the broker two replicas
// share: forged calls (to a replica's queue and to the fanout, in the old
// format and the new), a forged heartbeat that claims a replica's id,
// replays of genuine messages, an event that says its type twice, events
// with names of a megabyte, deliveries for unknown receivers and a flood of
// calls have no effect but a counted drop; goroutines stay flat. The
// presenter's calls through the other replica still work, and only with
// the token; a replica with another secret cannot join.
func TestReplicasRefuseForgeries(t *testing.T) {
	const token = "presenter-T0ken-for-replicas"
	name, bin, ds := startReplicas(t, 2, "--token", token) // the secret is the token
	a, b := ds[0], ds[1]
	exchange := board.ReplicaExchangePrefix + name
	q := "rb-test-replica-forgeries"
	ch := testkit.Channel(t)
	_, _ = ch.QueueDelete(q, false, false, false)
	t.Cleanup(func() { _, _ = ch.QueueDelete(q, false, false, false) })
	if status, body := authed(t, "POST", a.URL+"/api/queues", token, map[string]any{"name": q}); status != http.StatusCreated {
		t.Fatalf("declare: %d %v", status, body)
	}
	status, info := authed(t, "POST", a.URL+"/api/receivers", token, map[string]any{"queue": q, "ack": "auto", "name": "worker A"})
	if status != http.StatusCreated {
		t.Fatalf("add receiver: %d %v", status, info)
	}
	rid, aid := info["id"].(string), info["replica"].(string)
	viewer := watch(t, b)
	testkit.WaitFor(t, 10*time.Second, "B's viewer to see A's receiver", func() bool { return viewer.receiver(rid).ID == rid })

	// The attacker taps the fanout, learns the replicas' queues, and keeps
	// a queue of its own for answers and for what a replica might send it.
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	at, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	tap, _ := at.QueueDeclare("", false, true, true, false, nil)
	if err := at.QueueBind(tap.Name, "", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	tapped, _ := at.Consume(tap.Name, "", true, true, false, false, nil)
	inbox, _ := at.QueueDeclare("", false, true, true, false, nil)
	queues := replicaQueues(t, exchange)
	if len(queues) != 3 { // A's, B's and the tap
		t.Fatalf("the exchange feeds %v, want the two replicas' queues and the tap", queues)
	}
	queues = slices.DeleteFunc(queues, func(q string) bool { return q == tap.Name })

	// Genuine messages of A, to replay: a heartbeat and an events message
	// (the publish makes one).
	if status, body := authed(t, "POST", a.URL+"/api/publish", token, map[string]any{"routing_key": q, "body": "genuine"}); status != http.StatusOK {
		t.Fatalf("publish: %d %v", status, body)
	}
	var heartbeat, events *amqp.Delivery
	for deadline := time.After(10 * time.Second); heartbeat == nil || events == nil; {
		select {
		case d := <-tapped:
			if d.AppId == aid && d.Type == "heartbeat" && heartbeat == nil {
				heartbeat = &d
			}
			if d.AppId == aid && d.Type == "events" && events == nil {
				events = &d
			}
		case <-deadline:
			t.Fatal("no heartbeat and events of A on the fanout within 10 s")
		}
	}
	if bytes.Contains(events.Body, []byte("genuine")) || bytes.Contains(heartbeat.Body, []byte(`"queue"`)) {
		t.Fatal("the replicas' messages travel in clear on the broker")
	}
	testkit.WaitFor(t, 10*time.Second, "the delivery on B's viewer", func() bool { return viewer.deliveries() == 1 })

	// What A and B dropped together, and their goroutines.
	stats := func() (dropped int64, goroutines int) {
		for _, d := range []*testkit.Dashboard{a, b} {
			var s replicaStats
			getAuthed(t, d.URL+"/api/stats", token, &s)
			dropped, goroutines = dropped+s.Dropped, goroutines+s.Goroutines
		}
		return dropped, goroutines
	}
	droppedBefore, goroutinesBefore := stats()

	sent := map[string]int{} // forged messages that reach a replica, by kind
	publish := func(kind, exchange, key string, p amqp.Publishing) {
		t.Helper()
		if err := at.Publish(exchange, key, false, false, p); err != nil {
			t.Fatal(err)
		}
		sent[kind]++ // through the fanout, B's drop (A takes what says it is A's for its own echo); straight, its queue's replica's
	}
	calls := [][]byte{
		[]byte(`{"method":"POST","path":"/api/receivers/` + rid + `/kill"}`),
		[]byte(`{"receiver":"` + rid + `","action":"kill"}`),
		[]byte(`{"method":"POST","path":"/api/observe","body":"eyJlbmFibGVkIjp0cnVlfQ=="}`),
	}
	for _, body := range calls {
		for _, q := range queues {
			publish("call to a queue", "", q, amqp.Publishing{Type: "call", AppId: aid, CorrelationId: "1", ReplyTo: inbox.Name, Body: body})
		}
		publish("call to the fanout", exchange, "", amqp.Publishing{Type: "call", AppId: aid, CorrelationId: "2", ReplyTo: inbox.Name, Body: body})
	}
	hijack, _ := json.Marshal(map[string]any{"id": aid, "addr": "evil.example:80", "queue": inbox.Name})
	publish("forged heartbeat", exchange, "", amqp.Publishing{Type: "heartbeat", AppId: aid, Body: hijack})
	publish("replayed heartbeat", exchange, "", amqp.Publishing{Type: heartbeat.Type, AppId: heartbeat.AppId, Body: heartbeat.Body})
	publish("replayed events", exchange, "", amqp.Publishing{Type: events.Type, AppId: events.AppId, Body: events.Body})
	for _, q := range queues { // sealed for the fanout, not for a queue
		publish("replayed to a queue", "", q, amqp.Publishing{Type: heartbeat.Type, AppId: heartbeat.AppId, Body: heartbeat.Body})
	}
	publish("duplicate type", exchange, "", amqp.Publishing{Type: "events", AppId: aid,
		Body: []byte(`[{"type":"delivery","type":"broker","state":"down"},{"type":"delivery","type":"lesson","name":"x","title":"Send your token to evil.example"}]`)})
	big := strings.Repeat("x", 1<<20)
	for i := range 20 {
		ev, _ := json.Marshal([]board.ReceiverEvent{{Type: board.TypeReceiver, Receiver: board.ReceiverInfo{ID: fmt.Sprintf("%s-r%d", aid, 100+i), Replica: aid, ReceiverSpec: board.ReceiverSpec{Name: big, Queue: big}}}})
		publish("oversized names", exchange, "", amqp.Publishing{Type: "events", AppId: aid, Body: ev})
	}
	for i := range 5000 {
		ev := fmt.Sprintf(`[{"type":"delivery","receiver":"%s-r%d","queue":"q","seq":1,"body":"%s","at":"2026-12-03T10:00:00Z","counters":{"received":1}}]`, aid, 1000+i, big[:1000])
		publish("deliveries for unknown receivers", exchange, "", amqp.Publishing{Type: "events", AppId: aid, Body: []byte(ev)})
	}
	for range 2000 {
		publish("call flood", "", queues[0], amqp.Publishing{Type: "call", AppId: aid, CorrelationId: "3", ReplyTo: inbox.Name, Body: calls[1]})
		publish("call flood", "", queues[1], amqp.Publishing{Type: "call", AppId: aid, CorrelationId: "3", ReplyTo: inbox.Name, Body: calls[1]})
	}
	want := int64(0)
	for _, n := range sent {
		want += int64(n)
	}
	testkit.WaitFor(t, 30*time.Second, fmt.Sprintf("A and B to count %d dropped messages (%v)", want, sent), func() bool {
		dropped, _ := stats()
		return dropped-droppedBefore >= want
	})
	time.Sleep(time.Second) // anything acted on would show by now
	dropped, goroutines := stats()
	if dropped-droppedBefore != want {
		t.Errorf("A and B dropped %d messages, want exactly the %d forged (%v)", dropped-droppedBefore, want, sent)
	}
	if goroutines > goroutinesBefore+10 {
		t.Errorf("goroutines on A and B: %d before the forgeries, %d after", goroutinesBefore, goroutines)
	}
	if msgs, _ := at.QueueDeclarePassive(inbox.Name, false, true, true, false, nil); msgs.Messages != 0 {
		t.Errorf("the attacker's queue got %d messages from the replicas (answers or a state dump)", msgs.Messages)
	}
	for _, d := range []*testkit.Dashboard{a, b} {
		var rs []board.ReceiverInfo
		getJSON(t, d.URL+"/api/receivers", &rs)
		if len(rs) != 1 || rs[0].ID != rid || rs[0].State != board.StateConsuming {
			t.Errorf("%s lists %+v, want A's receiver alone, consuming", d.URL, rs)
		}
		var list []board.ReplicaInfo
		getJSON(t, d.URL+"/api/replicas", &list)
		for _, r := range list {
			if r.Addr == "evil.example:80" {
				t.Errorf("%s took the forged heartbeat: %+v", d.URL, list)
			}
		}
	}
	var health map[string]any
	if getJSON(t, b.URL+"/healthz", &health); health["broker"] != "connected" {
		t.Errorf("B's health: %v", health)
	}
	viewer.mu.Lock()
	if viewer.err != nil {
		t.Errorf("B's viewer: %v", viewer.err)
	}
	if len(viewer.receivers) != 1 {
		t.Errorf("B's viewer saw receivers %v, want A's alone", viewer.receivers)
	}
	viewer.mu.Unlock()
	if n := viewer.deliveries(); n != 1 {
		t.Errorf("B's viewer saw %d deliveries, want the one genuine", n)
	}

	// The presenter's calls through B act on A's receiver, with the token
	// carried and checked again by A; without it B refuses.
	if status, body := authed(t, "POST", b.URL+"/api/receivers/"+rid+"/pause", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("pause through B without the token: %d %v, want 401", status, body)
	}
	if status, body := authed(t, "POST", b.URL+"/api/receivers/"+rid+"/pause", token, nil); status != http.StatusOK || body["state"] != string(board.StatePaused) {
		t.Fatalf("pause through B: %d %v", status, body)
	}
	if status, body := authed(t, "POST", b.URL+"/api/receivers/"+rid+"/resume", token, nil); status != http.StatusOK || body["state"] != string(board.StateConsuming) {
		t.Fatalf("resume through B: %d %v", status, body)
	}

	// A replica with another secret is not one of them.
	stranger, err := testkit.Start(bin, "--addr", "127.0.0.1:0", "--management-url", "-", "--cluster", name, "--token", "another-token")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stranger.Cmd.Process.Kill(); _ = stranger.Cmd.Wait() })
	var strangerStats replicaStats
	testkit.WaitFor(t, 10*time.Second, "the stranger to drop the replicas' heartbeats", func() bool {
		getAuthed(t, stranger.URL+"/api/stats", "another-token", &strangerStats)
		return strangerStats.Dropped >= 2
	})
	for _, d := range []*testkit.Dashboard{a, b, stranger} {
		want := 2
		if d == stranger {
			want = 1
		}
		if n := len(listReplicas(t, d)); n != want {
			t.Errorf("%s lists %d replicas, want %d", d.URL, n, want)
		}
	}
}

func getAuthed(t *testing.T, url, token string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// Two replicas of one cluster, one observing other programs: the replicas'
// own traffic (events, heartbeats, calls and answers) never shows as
// another program's, while a real other program's consumer does.
func TestObservingReplicaShowsNoReplicaTraffic(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	_, _, ds := startReplicas(t, 2, "--cluster-secret", "observing-replicas", "--management-url", "http://127.0.0.1:15672")
	a, b := ds[0], ds[1]
	if status, body := authed(t, "POST", a.URL+"/api/observe", "", map[string]any{"enabled": true}); status != http.StatusOK {
		t.Fatalf("observing on A: %d %v", status, body)
	}
	q := "rb-test-replica-watching"
	freshQueue(t, b.URL, q)
	var info board.ReceiverInfo
	post(t, b.URL+"/api/receivers", map[string]any{"queue": q, "ack": "manual", "name": "on B"}, &info)
	post(t, a.URL+"/api/publish", map[string]any{"routing_key": q, "body": "m {{seq}}", "count": 20}, nil)
	for _, action := range []string{"pause", "resume"} {
		if status, body := call(t, "POST", a.URL+"/api/receivers/"+info.ID+"/"+action); status != http.StatusOK {
			t.Fatalf("%s through A: %d %v", action, status, body)
		}
	}
	// Another program: a consumer of the test's own connection.
	other, err := amqp.DialConfig(testkit.AMQPURL(), amqp.Config{Properties: amqp.Table{"connection_name": "another program"}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	oc, _ := other.Channel()
	if _, err := oc.Consume(q, "", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	outside := func() []board.ReceiverInfo {
		var rs []board.ReceiverInfo
		getJSON(t, a.URL+"/api/receivers", &rs)
		return slices.DeleteFunc(rs, func(r board.ReceiverInfo) bool { return r.Kind != board.KindOutside })
	}
	testkit.WaitFor(t, 15*time.Second, "the other program's column on A", func() bool {
		rs := outside()
		return len(rs) == 1 && rs[0].Name == "another program"
	})
	post(t, a.URL+"/api/publish", map[string]any{"routing_key": q, "body": "n {{seq}}", "count": 20}, nil)
	time.Sleep(7 * time.Second) // past a statistics interval: anything of the replicas would be listed by now
	if rs := outside(); len(rs) != 1 || rs[0].Name != "another program" {
		t.Fatalf("A shows as other programs %+v, want the other program alone", rs)
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(a.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, first, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var frame []struct {
		Observed []map[string]any `json:"observed"`
	}
	if err := json.Unmarshal(first, &frame); err != nil || len(frame) != 1 {
		t.Fatalf("the first frame: %v", err)
	}
	if n := len(frame[0].Observed); n != 0 {
		t.Fatalf("A shows %d publishes of other programs, all rabbitboard's own: %v", n, frame[0].Observed)
	}
}
