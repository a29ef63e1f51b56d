package refusal

import (
	"errors"
	"fmt"
	"testing"

	"rabbitboard/board"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The reply texts are RabbitMQ 3.10's, as it closes a channel.
func TestExplain(t *testing.T) {
	for _, c := range []struct {
		code   int
		reason string
		want   board.Code
		en, ko string
	}{
		{amqp.PreconditionFailed, "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'hello' in vhost '/': received none but current is the value 'quorum' of type 'longstr'",
			board.CodePreconditionFailed,
			"The queue 'hello' is a quorum queue (as the official tutorials declare theirs); this asks for a classic queue. RabbitMQ never changes an existing queue: declare it with the same settings, or delete it first and declare it again.",
			"큐 'hello'는 quorum 큐(공식 튜토리얼이 선언하는 대로)인데 이 요청은 classic 큐입니다. RabbitMQ는 이미 있는 큐를 바꾸지 않습니다: 같은 설정으로 선언하거나, 먼저 지우고 다시 선언하세요."},
		{amqp.PreconditionFailed, "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'task_queue' in vhost '/': received 'false' but current is 'true'",
			board.CodePreconditionFailed, "", ""},
		{amqp.AccessRefused, "ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'",
			board.CodeAccessRefused,
			"The name 'amq.mine' starts with 'amq.', which RabbitMQ keeps for itself: choose another queue name.", ""},
		{amqp.NotFound, "NOT_FOUND - no exchange 'logs' in vhost '/'",
			board.CodeBrokerNotFound, "There is no exchange 'logs': declare it first.", "익스체인지 'logs'가 없습니다: 먼저 선언하세요."},
		{amqp.ResourceLocked, "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'amq.gen-x' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
			board.CodeResourceLocked, "The queue 'amq.gen-x' is exclusive to another connection: only that connection may use it.", ""},
		{amqp.NotFound, "NOT_FOUND - home node 'rabbit@b' of durable queue 'jobs' in vhost '/' is down or inaccessible",
			board.CodeUnavailable, "", ""},
	} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			err := Explain(&amqp.Error{Code: c.code, Reason: c.reason, Server: true})
			var e *board.Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: got %T %v, want a *board.Error", c.reason, err, err)
			}
			if e.Code != c.want {
				t.Errorf("%q: code %q, want %q", c.reason, e.Code, c.want)
			}
			if c.en != "" && e.Said.In(words.English) != c.en {
				t.Errorf("English:\n got %s\nwant %s", e.Said.In(words.English), c.en)
			}
			if c.ko != "" && e.Said.In(words.Korean) != c.ko {
				t.Errorf("Korean:\n got %s\nwant %s", e.Said.In(words.Korean), c.ko)
			}
		})
	}
}

func TestExplainQueueDown(t *testing.T) {
	err := Explain(&amqp.Error{Code: amqp.NotFound, Reason: "NOT_FOUND - home node 'rabbit@b' of durable queue 'jobs' in vhost '/' is down or inaccessible", Server: true})
	var down *QueueDownError
	if !errors.As(err, &down) {
		t.Fatalf("got %T, want *QueueDownError", err)
	}
	want := "The queue 'jobs' is unavailable: it is a classic queue, kept on node rabbit@b alone, and that node is down or unreachable. It comes back with its node; a quorum queue keeps copies on several nodes and would still be serving."
	if got := err.Error(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestExplainOthers(t *testing.T) {
	if err := Explain(amqp.ErrClosed); err != board.ErrUnavailable {
		t.Errorf("a closed connection: got %v, want board.ErrUnavailable", err)
	}
	plain := errors.New("dial tcp: refused")
	if err := Explain(plain); err != plain {
		t.Errorf("a network error: got %v, want it unchanged", err)
	}
	err := Explain(&amqp.Error{Code: amqp.ConnectionForced, Reason: "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'", Server: true})
	var e *board.Error
	if !errors.As(err, &e) || e.Code != board.CodeUnavailable {
		t.Fatalf("a forced close: got %#v, want CodeUnavailable", err)
	}
	if want := "The connection to RabbitMQ broke (CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'); rabbitboard is reconnecting."; e.Error() != want {
		t.Errorf("got %s\nwant %s", e.Error(), want)
	}
}
