package mq

import (
	"context"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

func (r *recorder) indexOf(match func(board.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.events {
		if match(e) {
			return i
		}
	}
	return -1
}

func (r *recorder) lastIndexOf(match func(board.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if match(r.events[i]) {
			return i
		}
	}
	return -1
}

func brokerState(state board.BrokerState) func(board.Event) bool {
	return func(e board.Event) bool { b, ok := e.(board.BrokerEvent); return ok && b.State == state }
}

// A real restart with receivers running and messages in durable and
// transient queues: every viewer is told, the counts of what was kept and
// lost are exact, and the receivers carry on as they were.
func TestBrokerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts the broker")
	}
	b, rec := openBroker(t)
	durable := freshQueue(t, b, board.QueueSpec{Name: "rb-test-restart-durable", Durable: true})
	transient := freshQueue(t, b, board.QueueSpec{Name: "rb-test-restart-transient"})
	idle := freshQueue(t, b, board.QueueSpec{Name: "rb-test-restart-idle", Durable: true})

	// Each busy receiver holds one message unacked for a minute.
	onDurable := addReceiver(t, b, board.ReceiverSpec{Queue: durable, Prefetch: 1, Ack: board.AckManual, WorkMS: 60000})
	onTransient := addReceiver(t, b, board.ReceiverSpec{Queue: transient, Prefetch: 1, Ack: board.AckManual, WorkMS: 60000})
	paused := addReceiver(t, b, board.ReceiverSpec{Queue: idle})
	if err := receiver(t, b, paused).Do(board.ActionPause); err != nil {
		t.Fatal(err)
	}
	removed := addReceiver(t, b, board.ReceiverSpec{Queue: idle})
	gone := receiver(t, b, removed)
	if err := gone.Do(board.ActionDelete); err != nil {
		t.Fatal(err)
	}
	<-gone.Done()
	publish(t, b, Publication{Message: board.Message{RoutingKey: durable, Body: []byte("kept {{seq}}"), Persistent: true}, Count: 3})
	publish(t, b, Publication{Message: board.Message{RoutingKey: durable, Body: []byte("lost {{seq}}")}, Count: 2})
	publish(t, b, Publication{Message: board.Message{RoutingKey: transient, Body: []byte("gone {{seq}}"), Persistent: true}, Count: 4})
	testkit.WaitFor(t, 5*time.Second, "a poll of the queues before the restart", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.lastPoll[durable].Messages == 4 && b.lastHeld[durable] == 1 &&
			b.lastPoll[transient].Messages == 3 && b.lastHeld[transient] == 1
	})

	// A publisher keeps going through the restart, one persistent message
	// at a time, noting which ones the broker confirmed.
	confirmedQueue := freshQueue(t, b, board.QueueSpec{Name: "rb-test-restart-confirmed", Durable: true})
	stopPublishing := make(chan struct{})
	published := make(chan map[string]bool)
	go func() {
		confirmed := map[string]bool{}
		for seq := 1; ; seq++ {
			select {
			case <-stopPublishing:
				published <- confirmed
				return
			default:
			}
			body := "c" + strconv.Itoa(seq)
			res, err := b.Publish(context.Background(), Publication{Message: board.Message{RoutingKey: confirmedQueue, Body: []byte(body), Persistent: true}, Count: 1})
			if err == nil && res.Confirmed == 1 {
				confirmed[body] = true
			} else {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()

	stopping := time.Now()
	testkit.StopBroker(t)
	// The broker closes its connections as it begins to stop; the down
	// event must be in by the time stop_app is done, give or take 2 s.
	testkit.WaitFor(t, 2*time.Second, "the down event", func() bool { return rec.indexOf(brokerState("down")) >= 0 })
	t.Logf("stop_app took %v", time.Since(stopping))
	began := time.Now()
	_, err := b.Publish(context.Background(), Publication{Message: board.Message{RoutingKey: durable}, Count: 1})
	if e, ok := err.(*board.Error); !ok || e.Code != board.CodeUnavailable || time.Since(began) > time.Second {
		t.Fatalf("publish while down: %v after %v, want broker_unavailable at once", err, time.Since(began))
	}

	testkit.Rabbitmqctl(t, "start_app")
	started := time.Now()
	testkit.WaitFor(t, 5*time.Second, "the reconnect", func() bool { return b.State().State == "connected" })
	t.Logf("reconnected %v after start_app returned", time.Since(started))

	time.Sleep(300 * time.Millisecond) // a few publishes on the new connection
	close(stopPublishing)
	confirmed := <-published
	if len(confirmed) == 0 {
		t.Fatal("no publish was confirmed around the restart")
	}
	t.Logf("%d publishes confirmed around the restart", len(confirmed))
	got, err := b.InspectQueue(confirmedQueue)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	for range got.Messages {
		d, ok, err := ch.Get(confirmedQueue, true)
		if err != nil || !ok {
			t.Fatalf("get: %v %v", ok, err)
		}
		delete(confirmed, string(d.Body))
	}
	if len(confirmed) > 0 {
		t.Errorf("%d confirmed persistent messages were lost in the restart: %v", len(confirmed), confirmed)
	}
	t.Logf("%d messages in the confirmed queue after the restart", got.Messages)

	var survival board.SurvivalEvent
	i := rec.indexOf(func(e board.Event) bool { s, ok := e.(board.SurvivalEvent); survival = s; return ok })
	if i < 0 {
		t.Fatal("no survival event")
	}
	want := map[string]board.QueueSurvival{
		durable:   {Before: 5, After: 3, Kept: 3, Lost: 2},
		transient: {Before: 4, After: 0, Kept: 0, Lost: 4, Missing: true},
		idle:      {},
	}
	for _, s := range survival.Queues {
		w, ok := want[s.Name]
		if !ok {
			continue
		}
		delete(want, s.Name)
		if s.Before != w.Before || s.After != w.After || s.Kept != w.Kept || s.Lost != w.Lost || s.Missing != w.Missing {
			t.Errorf("%s: %+v, want %+v", s.Name, s, w)
		}
	}
	if len(want) > 0 {
		t.Errorf("survival %+v lacks %v", survival, want)
	}
	// In order: down, what survived, connected again (the first connected
	// is the one at the start).
	if down, again := rec.indexOf(brokerState("down")), rec.lastIndexOf(brokerState("connected")); !(down < i && i < again) {
		t.Errorf("events out of order: down %d, survival %d, connected %d", down, i, again)
	}

	testkit.WaitFor(t, 5*time.Second, "the receivers to settle", func() bool {
		return receiver(t, b, onDurable).Info().State == board.StateConsuming &&
			receiver(t, b, onTransient).Info().State == board.StateWaiting
	})
	if s := receiver(t, b, paused).Info().State; s != board.StatePaused {
		t.Errorf("the paused receiver is %s", s)
	}
	if _, err := b.Receiver(removed); err == nil {
		t.Errorf("the removed receiver came back")
	}
	if msg := receiver(t, b, onTransient).Info().Error; msg != "There is no queue '"+transient+"': declare it first." {
		t.Errorf("the transient queue's receiver waits because %q", msg)
	}
	// The durable queue's receiver takes the kept messages again; the one it
	// held comes back redelivered.
	testkit.WaitFor(t, 5*time.Second, "a delivery after the restart", func() bool { return len(rec.deliveries(onDurable)) == 2 })
	if d := rec.deliveries(onDurable)[1]; d.Body != "kept 1" || !d.Redelivered {
		t.Errorf("after the restart got %q redelivered=%v, want kept 1 redelivered", d.Body, d.Redelivered)
	}
	// Declaring the lost queue again brings its receiver back.
	if _, err := b.DeclareQueue(board.QueueSpec{Name: transient}); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the transient queue's receiver to consume", func() bool {
		return receiver(t, b, onTransient).Info().State == board.StateConsuming
	})
}

// closeConnection closes the named AMQP connection from the broker's side,
// as an operator would from the management UI.
func closeConnection(t *testing.T, name string) {
	t.Helper()
	out, err := exec.Command("rabbitmqctl", "list_connections", "-q", "--no-table-headers", "pid", "client_properties").Output()
	if err != nil {
		t.Fatalf("list_connections: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, `"connection_name","`+name+`"`) {
			testkit.Rabbitmqctl(t, "close_connection", strings.Fields(line)[0], "closed by a test")
			return
		}
	}
	t.Fatalf("no connection named %s in\n%s", name, out)
}

// Connections closed from outside, again and again: each time the receiver
// consumes again, and nothing is left over (goroutines, memory).
func TestConnectionClosedFromOutside(t *testing.T) {
	name := "rabbitboard-test-" + strconv.Itoa(os.Getpid())
	b, rec := openBrokerNamed(t, name)
	q := freshQueue(t, b, board.QueueSpec{})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q})
	var goroutines int
	var heap uint64
	for cycle := 1; cycle <= 6; cycle++ {
		downs := countOf(rec, brokerState("down"))
		closeConnection(t, name)
		testkit.WaitFor(t, 2*time.Second, "the down event", func() bool { return countOf(rec, brokerState("down")) == downs+1 })
		testkit.WaitFor(t, 5*time.Second, "the reconnect", func() bool {
			return b.State().State == "connected" && receiver(t, b, id).Info().State == board.StateConsuming
		})
		publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("after close")}, Count: 1})
		testkit.WaitFor(t, 5*time.Second, "a delivery", func() bool { return len(rec.deliveries(id)) == cycle })
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		switch cycle {
		case 2: // the first cycle warms up lazily made things
			goroutines, heap = runtime.NumGoroutine(), ms.HeapAlloc
		case 6:
			testkit.WaitFor(t, 5*time.Second, "the goroutine count to settle", func() bool { return runtime.NumGoroutine() <= goroutines })
			if ms.HeapAlloc > heap+2<<20 {
				t.Errorf("heap grew from %d to %d bytes over 4 reconnects", heap, ms.HeapAlloc)
			}
			t.Logf("goroutines %d -> %d, heap %d -> %d bytes", goroutines, runtime.NumGoroutine(), heap, ms.HeapAlloc)
		}
	}
}

func countOf(r *recorder, match func(board.Event) bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if match(e) {
			n++
		}
	}
	return n
}

// cutProxy relays TCP to the broker until cut, then silently drops what
// either side sends, as a dead network link would: no FIN, no RST.
type cutProxy struct {
	ln   net.Listener
	cut  chan struct{}
	done chan struct{}
	wg   sync.WaitGroup
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, cut: make(chan struct{}), done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.wg.Add(2)
			go p.relay(up, c)
			go p.relay(c, up)
		}
	}()
	t.Cleanup(func() {
		close(p.done)
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) relay(dst, src net.Conn) {
	defer p.wg.Done()
	defer dst.Close()
	go func() { <-p.done; src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		select {
		case <-p.cut:
			continue // dropped
		default:
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// A silent network cut is noticed within the heartbeat timeout; calls made
// meanwhile answer within the op timeout instead of hanging.
func TestSilentNetworkCut(t *testing.T) {
	testkit.NeedsBroker(t)
	p := newCutProxy(t, "127.0.0.1:5672")
	rec := newRecorder()
	b := New(Config{URL: "amqp://guest:guest@" + p.ln.Addr().String() + "/", Heartbeat: time.Second, OpTimeout: time.Second,
		Events: rec.record, PollInterval: 200 * time.Millisecond, ManagementURL: "-"})
	if err := b.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	testkit.WaitFor(t, 5*time.Second, "the connection", func() bool { return b.State().State == "connected" })
	direct, _ := openBroker(t) // for the queue: the cut one cannot clean up
	q := freshQueue(t, direct, board.QueueSpec{})

	close(p.cut)
	cut := time.Now()
	began := time.Now()
	_, err := b.InspectQueue(q)
	if e, ok := err.(*board.Error); !ok || e.Code != board.CodeUnavailable || time.Since(began) > 1500*time.Millisecond {
		t.Fatalf("inspect across the cut: %v after %v, want broker_unavailable within the 1 s op timeout", err, time.Since(began))
	}
	// amqp091-go closes a connection that heard nothing for 3 heartbeats.
	testkit.WaitFor(t, 5*time.Second, "the down event", func() bool { return rec.indexOf(brokerState("down")) >= 0 })
	t.Logf("the cut was noticed after %v", time.Since(cut))
}
