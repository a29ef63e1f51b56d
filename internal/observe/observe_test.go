package observe

import (
	"encoding/json"
	"reflect"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

func TestOutsideConsumers(t *testing.T) {
	var consumers []mgmtConsumer
	if err := json.Unmarshal([]byte(`[
		{"consumer_tag":"ctag1","channel_details":{"connection_name":"127.0.0.1:5001 -> 127.0.0.1:5672","number":1,"peer_host":"127.0.0.1","peer_port":5001},"queue":{"name":"task_queue"},"ack_required":true,"prefetch_count":1},
		{"consumer_tag":"ctag2","channel_details":{"connection_name":"127.0.0.1:5002 -> 127.0.0.1:5672","number":1,"peer_host":"127.0.0.1","peer_port":5002},"queue":{"name":"task_queue"},"ack_required":false,"prefetch_count":0},
		{"consumer_tag":"b","channel_details":{"connection_name":"127.0.0.1:5003 -> 127.0.0.1:5672","number":2},"queue":{"name":"logs"},"ack_required":true,"prefetch_count":10},
		{"consumer_tag":"a","channel_details":{"connection_name":"127.0.0.1:5003 -> 127.0.0.1:5672","number":2},"queue":{"name":"logs"},"ack_required":true,"prefetch_count":10},
		{"consumer_tag":"new","channel_details":[],"queue":{"name":"task_queue"},"ack_required":true,"prefetch_count":1},
		{"consumer_tag":"mine","channel_details":{"connection_name":"127.0.0.1:5004 -> 127.0.0.1:5672","number":3},"queue":{"name":"task_queue"},"ack_required":true,"prefetch_count":1}
	]`), &consumers); err != nil {
		t.Fatal(err)
	}
	conns := []mgmtConnection{
		{Name: "127.0.0.1:5001 -> 127.0.0.1:5672", ClientProperties: map[string]any{"product": "Pika Python Client Library", "version": "1.2.0"}, PeerHost: "127.0.0.1", PeerPort: 5001},
		{Name: "127.0.0.1:5002 -> 127.0.0.1:5672", ClientProperties: map[string]any{"product": "Pika Python Client Library", "version": "1.2.0", "connection_name": "billing worker"}},
		{Name: "127.0.0.1:5003 -> 127.0.0.1:5672", ClientProperties: map[string]any{}, PeerHost: "127.0.0.1", PeerPort: 5003},
		{Name: "127.0.0.1:5004 -> 127.0.0.1:5672", ClientProperties: map[string]any{"product": Product, "connection_name": "rabbitboard"}},
	}
	var channels []mgmtChannel
	_ = json.Unmarshal([]byte(`[{"number":1,"messages_unacknowledged":1,"connection_details":{"name":"127.0.0.1:5001 -> 127.0.0.1:5672"}},
		{"number":2,"messages_unacknowledged":7,"connection_details":{"name":"127.0.0.1:5003 -> 127.0.0.1:5672"}}]`), &channels)
	outside, own := outsideConsumers(consumers, conns, channels)
	want := map[consumerKey]outsideConsumer{
		{"127.0.0.1:5001 -> 127.0.0.1:5672", 1, "task_queue"}: {Key: consumerKey{"127.0.0.1:5001 -> 127.0.0.1:5672", 1, "task_queue"}, Tags: []string{"ctag1"},
			Prefetch: 1, AckRequired: true, Name: "pika 127.0.0.1:5001", Client: "Pika Python Client Library 1.2.0", Unacked: 1},
		{"127.0.0.1:5002 -> 127.0.0.1:5672", 1, "task_queue"}: {Key: consumerKey{"127.0.0.1:5002 -> 127.0.0.1:5672", 1, "task_queue"}, Tags: []string{"ctag2"},
			Prefetch: 0, AckRequired: false, Name: "billing worker", Client: "Pika Python Client Library 1.2.0"},
		// Two consumers of one queue on one channel: one column.
		{"127.0.0.1:5003 -> 127.0.0.1:5672", 2, "logs"}: {Key: consumerKey{"127.0.0.1:5003 -> 127.0.0.1:5672", 2, "logs"}, Tags: []string{"a", "b"},
			Prefetch: 10, AckRequired: true, Name: "client 127.0.0.1:5003", Client: "", Unacked: 7},
	}
	if !reflect.DeepEqual(outside, want) {
		t.Errorf("outside consumers\n%+v\nwant\n%+v", outside, want)
	}
	if !reflect.DeepEqual(own, map[string]bool{"127.0.0.1:5004 -> 127.0.0.1:5672": true}) {
		t.Errorf("own connections %v", own)
	}
}

func TestReadTrace(t *testing.T) {
	conn := "127.0.0.1:5001 -> 127.0.0.1:5672"
	props := amqp.Table{"delivery_mode": int32(2), "headers": amqp.Table{"tenant": "acme"}}
	for _, tc := range []struct {
		name string
		d    amqp.Delivery
		want trace
		ok   bool
	}{
		{"delivery", amqp.Delivery{RoutingKey: "deliver.task_queue", Headers: amqp.Table{"exchange_name": "", "routing_keys": []any{"task_queue"},
			"connection": conn, "channel": int32(1), "redelivered": int32(1), "properties": props}},
			trace{Deliver: true, Queue: "task_queue", RoutingKey: "task_queue", Connection: conn, Channel: 1, Redelivered: true, Properties: props}, true},
		{"publish", amqp.Delivery{RoutingKey: "publish.logs", Headers: amqp.Table{"exchange_name": "logs", "routing_keys": []any{"kern.info", "cc"},
			"routed_queues": []any{"a", "b"}, "connection": conn, "channel": int32(3), "properties": amqp.Table{}}},
			trace{Exchange: "logs", RoutingKey: "kern.info", RoutedQueues: []string{"a", "b"}, Connection: conn, Channel: 3, Properties: amqp.Table{}}, true},
		{"publish to the default exchange", amqp.Delivery{RoutingKey: "publish.", Headers: amqp.Table{"exchange_name": "", "routing_keys": []any{"hello"},
			"routed_queues": []any{}, "connection": conn, "channel": int32(1)}},
			trace{RoutingKey: "hello", Connection: conn, Channel: 1}, true},
		{"not a trace", amqp.Delivery{RoutingKey: "hello", Headers: amqp.Table{"connection": conn}}, trace{}, false},
		{"no connection", amqp.Delivery{RoutingKey: "deliver.q", Headers: amqp.Table{}}, trace{Deliver: true, Queue: "q"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := readTrace(tc.d)
			if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	p, h := traceProperties(props)
	if p.DeliveryMode != 2 || h["tenant"] != "acme" {
		t.Fatalf("properties %+v headers %v", p, h)
	}
}
