package board

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every event of the contract decodes back to what was encoded, by its type.
func TestEventsRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 26, 3, 4, 5, 6, time.UTC)
	counters := Counters{Received: 3, Acked: 1, Unacked: 2, Undecodable: 1}
	spec := QueueSpec{Name: "q", Durable: true, AutoDelete: true, Arguments: map[string]any{"x-queue-type": "quorum"}}
	events := []Event{
		BrokerEvent{Type: TypeBroker, State: "down", Error: "gone"},
		QueueEvent{Type: TypeQueue, Queue: QueueInfo{QueueSpec: spec, Messages: 4, Consumers: 2}},
		QueueGoneEvent{Type: TypeQueueGone, Queue: "q"},
		ReceiverEvent{Type: TypeReceiver, Receiver: ReceiverInfo{ID: "r1", ReceiverSpec: ReceiverSpec{Queue: "q", Name: "worker A", Prefetch: 1, Ack: AckManual, WorkMS: 5, DotMS: 6}, Colour: 3, State: StateWaiting, Counters: counters, Error: "no queue", Kind: KindOutside, Client: "pika", Connection: "c", Channel: 2, ConsumerTag: "t", Replica: "k3x9ab"}},
		ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: "r1"},
		DeliveryEvent{Type: TypeDelivery, Receiver: "r1", Queue: "q", Seq: 3, DeliveryTag: 9, Redelivered: true, Exchange: "x", RoutingKey: "k",
			Content: Content{Body: "Task 3...", Encoding: "text", BodySize: 9, Truncated: true,
				Properties: Properties{PublishProperties: PublishProperties{ContentType: "text/plain", MessageID: "m", CorrelationID: "c", ReplyTo: "r", Expiration: "60000", Priority: 5, Type: "t", AppID: "a"},
					ContentEncoding: "gzip", DeliveryMode: 2, UserID: "guest", Timestamp: "2026-11-26T03:04:05Z"},
				Headers: map[string]any{"tenant": "acme", "nested": map[string]any{"ok": true}}, HeadersTruncated: true, Undecodable: "why"},
			Get: true, At: at, Counters: EventCounters(counters)},
		SettledEvent{Type: TypeSettled, Receiver: "r1", DeliveryTag: 9, Seq: 3, Outcome: OutcomeNack, Requeue: true, Counters: EventCounters(counters)},
		PublishedEvent{Type: TypePublished, Exchange: "x", RoutingKey: "k", Count: 10, Confirmed: 8, Nacked: 1, Returned: 1},
		RouteEvent{Type: TypeRoute, Exchange: "x", RoutingKey: "k", Queues: []string{"a", "b"}},
		ReturnedEvent{Type: TypeReturned, Exchange: "x", RoutingKey: "k", ReplyCode: 312, ReplyText: "NO_ROUTE", Body: "b", Encoding: "text", Message: "none took it"},
		SurvivalEvent{Type: TypeSurvival, At: at, Queues: []QueueSurvival{{QueueSpec: spec, Before: 5, After: 3, Kept: 3, Lost: 2, Missing: true, Verdict: "lost"}}},
		TopologyEvent{Type: TypeTopology, Exchanges: []ExchangeSpec{{Name: "x", Type: "topic", Durable: true, AutoDelete: true, Arguments: map[string]any{"alternate-exchange": "ae"}}},
			Bindings: []BindingSpec{{Exchange: "x", Queue: "q", RoutingKey: "*.k", Arguments: map[string]any{"x-match": "any"}, Label: "x-match=any"}}},
		ObserveEvent{Type: TypeObserve, Enabled: true, Tracing: TracingOn, Error: "e", Skipped: 4, NotShown: 7, Filter: "task"},
		ObservedPublishEvent{Type: TypeObservedPublish, Exchange: "x", RoutingKey: "k", RoutedQueues: []string{"q"},
			Content:    Content{Body: "b", Encoding: "base64", BodySize: 1, Truncated: true, Properties: Properties{DeliveryMode: 2}, Headers: map[string]any{"h": "v"}},
			Connection: "c", Name: "pika c", At: at},
		LessonEvent{Type: TypeLesson, Name: "work-queue", Title: "Work queue", Watch: "Six tasks", Queues: []string{"task_queue"}},
		PaceEvent{Type: TypePace, Pace: 0.25},
		ConfirmsEvent{Type: TypeConfirms, Queue: "confirms_lesson", Strategies: []ConfirmStrategy{{Name: ConfirmBatches, Messages: 1000, Seconds: 0.1, Rate: 10000, LatencyMS: 5.5, Nacked: 1}},
			Limited: "confirms_limited", LimitedSent: 20, Nacked: 10, Returned: 1, At: at},
	}
	if len(events) != len(decoders) {
		t.Fatalf("%d sample events for %d event types", len(events), len(decoders))
	}
	for _, want := range events {
		data, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(reflect.TypeOf(want).Name(), func(t *testing.T) {
			got, err := DecodeEvent(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded\n%#v\nwant\n%#v", got, want)
			}
		})
	}
	if _, err := DecodeEvent([]byte(`{"type":"gossip"}`)); err == nil {
		t.Fatal("an unknown type decoded")
	}
}

// A delivery event carries only what is set: for a 100-byte body with no
// properties or headers, at most 1.3 times the body plus 200 bytes.
func TestDeliveryEventIsLean(t *testing.T) {
	body := strings.Repeat("x", 100)
	ev := DeliveryEvent{Type: TypeDelivery, Receiver: "r1", Queue: "hello", Seq: 12345, DeliveryTag: 12345, RoutingKey: "hello",
		Content: Content{Body: body, BodySize: 100, Properties: Properties{}, Headers: map[string]any{}},
		At:      time.Now().UTC(), Counters: EventCounters{Received: 12345, Acked: 12345}}
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if limit := 130 + 200; len(data) > limit {
		t.Fatalf("%d bytes, more than %d:\n%s", len(data), limit, data)
	}
	t.Logf("%d bytes: %s", len(data), data)
}
