package web

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/mq"

	"rabbitboard/internal/testkit"
)

// BenchmarkBareClient and BenchmarkPipeline move b.N 100-byte messages
// through the local broker; compare them with benchstat, in one run.

// BenchmarkBareClient: an amqp091-go publisher with confirms and a
// consumer with prefetch 500, nothing else.
func BenchmarkBareClient(b *testing.B) {
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	pub, _ := conn.Channel()
	sub, _ := conn.Channel()
	q := "rb-bench-bare"
	_, _ = pub.QueueDelete(q, false, false, false)
	if _, err := pub.QueueDeclare(q, false, false, false, false, nil); err != nil {
		b.Fatal(err)
	}
	defer pub.QueueDelete(q, false, false, false)
	_ = pub.Confirm(false)
	_ = sub.Qos(500, 0, false)
	deliveries, _ := sub.Consume(q, "", true, false, false, false, nil)
	body := []byte(strings.Repeat("x", 100))
	b.ResetTimer()
	var dcs []*amqp.DeferredConfirmation
	for range b.N {
		dc, err := pub.PublishWithDeferredConfirm("", q, false, false, amqp.Publishing{Body: body})
		if err != nil {
			b.Fatal(err)
		}
		dcs = append(dcs, dc)
	}
	for _, dc := range dcs {
		dc.Wait()
	}
	for range b.N {
		<-deliveries
	}
}

// BenchmarkPipeline: POST /api/publish with count b.N, two receivers with
// auto ack, ten WebSocket viewers; done when the last viewer has all.
func BenchmarkPipeline(b *testing.B) {
	s := startStackWith(b, options{limits: Limits{MaxCount: 1 << 30}})
	q := "rb-bench-pipeline"
	_ = s.broker.DeleteQueue(q)
	if _, err := s.broker.DeclareQueue(board.QueueSpec{Name: q}); err != nil {
		b.Fatal(err)
	}
	defer s.broker.DeleteQueue(q)
	for range 2 {
		if _, err := s.broker.AddReceiver(board.ReceiverSpec{Queue: q, Prefetch: 500}); err != nil {
			b.Fatal(err)
		}
	}
	var viewers []*atomic.Int64
	for range 10 {
		viewers = append(viewers, s.countingViewer(b))
	}
	b.ResetTimer()
	res, err := s.broker.Publish(b.Context(), mq.Publication{Message: board.Message{RoutingKey: q, Body: []byte(strings.Repeat("x", 100))}, Count: b.N})
	if err != nil || res.Confirmed != b.N {
		b.Fatalf("publish: %+v %v", res, err)
	}
	deadline := time.Now().Add(time.Minute)
	for _, v := range viewers {
		for v.Load() < int64(b.N) {
			if time.Now().After(deadline) {
				b.Fatalf("a viewer has %d of %d", v.Load(), b.N)
			}
			time.Sleep(time.Millisecond)
		}
	}
}

// countingViewer counts delivery events without decoding them, so the
// benchmark measures the dashboard rather than its test client.
func (s *stack) countingViewer(b *testing.B) *atomic.Int64 {
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+"/ws", nil)
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		mark := []byte(`"type":"delivery"`)
		for {
			_, frame, err := conn.ReadMessage()
			if err != nil {
				return
			}
			n.Add(int64(bytes.Count(frame, mark)))
		}
	}()
	b.Cleanup(func() {
		conn.Close()
		<-done
	})
	return &n
}
