package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// startReplicas runs n rabbitboard processes of one fresh cluster (its
// secret, or args such as --token, shared) and waits until each lists all
// of them. It returns the cluster's name and the binary too.
func startReplicas(t *testing.T, n int, args ...string) (string, string, []*testkit.Dashboard) {
	t.Helper()
	testkit.NeedsBroker(t)
	bin, err := testkit.Build(".", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	name := "test-" + strings.ToLower(rand.Text()[:8])
	if len(args) == 0 {
		args = []string{"--cluster-secret", "replicas-" + rand.Text()}
	}
	var ds []*testkit.Dashboard
	for range n {
		d, err := testkit.Start(bin, append([]string{"--addr", "127.0.0.1:0", "--management-url", "-", "--cluster", name}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Cmd.Process.Kill(); _ = d.Cmd.Wait() })
		ds = append(ds, d)
	}
	for _, d := range ds {
		testkit.WaitFor(t, 15*time.Second, fmt.Sprintf("%s to list %d replicas", d.URL, n), func() bool { return len(listReplicas(t, d)) == n })
	}
	return name, bin, ds
}

func listReplicas(t *testing.T, d *testkit.Dashboard) []board.ReplicaInfo {
	var list []board.ReplicaInfo
	getJSON(t, d.URL+"/api/replicas", &list)
	return list
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, data)
		}
	}
	return resp.StatusCode
}

// call sends a control call and returns its status and decoded answer.
func call(t *testing.T, method, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// watcher is a viewer that decodes every event by its type, as the
// contract's clients do, and keeps what the tests count.
type watcher struct {
	conn *websocket.Conn

	mu        sync.Mutex
	snapshot  []board.ReceiverInfo
	receivers map[string]board.ReceiverInfo
	seqs      map[string][]int64 // per receiver, the deliveries' seqs in order
	bodies    map[string]string  // receiver/seq -> body
	acked     map[string]bool    // bodies acked
	redeliver int
	err       error
}

func watch(t *testing.T, d *testkit.Dashboard) *watcher {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(d.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{conn: conn, receivers: map[string]board.ReceiverInfo{}, seqs: map[string][]int64{}, bodies: map[string]string{}, acked: map[string]bool{}}
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var frame []json.RawMessage
			if err := json.Unmarshal(data, &frame); err != nil {
				w.fail(err)
				return
			}
			for _, raw := range frame {
				w.take(raw)
			}
		}
	}()
	return w
}

func (w *watcher) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

func (w *watcher) take(raw []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if strings.HasPrefix(string(raw), `{"type":"snapshot"`) {
		var snap struct {
			Receivers []board.ReceiverInfo `json:"receivers"`
		}
		if err := json.Unmarshal(raw, &snap); err != nil && w.err == nil {
			w.err = err
		}
		w.snapshot = snap.Receivers
		for _, r := range snap.Receivers {
			w.receivers[r.ID] = r
		}
		return
	}
	ev, err := board.DecodeEvent(raw)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("%w in %s", err, raw)
		}
		return
	}
	switch e := ev.(type) {
	case board.ReceiverEvent:
		w.receivers[e.Receiver.ID] = e.Receiver
	case board.DeliveryEvent:
		w.count(e.Receiver, e.Counters)
		w.seqs[e.Receiver] = append(w.seqs[e.Receiver], e.Seq)
		w.bodies[fmt.Sprint(e.Receiver, "/", e.Seq)] = e.Body
		if e.Redelivered {
			w.redeliver++
		}
	case board.SettledEvent:
		w.count(e.Receiver, e.Counters)
		if e.Outcome == board.OutcomeAck {
			w.acked[w.bodies[fmt.Sprint(e.Receiver, "/", e.Seq)]] = true
		}
	}
}

func (w *watcher) count(id string, c board.EventCounters) {
	if r, ok := w.receivers[id]; ok {
		r.Counters = board.Counters(c)
		w.receivers[id] = r
	}
}

func (w *watcher) deliveries() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.seqs {
		n += len(s)
	}
	return n
}

func (w *watcher) receiver(id string) board.ReceiverInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.receivers[id]
}

// Three replicas, one receiver on each, a viewer on each: every viewer sees
// every delivery in the same order per receiver; a control call on one
// replica acts on another's receiver; a late viewer sees all receivers.
func TestReplicasAreOneDashboard(t *testing.T) {
	_, _, ds := startReplicas(t, 3)
	a, b, c := ds[0], ds[1], ds[2]
	q := "rb-test-replicas"
	freshQueue(t, a.URL, q)
	var ids []string
	owners := map[string]string{}
	for _, d := range ds {
		var info board.ReceiverInfo
		post(t, d.URL+"/api/receivers", map[string]any{"queue": q, "ack": "auto"}, &info)
		if info.Replica == "" || slices.Contains(ids, info.ID) || owners[info.Replica] != "" {
			t.Fatalf("receiver %+v: want a fresh id on a replica of its own", info)
		}
		ids, owners[info.Replica] = append(ids, info.ID), info.ID
	}
	var ws []*watcher
	for _, d := range ds {
		ws = append(ws, watch(t, d))
	}
	for i, w := range ws {
		testkit.WaitFor(t, 10*time.Second, fmt.Sprintf("viewer %d to see 3 receivers", i), func() bool {
			return w.receiver(ids[0]).ID != "" && w.receiver(ids[1]).ID != "" && w.receiver(ids[2]).ID != ""
		})
	}

	post(t, a.URL+"/api/publish", map[string]any{"routing_key": q, "body": "m {{seq}}", "count": 300}, nil)
	for i, w := range ws {
		testkit.WaitFor(t, 20*time.Second, fmt.Sprintf("viewer %d to count 300 deliveries", i), func() bool { return w.deliveries() >= 300 })
	}
	time.Sleep(500 * time.Millisecond) // anything more would be a duplicate
	for i, w := range ws {
		w.mu.Lock()
		if w.err != nil {
			t.Fatalf("viewer %d: %v", i, w.err)
		}
		total := 0
		for _, id := range ids {
			total += len(w.seqs[id])
			if !slices.Equal(w.seqs[id], ws[0].seqs[id]) {
				t.Errorf("viewer %d saw %s's deliveries in another order than viewer 0", i, id)
			}
		}
		if total != 300 {
			t.Errorf("viewer %d counted %d deliveries, want 300", i, total)
		}
		w.mu.Unlock()
	}
	for _, id := range ids {
		if n := len(ws[0].seqs[id]); n != 100 {
			t.Errorf("%s got %d of 300, want 100 (round-robin)", id, n)
		}
	}

	// A control call on A for C's receiver acts on C and answers as C would.
	cid := ids[2]
	status, body := call(t, "POST", a.URL+"/api/receivers/"+cid+"/pause")
	if status != http.StatusOK || body["state"] != string(board.StatePaused) || owners[fmt.Sprint(body["replica"])] != cid {
		t.Fatalf("pause of C's receiver through A: %d %v", status, body)
	}
	var onC board.ReceiverInfo
	if getJSON(t, c.URL+"/api/receivers/"+cid, &onC); onC.State != board.StatePaused {
		t.Fatalf("C says its receiver is %s, want paused", onC.State)
	}
	testkit.WaitFor(t, 5*time.Second, "B's viewer to see C's receiver paused", func() bool { return ws[1].receiver(cid).State == board.StatePaused })
	if status, body := call(t, "POST", b.URL+"/api/receivers/"+cid+"/resume"); status != http.StatusOK || body["state"] != string(board.StateConsuming) {
		t.Fatalf("resume of C's receiver through B: %d %v", status, body)
	}
	if status, body := call(t, "POST", a.URL+"/api/receivers/nobody-r9/pause"); status != http.StatusNotFound || body["code"] != string(board.CodeNotFound) {
		t.Fatalf("an id no replica owns: %d %v, want 404", status, body)
	}

	// A viewer that joins A late has B's and C's receivers in its snapshot;
	// GET /api/receivers on A lists all three, each with its replica.
	late := watch(t, a)
	testkit.WaitFor(t, 5*time.Second, "the late viewer's snapshot", func() bool {
		late.mu.Lock()
		defer late.mu.Unlock()
		return late.snapshot != nil
	})
	late.mu.Lock()
	var seen []string
	for _, r := range late.snapshot {
		seen = append(seen, r.ID)
	}
	late.mu.Unlock()
	if !slices.Equal(seen, ids) {
		t.Fatalf("late viewer's snapshot has %v, want %v", seen, ids)
	}
	var listed []board.ReceiverInfo
	getJSON(t, a.URL+"/api/receivers", &listed)
	if len(listed) != 3 {
		t.Fatalf("A lists %d receivers, want 3", len(listed))
	}
	for _, r := range listed {
		if owners[r.Replica] != r.ID {
			t.Fatalf("A lists %s with replica %q, which does not run it", r.ID, r.Replica)
		}
	}
}

// SIGKILL of one replica: within 10 s the others list two replicas and its
// receiver gone; the broker gives back what it held, the other receivers
// get it redelivered, and every message is acked by someone.
func TestReplicaKilled(t *testing.T) {
	_, _, ds := startReplicas(t, 3)
	a, b, c := ds[0], ds[1], ds[2]
	q := "rb-test-replica-killed"
	ch := freshQueue(t, a.URL, q)
	// A and B work and ack; C holds what it gets (interactive acks nobody
	// gives), so all it had goes back when it dies.
	var ids []string
	for i, d := range ds {
		spec := map[string]any{"queue": q, "ack": "manual", "prefetch": 3, "work_ms": 200}
		if i == 2 {
			spec["ack"] = "interactive"
		}
		var info board.ReceiverInfo
		post(t, d.URL+"/api/receivers", spec, &info)
		ids = append(ids, info.ID)
	}
	w := watch(t, a)
	testkit.WaitFor(t, 10*time.Second, "A's viewer to see 3 receivers", func() bool { return w.receiver(ids[2]).ID != "" })
	const n = 30
	post(t, a.URL+"/api/publish", map[string]any{"routing_key": q, "body": "k {{seq}}", "count": n}, nil)
	testkit.WaitFor(t, 10*time.Second, "C's receiver to hold 3 messages", func() bool { return w.receiver(ids[2]).Unacked == 3 })

	killed := time.Now()
	if err := c.Cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*testkit.Dashboard{a, b} {
		testkit.WaitFor(t, 10*time.Second, d.URL+" to list 2 replicas and C's receiver gone", func() bool {
			var rs []board.ReceiverInfo
			getJSON(t, d.URL+"/api/receivers", &rs)
			for _, r := range rs {
				if r.ID == ids[2] && r.State == board.StateGone {
					return len(listReplicas(t, d)) == 2
				}
			}
			return false
		})
	}
	t.Logf("C's receiver shown gone %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	testkit.WaitFor(t, 30*time.Second, "every message acked", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.acked) == n
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := 1; i <= n; i++ {
		if !w.acked[fmt.Sprint("k ", i)] {
			t.Errorf("message %d was never acked", i)
		}
	}
	if w.redeliver < 3 {
		t.Errorf("%d redeliveries: the 3 messages C held should have reached A or B again", w.redeliver)
	}
	if w.err != nil {
		t.Fatal(w.err)
	}
	qi, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
	if err != nil || qi.Messages != 0 {
		t.Fatalf("queue after the test: %+v %v, want empty", qi, err)
	}
}
