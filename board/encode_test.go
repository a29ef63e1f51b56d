package board

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"rabbitboard/words"
)

// deliveryOf builds a delivery event whose every string is s, and whose
// numbers and flags come from n.
func deliveryOf(s string, n int64) DeliveryEvent {
	on := n%2 == 1
	e := DeliveryEvent{
		Type: TypeDelivery, Receiver: s, Queue: s, Seq: n, DeliveryTag: uint64(n % 3), Redelivered: on,
		Exchange: s, RoutingKey: s, Get: !on,
		At:       time.Unix(n, n%1000000007).UTC(),
		Counters: EventCounters{Received: n, Acked: n % 5, Unacked: n % 7, Undecodable: n % 2},
		Content: Content{Body: s, Encoding: s, BodySize: int(n), Truncated: on, HeadersTruncated: !on, Undecodable: s,
			Properties: Properties{PublishProperties: PublishProperties{ContentType: s, MessageID: s, Priority: uint8(n), AppID: s}, DeliveryMode: uint8(n % 3), Timestamp: s}},
	}
	if on {
		off := -n
		e.Offset = &off
		e.Headers = map[string]any{s: n, "b": []any{s, 1.5, true, nil}}
		e.UndecodableSaid = words.Said{words.English: s, words.Korean: s + "은"}
		e.At = time.Unix(n, 0).In(time.FixedZone("x", 3600))
	}
	return e
}

// AppendJSON writes the bytes json.Marshal writes, for any strings,
// numbers and flags: the page and every program reading the WebSocket
// read one encoding.
func FuzzDeliveryJSON(f *testing.F) {
	for _, s := range []string{"", "Task 3...", "<a href=\"x\">&</a>", "\x00\x1f\b\f\n\r\t\\\"", "\xff\xfe invalid", "\u2028\u2029", "한국어 큐", "\x7f"} {
		f.Add(s, int64(7))
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		for _, e := range []DeliveryEvent{deliveryOf(s, n), {Type: TypeDelivery, Content: Content{Body: s}}} {
			want, werr := json.Marshal(e)
			got, err := e.AppendJSON(nil)
			if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("AppendJSON:\n%s (%v)\njson.Marshal:\n%s (%v)", got, err, want, werr)
			}
		}
	})
}

// briefDelivery is the brief form's fields as json.Marshal would write them.
type briefDelivery struct {
	Type        EventType `json:"type"`
	Receiver    string    `json:"receiver"`
	Queue       string    `json:"queue"`
	Seq         int64     `json:"seq"`
	DeliveryTag uint64    `json:"delivery_tag,omitempty"`
	Redelivered bool      `json:"redelivered,omitempty"`
	Body        string    `json:"body"`
	Encoding    string    `json:"encoding,omitempty"`
	Truncated   bool      `json:"truncated,omitempty"`
	Get         bool      `json:"get,omitempty"`
	Offset      *int64    `json:"offset,omitempty"`
}

// AppendBriefJSON writes those fields of the event, as json.Marshal does,
// and nothing else.
func FuzzBriefDeliveryJSON(f *testing.F) {
	for _, s := range []string{"", "Task 3...", "\x00\x1f\\\"<&>", "\xff invalid", "한국어 큐"} {
		f.Add(s, int64(7))
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, n int64) {
		e := deliveryOf(s, n)
		want, err := json.Marshal(briefDelivery{Type: e.Type, Receiver: e.Receiver, Queue: e.Queue, Seq: e.Seq, DeliveryTag: e.DeliveryTag,
			Redelivered: e.Redelivered, Body: e.Body, Encoding: e.Encoding, Truncated: e.Truncated, Get: e.Get, Offset: e.Offset})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.AppendBriefJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("AppendBriefJSON:\n%s\nwant:\n%s", got, want)
		}
	})
}

// The bench's delivery event, encoded both ways:
// go test -run '^$' -bench DeliveryJSON ./board
func BenchmarkDeliveryJSON(b *testing.B) {
	e := DeliveryEvent{Type: TypeDelivery, Receiver: "r1", Queue: "rabbitboard-bench-pipeline", Seq: 51234, DeliveryTag: 51234,
		RoutingKey: "rabbitboard-bench-pipeline", Content: Content{Body: string(bytes.Repeat([]byte("x"), 100)), BodySize: 100,
			Properties: Properties{PublishProperties: PublishProperties{MessageID: "rb-abcdefgh-51234"}}},
		At: time.Now().UTC(), Counters: EventCounters{Received: 51234, Acked: 51234}}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(e)
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		for b.Loop() {
			_, _ = e.AppendJSON(make([]byte, 0, 512))
		}
	})
}
