package testkit

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Nested is a header table holding tables depth levels deep.
func Nested(depth int) amqp.Table {
	t := amqp.Table{"leaf": "x"}
	for i := 0; i < depth; i++ {
		t = amqp.Table{"n": t}
	}
	return t
}

// NestedArray is a list holding lists depth levels deep.
func NestedArray(depth int) []any {
	a := []any{"leaf"}
	for i := 1; i < depth; i++ {
		a = []any{a}
	}
	return a
}

// RawField is written to a table as it is: a field amqp091-go cannot write.
type RawField []byte

// EncodeTable writes a table in AMQP's wire format, as another client's
// message carries it (amqp091-go keeps its writer to itself).
func EncodeTable(t amqp.Table) []byte {
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
		long('F', EncodeTable(x))
	case []any:
		var a bytes.Buffer
		for _, e := range x {
			encodeField(&a, e)
		}
		long('A', a.Bytes())
	case RawField:
		b.Write(x)
	default:
		panic(fmt.Sprintf("encodeField: %T", v))
	}
}

// HeaderFrame is a content header frame on channel 1 with a content type,
// a content encoding and these headers (already encoded), then delivery
// mode 2, as a broker sends another client's message.
func HeaderFrame(headers []byte) []byte {
	const contentType, contentEncoding, hasHeaders, deliveryMode = 0x8000, 0x4000, 0x2000, 0x1000
	var p bytes.Buffer
	_ = binary.Write(&p, binary.BigEndian, uint16(60)) // basic
	_ = binary.Write(&p, binary.BigEndian, uint16(0))
	_ = binary.Write(&p, binary.BigEndian, uint64(5))
	_ = binary.Write(&p, binary.BigEndian, uint16(contentType|contentEncoding|hasHeaders|deliveryMode))
	p.WriteByte(10)
	p.WriteString("text/plain")
	p.WriteByte(4)
	p.WriteString("gzip")
	_ = binary.Write(&p, binary.BigEndian, uint32(len(headers)))
	p.Write(headers)
	p.WriteByte(2)
	frame := []byte{2, 0, 1} // a header frame on channel 1
	frame = binary.BigEndian.AppendUint32(frame, uint32(p.Len()))
	frame = append(frame, p.Bytes()...)
	return append(frame, 0xCE)
}
