package mq

import (
	"strings"
	"testing"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// A message whose headers amqp091-go cannot read, published by another
// client: it is shown as undecodable, the manual receiver rejects it to the
// dead-letter queue, the connection never drops, and the next message is
// delivered as usual.
func TestPoisonMessageKeepsTheConnection(t *testing.T) {
	for _, tc := range []struct {
		ack       board.AckMode
		dead      int // messages dead-lettered
		outcome   board.Outcome
		remaining int
	}{
		{board.AckManual, 1, "reject", 0},
		{board.AckAuto, 0, "", 0},
		{board.AckInteractive, 1, "reject", 0}, // rejected by hand below
	} {
		t.Run(string(tc.ack), func(t *testing.T) {
			b, rec := openBroker(t)
			dead := freshQueue(t, b, board.QueueSpec{Name: "rb-test-poison-dead-" + string(tc.ack)})
			q := freshQueue(t, b, board.QueueSpec{Name: "rb-test-poison-" + string(tc.ack), Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead}})
			id := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: 1, Ack: tc.ack})

			ch := testkit.Channel(t)
			if err := ch.Publish("", q, false, false, amqp.Publishing{Headers: testkit.Nested(40), Body: []byte("poison")}); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 5*time.Second, "the poison delivery", func() bool { return len(rec.deliveries(id)) == 1 })
			d := rec.deliveries(id)[0]
			if d.Body != "poison" || d.Undecodable != "Its headers cannot be decoded: tables nest deeper than 32 levels." || len(d.Headers) != 0 || d.Counters.Undecodable != 1 {
				t.Fatalf("delivery %+v", d)
			}
			if tc.ack == board.AckInteractive {
				if err := receiver(t, b, id).Settle(d.DeliveryTag, "reject", false); err != nil {
					t.Fatal(err)
				}
			}
			if tc.outcome != "" {
				testkit.WaitFor(t, 5*time.Second, "the rejection", func() bool { return len(rec.settled(id)) == 1 })
				if s := rec.settled(id)[0]; s.Outcome != tc.outcome || s.Requeue || s.Counters.Unacked != 0 {
					t.Fatalf("settled %+v, want %s without requeue", s, tc.outcome)
				}
			}
			testkit.WaitFor(t, 5*time.Second, "the dead-letter queue", func() bool {
				info, err := b.InspectQueue(dead)
				return err == nil && info.Messages == tc.dead
			})
			if err := ch.Publish("", q, false, false, amqp.Publishing{Headers: amqp.Table{"fine": "yes"}, Body: []byte("next")}); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 5*time.Second, "the next delivery", func() bool { return len(rec.deliveries(id)) == 2 })
			if d := rec.deliveries(id)[1]; d.Body != "next" || d.Headers["fine"] != "yes" || d.Undecodable != "" {
				t.Fatalf("next delivery %+v", d)
			}
			if n := countOf(rec, brokerState("down")); n != 0 || b.generation() != 1 {
				t.Fatalf("the connection dropped: %d down events, %d connections", n, b.generation())
			}
		})
	}
}

func TestPreviewHeadersCapsLikeBodies(t *testing.T) {
	big := strings.Repeat("h", 3000)
	headers, truncated, why := previewHeaders(amqp.Table{"a": big, "b": big, "c": "small"}, 4096)
	if !truncated || why != "" || len(headers) != 1 || headers["a"] != big {
		t.Fatalf("got %d headers, truncated %v, why %q", len(headers), truncated, why)
	}
	headers, truncated, _ = previewHeaders(amqp.Table{"a": "x", "n": amqp.Table{"m": int32(1)}}, 4096)
	if truncated || len(headers) != 2 {
		t.Fatalf("small headers: %v truncated %v", headers, truncated)
	}
}
