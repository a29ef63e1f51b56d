package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// Observing is bounded: 2,000 consumers of other programs are 64 columns
// and a count of the rest, and the page stays small; a basic.get's column
// (a consumer the broker never lists) turns gone within 10 s; gone columns
// leave by themselves after --outside-gone-after.
func TestObservingIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 consumers on the broker; skipped with -short")
	}
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	d := startBinary(t, "--addr", "127.0.0.1:0", "--observe", "--max-outside", "64", "--outside-gone-after", "2s")
	testkit.WaitFor(t, 15*time.Second, "observing to start", func() bool {
		var st board.ObserveEvent
		getJSON(t, d.URL+"/api/observe", &st)
		return st.Enabled
	})
	const q = "rb-test-many-consumers"
	ch := testkit.Channel(t)
	if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = testkit.Channel(t).QueueDelete(q, false, false, false) })

	var conns []*amqp.Connection
	closeAll := func() {
		for _, c := range conns {
			_ = c.Close()
		}
		conns = nil
	}
	t.Cleanup(closeAll)
	for range 20 {
		conn, err := amqp.DialConfig(testkit.AMQPURL(), amqp.Config{Properties: amqp.Table{"connection_name": "many consumers"}})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		for range 100 {
			c, err := conn.Channel()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Consume(q, "", false, false, false, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	outside := func() (n int, gone int) {
		var rs []board.ReceiverInfo
		getJSON(t, d.URL+"/api/receivers", &rs)
		for _, r := range rs {
			if r.Kind == board.KindOutside {
				n++
				if r.State == board.StateGone {
					gone++
				}
			}
		}
		return n, gone
	}
	observing := func() (st board.ObserveEvent) { // afresh: a count of 0 is left out
		getJSON(t, d.URL+"/api/observe", &st)
		return st
	}
	var n int
	testkit.WaitFor(t, 30*time.Second, "64 columns and 1,936 counted", func() bool {
		st := observing()
		n, _ = outside()
		return n == 64 && st.NotShown == 2000-64
	})
	resp, err := http.Get(d.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	t.Logf("GET / with 2,000 outside consumers: %d bytes", len(page))
	if len(page) > 1<<20 {
		t.Fatalf("GET / is %d bytes with the columns capped, want under 1 MiB", len(page))
	}
	closeAll()
	testkit.WaitFor(t, 15*time.Second, "the columns to go", func() bool {
		n, _ := outside()
		return n == 0 && observing().NotShown == 0
	})

	// A basic.get: traced like a delivery, never listed as a consumer.
	if err := ch.Publish("", q, false, false, amqp.Publishing{Body: []byte("get me")}); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the message in the queue", func() bool {
		qi, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
		return err == nil && qi.Messages == 1
	})
	if _, ok, err := ch.Get(q, true); err != nil || !ok {
		t.Fatalf("basic.get: %v %v", ok, err)
	}
	start := time.Now()
	testkit.WaitFor(t, 10*time.Second, "a column for the basic.get", func() bool { n, _ := outside(); return n == 1 })
	testkit.WaitFor(t, 12*time.Second, "the basic.get's column to turn gone", func() bool { _, gone := outside(); return gone == 1 })
	t.Logf("the basic.get's column turned gone %v after the get", time.Since(start).Round(100*time.Millisecond))
	testkit.WaitFor(t, 5*time.Second, "the gone column to leave", func() bool { n, _ := outside(); return n == 0 })
}
