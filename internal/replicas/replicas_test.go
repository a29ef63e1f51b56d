package replicas

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"

	amqp "github.com/rabbitmq/amqp091-go"
)

// host is one AMQP connection of the test's own, lent as the adapter
// lends its.
type host struct{ conn *amqp.Connection }

func (h host) Connection() (*amqp.Connection, error) { return h.conn, nil }
func (h host) ClientAddrs() []string                 { return []string{h.conn.LocalAddr().String()} }
func (h host) ReceiverCount() int                    { return 2 }
func (h host) Ready() <-chan struct{} {
	ready := make(chan struct{})
	close(ready)
	return ready
}

// replica records what its group tells it.
type replica struct {
	*Group
	mu     sync.Mutex
	remote []string // sender: event
	gone   []string
	addr   string
}

func (r *replica) said() ([]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.remote), slices.Clone(r.gone)
}

// join starts a replica of group with secret on a connection of its own;
// it stops when the test ends.
func join(t *testing.T, group, secret, id string, own []string) *replica {
	t.Helper()
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatalf("RabbitMQ at %s: %v", testkit.AMQPURL(), err)
	}
	r := &replica{addr: conn.LocalAddr().String()}
	g, err := New(host{conn}, Config{
		Name: group, Secret: secret, Self: board.ReplicaInfo{ID: id, Addr: id + ":8080"},
		HeartbeatEvery: 100 * time.Millisecond, ReplicaTimeout: time.Second, OpTimeout: 2 * time.Second,
		Remote: func(sender string, event []byte) {
			r.mu.Lock()
			r.remote = append(r.remote, sender+": "+string(event))
			r.mu.Unlock()
		},
		Joined: func() [][]byte {
			var events [][]byte
			for _, e := range own {
				events = append(events, []byte(e))
			}
			return events
		},
		Gone: func(replica string) {
			r.mu.Lock()
			r.gone = append(r.gone, replica)
			r.mu.Unlock()
		},
		Serve: func(sender string, call []byte) []byte {
			answer, _ := json.Marshal(map[string]string{"served_by": id, "for": sender, "call": string(call)})
			return answer
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Group = g
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = conn.Close()
	})
	return r
}

func ids(infos []board.ReplicaInfo) []string {
	var list []string
	for _, i := range infos {
		list = append(list, i.ID+" "+i.Addr)
	}
	return list
}

// Two replicas of one group: each learns the other from its heartbeats
// (and its connections, as rabbitboard's), is sent the other's part of the
// dashboard once, receives what the other forwards, answers its calls, and
// hears it leave. A third with another secret is heard by nobody: its
// messages are dropped and counted.
func TestGroup(t *testing.T) {
	testkit.NeedsBroker(t)
	group := "test-" + time.Now().Format("150405.000000")
	a := join(t, group, "s3cret-of-the-group", "a", []string{`{"type":"receiver","id":"a-1"}`})
	b := join(t, group, "s3cret-of-the-group", "b", []string{`{"type":"receiver","id":"b-1"}`})
	for _, r := range []*replica{a, b} {
		testkit.WaitFor(t, 5*time.Second, r.Self()+" to list both replicas", func() bool { return len(r.Replicas()) == 2 })
	}
	if got, want := ids(a.Replicas()), []string{"a a:8080", "b b:8080"}; !slices.Equal(got, want) {
		t.Errorf("a lists %q, want %q", got, want)
	}
	if a.Replicas()[1].Receivers != 2 {
		t.Errorf("b says it runs %d receivers, want its host's 2", a.Replicas()[1].Receivers)
	}
	if !a.Owns(b.addr) || !b.Owns(a.addr) || a.Owns("127.0.0.1:1") {
		t.Errorf("each replica should know the other's connection as rabbitboard's and no other")
	}
	// The joined events, then forwarded ones, in order.
	testkit.WaitFor(t, 5*time.Second, "the joined events", func() bool {
		ra, _ := a.said()
		rb, _ := b.said()
		return len(ra) == 1 && len(rb) == 1
	})
	for i := range 3 {
		a.Forward([]byte(`{"type":"published","count":` + strconv.Itoa(i+1) + `}`))
	}
	want := []string{`b: {"type":"receiver","id":"b-1"}`}
	testkit.WaitFor(t, 5*time.Second, "the forwarded events", func() bool { rb, _ := b.said(); return len(rb) == 4 })
	ra, _ := a.said()
	if !slices.Equal(ra, want) {
		t.Errorf("a heard %q, want %q", ra, want)
	}
	rb, _ := b.said()
	if want := []string{`a: {"type":"receiver","id":"a-1"}`, `a: {"type":"published","count":1}`, `a: {"type":"published","count":2}`, `a: {"type":"published","count":3}`}; !slices.Equal(rb, want) {
		t.Errorf("b heard %q, want %q", rb, want)
	}

	answer, err := b.Call(context.Background(), "a", []byte("pause a-1"))
	if err != nil {
		t.Fatalf("b calls a: %v", err)
	}
	if want := `{"call":"pause a-1","for":"b","served_by":"a"}`; string(answer) != want {
		t.Errorf("a answered %s, want %s", answer, want)
	}
	if _, err := b.Call(context.Background(), "nobody", nil); !errors.Is(err, board.ErrNoReplica) {
		t.Errorf("a call to no replica: %v, want ErrNoReplica", err)
	}

	// Another secret on the same exchange: heard by nobody, counted.
	mallory := join(t, group, "not-the-secret", "m", nil)
	mallory.Forward([]byte(`{"type":"published","count":666}`))
	testkit.WaitFor(t, 5*time.Second, "a and b to drop mallory's messages", func() bool { return a.Dropped() > 0 && b.Dropped() > 0 })
	if len(a.Replicas()) != 2 || len(b.Replicas()) != 2 {
		t.Errorf("mallory was listed: a %q, b %q", ids(a.Replicas()), ids(b.Replicas()))
	}
	if rb, _ := b.said(); len(rb) != 4 {
		t.Errorf("b acted on mallory's events: %q", rb)
	}

	// a leaves: b hears it at once (well before its timeout of 1s).
	left := time.Now()
	a.Leave()
	testkit.WaitFor(t, 5*time.Second, "b to hear a leave", func() bool { _, gone := b.said(); return len(gone) == 1 })
	if _, gone := b.said(); gone[0] != "a" || time.Since(left) > 900*time.Millisecond {
		t.Errorf("b heard %q leave %v after; want a, before its timeout", gone, time.Since(left))
	}
}

// Events go out as JSON arrays of at most maxReplicaBatch bytes, in order;
// an event larger than that goes alone.
func TestPublishBatches(t *testing.T) {
	small := []byte(`{"n":1}`)
	big := make([]byte, maxReplicaBatch+10)
	for i := range big {
		big[i] = 'x'
	}
	big[0], big[len(big)-1] = '"', '"'
	var events [][]byte
	for range maxReplicaBatch / len(small) {
		events = append(events, small)
	}
	events = append(events, big, small)
	var sizes []int
	count := 0
	err := publishBatches(events, func(body []byte) error {
		var arr []json.RawMessage
		if err := json.Unmarshal(body, &arr); err != nil {
			return err
		}
		count += len(arr)
		sizes = append(sizes, len(body))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != len(events) {
		t.Fatalf("%d events went out, want %d", count, len(events))
	}
	if len(sizes) != 4 || sizes[2] != len(big)+2 {
		t.Errorf("batches of %v bytes; want two of the small events, the big one alone, the last", sizes)
	}
	for i, n := range sizes {
		if i != 2 && n > maxReplicaBatch {
			t.Errorf("batch %d is %d bytes, over %d", i, n, maxReplicaBatch)
		}
	}
}
