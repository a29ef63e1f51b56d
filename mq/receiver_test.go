package mq

import (
	"testing"
	"time"

	"rabbitboard/board"

	"rabbitboard/internal/testkit"
)

func receiver(t *testing.T, b *Broker, id string) *Receiver {
	t.Helper()
	r, err := b.Receiver(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPauseTakesNoNewMessagesAndResumeDoes(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q})
	r := receiver(t, b, id)
	if err := r.Do(board.ActionPause); err != nil {
		t.Fatal(err)
	}
	if s := r.Info().State; s != board.StatePaused {
		t.Fatalf("state %s, want paused", s)
	}
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("m{{seq}}")}, Count: 3})
	testkit.WaitFor(t, 5*time.Second, "3 ready messages", func() bool {
		info, err := b.InspectQueue(q)
		return err == nil && info.Messages == 3 && info.Consumers == 0
	})
	if n := len(rec.deliveries(id)); n != 0 {
		t.Fatalf("paused receiver got %d deliveries", n)
	}
	if err := r.Do(board.ActionResume); err != nil {
		t.Fatal(err)
	}
	if s := r.Info().State; s != board.StateConsuming {
		t.Fatalf("state %s after resume, want consuming", s)
	}
	testkit.WaitFor(t, 5*time.Second, "3 deliveries after resume", func() bool { return len(rec.deliveries(id)) == 3 })
}

func TestRemoveFinishesTheMessageInHand(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: 2, Ack: board.AckManual, WorkMS: 300})
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("m{{seq}}")}, Count: 2})
	testkit.WaitFor(t, 5*time.Second, "2 held", func() bool { return receiver(t, b, id).Info().Unacked == 2 })
	r := receiver(t, b, id)
	if err := r.Do(board.ActionDelete); err != nil {
		t.Fatal(err)
	}
	<-r.Done()
	if _, err := b.Receiver(id); err == nil {
		t.Fatal("the receiver is still listed")
	}
	settled := rec.settled(id)
	if len(settled) != 2 || settled[0].Outcome != "ack" || settled[0].Seq != 1 || settled[1].Outcome != "requeued" || settled[1].Seq != 2 {
		t.Fatalf("settled %+v, want m1 acked and m2 requeued", settled)
	}
	info, err := b.InspectQueue(q)
	if err != nil || info.Messages != 1 || info.Consumers != 0 {
		t.Fatalf("queue %+v (%v), want the unstarted message back and no consumer", info, err)
	}
}

func TestInteractiveAckNackReject(t *testing.T) {
	b, rec := openBroker(t)
	dead := freshQueue(t, b, board.QueueSpec{Name: "rb-test-interactive-dead"})
	q := freshQueue(t, b, board.QueueSpec{Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead}})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q, Prefetch: 1, Ack: board.AckInteractive})
	r := receiver(t, b, id)
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("m{{seq}}")}, Count: 2})

	testkit.WaitFor(t, 5*time.Second, "m1", func() bool { return len(rec.deliveries(id)) == 1 })
	if err := r.Settle(99, "ack", false); err == nil || err.(*board.Error).Code != board.CodeNotFound {
		t.Fatalf("ack of an unknown tag: %v, want not_found", err)
	}
	// Nack with requeue: m1 comes back, redelivered, to the only consumer.
	if err := r.Settle(rec.deliveries(id)[0].DeliveryTag, "nack", true); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "m1 again", func() bool { return len(rec.deliveries(id)) == 2 })
	again := rec.deliveries(id)[1]
	if again.Body != "m1" || !again.Redelivered {
		t.Fatalf("after nack+requeue got %+v, want m1 redelivered", again)
	}
	if err := r.Settle(again.DeliveryTag, "ack", false); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "m2", func() bool { return len(rec.deliveries(id)) == 3 })
	// Reject without requeue: m2 goes to the dead-letter queue.
	if err := r.Settle(rec.deliveries(id)[2].DeliveryTag, "reject", false); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "m2 dead-lettered", func() bool {
		qi, err1 := b.InspectQueue(q)
		di, err2 := b.InspectQueue(dead)
		return err1 == nil && err2 == nil && qi.Messages == 0 && di.Messages == 1
	})
	if c := r.Info().Counters; c != (board.Counters{Received: 3, Acked: 1, Unacked: 0}) {
		t.Fatalf("counters %+v, want 3 received, 1 acked, 0 unacked", c)
	}
	outcomes := []board.Outcome{}
	for _, s := range rec.settled(id) {
		outcomes = append(outcomes, s.Outcome)
	}
	if len(outcomes) != 3 || outcomes[0] != "nack" || outcomes[1] != "ack" || outcomes[2] != "reject" {
		t.Fatalf("outcomes %v, want nack, ack, reject", outcomes)
	}

	manual := addReceiver(t, b, board.ReceiverSpec{Queue: q, Ack: board.AckManual})
	if err := receiver(t, b, manual).Settle(1, "ack", false); err == nil || err.(*board.Error).Code != board.CodeConflict {
		t.Fatalf("settling on a manual receiver: %v, want a conflict", err)
	}
}

func TestReceiverWaitsForItsQueue(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	id := addReceiver(t, b, board.ReceiverSpec{Queue: q})
	if err := b.DeleteQueue(q); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "the waiting state", func() bool { return receiver(t, b, id).Info().State == board.StateWaiting })
	if msg := receiver(t, b, id).Info().Error; msg != "There is no queue '"+q+"': declare it first." {
		t.Fatalf("waiting because %q", msg)
	}
	if _, err := b.DeclareQueue(board.QueueSpec{Name: q}); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 5*time.Second, "consuming again", func() bool { return receiver(t, b, id).Info().State == board.StateConsuming })
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("back")}, Count: 1})
	testkit.WaitFor(t, 5*time.Second, "the delivery", func() bool { return len(rec.deliveries(id)) == 1 })
}

// A depth reported just after a publish is corrected by the next poll
// even when that poll sees what the one before the publish saw.
func TestReportedDepthIsCorrected(t *testing.T) {
	b, rec := openBroker(t)
	q := freshQueue(t, b, board.QueueSpec{})
	depth := func() int {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for i := len(rec.events) - 1; i >= 0; i-- {
			if e, ok := rec.events[i].(board.QueueEvent); ok && e.Queue.Name == q {
				return e.Queue.Messages
			}
		}
		return -1
	}
	time.Sleep(500 * time.Millisecond) // polls that see the queue empty
	publish(t, b, Publication{Message: board.Message{RoutingKey: q, Body: []byte("m{{seq}}")}, Count: 3})
	if _, err := testkit.Channel(t).QueuePurge(q, false); err != nil { // another program takes them at once
		t.Fatal(err)
	}
	testkit.WaitFor(t, 2*time.Second, "the depth back at 0", func() bool { return depth() == 0 })
}
