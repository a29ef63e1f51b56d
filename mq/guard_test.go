package mq

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// nested is a header table holding tables depth levels deep.
func nested(depth int) amqp.Table {
	t := amqp.Table{"leaf": "x"}
	for i := 0; i < depth; i++ {
		t = amqp.Table{"n": t}
	}
	return t
}

// encodeTable writes a table in AMQP's wire format, for the guard's unit
// tests (amqp091-go keeps its writer to itself).
func encodeTable(t amqp.Table) []byte {
	var b bytes.Buffer
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(byte(len(k)))
		b.WriteString(k)
		encodeField(&b, t[k])
	}
	return b.Bytes()
}

func encodeField(b *bytes.Buffer, v any) {
	long := func(typ byte, p []byte) {
		b.WriteByte(typ)
		_ = binary.Write(b, binary.BigEndian, uint32(len(p)))
		b.Write(p)
	}
	switch x := v.(type) {
	case nil:
		b.WriteByte('V')
	case string:
		long('S', []byte(x))
	case int32:
		b.WriteByte('I')
		_ = binary.Write(b, binary.BigEndian, x)
	case amqp.Table:
		long('F', encodeTable(x))
	case []any:
		var a bytes.Buffer
		for _, e := range x {
			encodeField(&a, e)
		}
		long('A', a.Bytes())
	case rawField:
		b.Write(x)
	default:
		panic(fmt.Sprintf("encodeField: %T", v))
	}
}

// rawField is written to a table as it is: a field amqp091-go cannot write.
type rawField []byte

// headerFrame is a content header frame on channel 1 with a content type,
// a content encoding and these headers (already encoded), then delivery
// mode 2.
func headerFrame(headers []byte) []byte {
	var p bytes.Buffer
	_ = binary.Write(&p, binary.BigEndian, uint16(60)) // basic
	_ = binary.Write(&p, binary.BigEndian, uint16(0))
	_ = binary.Write(&p, binary.BigEndian, uint64(5))
	_ = binary.Write(&p, binary.BigEndian, uint16(flagContentType|flagContentEncode|flagHeaders|0x1000))
	p.WriteByte(10)
	p.WriteString("text/plain")
	p.WriteByte(4)
	p.WriteString("gzip")
	_ = binary.Write(&p, binary.BigEndian, uint32(len(headers)))
	p.Write(headers)
	p.WriteByte(2)
	frame := []byte{frameHeader, 0, 1}
	frame = binary.BigEndian.AppendUint32(frame, uint32(p.Len()))
	frame = append(frame, p.Bytes()...)
	return append(frame, frameEnd)
}

func TestGuardHeaderFrame(t *testing.T) {
	manyNils := make([]any, maxTableEntries+1)
	manyEntries := amqp.Table{}
	for i := 0; i <= maxTableEntries; i++ {
		manyEntries[fmt.Sprint(i)] = nil
	}
	for _, tc := range []struct {
		name    string
		headers amqp.Table
		why     string // "" when the frame must pass unchanged
	}{
		{"flat", amqp.Table{"a": "b", "n": int32(7)}, ""},
		{"32 levels", nested(32), ""},
		{"33 levels", nested(33), "tables nest deeper than 32 levels"},
		{"33 levels of arrays", amqp.Table{"a": nestedArray(33)}, "tables nest deeper than 32 levels"},
		{"8192 values", amqp.Table{"a": manyNils[:maxTableEntries]}, ""},
		{"8193 values", amqp.Table{"a": manyNils}, "an array holds more than 8192 values"},
		{"8193 entries", manyEntries, "a table holds more than 8192 entries"},
		{"unknown type", amqp.Table{"a": rawField{'Z', 0}}, `a header value has the unknown type 'Z'`},
		{"cut short", amqp.Table{"a": rawField{'I', 0, 0}}, "a header value is cut short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := headerFrame(encodeTable(tc.headers))
			out := guardHeaderFrame(bytes.Clone(in))
			if tc.why == "" {
				if !bytes.Equal(in, out) {
					t.Fatal("a readable frame was changed")
				}
				return
			}
			want := headerFrame(undecodableTable("Its headers cannot be decoded: " + tc.why + "."))
			if !bytes.Equal(out, want) {
				t.Fatalf("got frame\n%q\nwant\n%q", out, want)
			}
		})
	}
}

func nestedArray(depth int) []any {
	a := []any{"leaf"}
	for i := 1; i < depth; i++ {
		a = []any{a}
	}
	return a
}

// guardConn passes a stream of frames through byte for byte, except the
// header frame it rewrites, however the reads are sized.
func TestGuardConnStream(t *testing.T) {
	body := []byte{3, 0, 1, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', frameEnd}
	good := headerFrame(encodeTable(amqp.Table{"a": "b"}))
	bad := headerFrame(encodeTable(nested(40)))
	in := bytes.Join([][]byte{good, body, bad, body}, nil)
	want := bytes.Join([][]byte{good, body, guardHeaderFrame(bytes.Clone(bad)), body}, nil)
	for _, size := range []int{1, 3, 7, 64, 4096} {
		g := &guardConn{r: bufioReader(in)}
		var got []byte
		p := make([]byte, size)
		for {
			n, err := g.Read(p)
			got = append(got, p[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("reads of %d: got %q, want %q", size, got, want)
		}
	}
}

// A message whose headers amqp091-go cannot read, published by another
// client: it is shown as undecodable, the manual receiver rejects it to the
// dead-letter queue, the connection never drops, and the next message is
// delivered as usual.
func TestPoisonMessageKeepsTheConnection(t *testing.T) {
	for _, tc := range []struct {
		ack       AckMode
		dead      int // messages dead-lettered
		outcome   Outcome
		remaining int
	}{
		{AckManual, 1, "reject", 0},
		{AckAuto, 0, "", 0},
		{AckInteractive, 1, "reject", 0}, // rejected by hand below
	} {
		t.Run(string(tc.ack), func(t *testing.T) {
			b, rec := openBroker(t)
			dead := freshQueue(t, b, QueueSpec{Name: "rb-test-poison-dead-" + string(tc.ack)})
			q := freshQueue(t, b, QueueSpec{Name: "rb-test-poison-" + string(tc.ack), Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead}})
			id := addReceiver(t, b, ReceiverSpec{Queue: q, Prefetch: 1, Ack: tc.ack})

			ch := testkit.Channel(t)
			if err := ch.Publish("", q, false, false, amqp.Publishing{Headers: nested(40), Body: []byte("poison")}); err != nil {
				t.Fatal(err)
			}
			testkit.WaitFor(t, 5*time.Second, "the poison delivery", func() bool { return len(rec.deliveries(id)) == 1 })
			d := rec.deliveries(id)[0]
			if d.Body != "poison" || d.Undecodable != "Its headers cannot be decoded: tables nest deeper than 32 levels." || len(d.Headers) != 0 || d.Counters.Undecodable != 1 {
				t.Fatalf("delivery %+v", d)
			}
			if tc.ack == AckInteractive {
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

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
