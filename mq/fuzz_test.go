package mq

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/frameguard"
	"rabbitboard/internal/testkit"

	amqp "github.com/rabbitmq/amqp091-go"
)

// fakeBroker plays the broker's side of one AMQP connection over a pipe: it
// opens the connection and a channel, answers a basic.consume, and then
// delivers one message whose header frame carries headers exactly as given,
// the way another client's message arrives from a real broker.
func fakeBroker(conn net.Conn, headers []byte) error {
	defer conn.Close()
	proto := make([]byte, 8)
	if _, err := io.ReadFull(conn, proto); err != nil {
		return err
	}
	method := func(channel uint16, class, id uint16, args []byte) []byte {
		p := binary.BigEndian.AppendUint16(nil, class)
		p = binary.BigEndian.AppendUint16(p, id)
		return frame(1, channel, append(p, args...))
	}
	shortstr := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	longstr := func(s string) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...) }
	start := append([]byte{0, 9}, longstr("")...) // version, server properties
	start = append(append(start, longstr("PLAIN")...), longstr("en_US")...)
	if _, err := conn.Write(method(0, 10, 10, start)); err != nil {
		return err
	}
	for {
		typ, channel, payload, err := readFrame(conn)
		if err != nil {
			return err
		}
		if typ != 1 || len(payload) < 4 {
			continue
		}
		var reply []byte
		switch class, id := binary.BigEndian.Uint16(payload), binary.BigEndian.Uint16(payload[2:]); {
		case class == 10 && id == 11: // start-ok
			tune := binary.BigEndian.AppendUint16(nil, 16)
			tune = binary.BigEndian.AppendUint32(tune, 131072)
			reply = method(0, 10, 30, binary.BigEndian.AppendUint16(tune, 0))
		case class == 10 && id == 40: // open
			reply = method(0, 10, 41, shortstr(""))
		case class == 20 && id == 10: // channel.open
			reply = method(channel, 20, 11, longstr(""))
		case class == 60 && id == 20: // basic.consume
			reply = method(channel, 60, 21, shortstr("c1"))
			deliver := binary.BigEndian.AppendUint64(shortstr("c1"), 1)
			deliver = append(append(append(deliver, 0), shortstr("")...), shortstr("q")...)
			reply = append(reply, method(channel, 60, 60, deliver)...)
			hf := testkit.HeaderFrame(headers)
			binary.BigEndian.PutUint16(hf[1:3], channel)
			reply = append(reply, hf...)
			reply = append(reply, frame(3, channel, []byte("hello"))...)
		case class == 10 && id == 50: // close
			_, err := conn.Write(method(0, 10, 51, nil))
			return err
		default:
			continue
		}
		if _, err := conn.Write(reply); err != nil {
			return err
		}
	}
}

func frame(typ byte, channel uint16, payload []byte) []byte {
	f := binary.BigEndian.AppendUint16([]byte{typ}, channel)
	f = binary.BigEndian.AppendUint32(f, uint32(len(payload)))
	return append(append(f, payload...), 0xCE) // frame-end
}

func readFrame(r io.Reader) (typ byte, channel uint16, payload []byte, err error) {
	var h [7]byte
	if _, err = io.ReadFull(r, h[:]); err != nil {
		return
	}
	payload = make([]byte, binary.BigEndian.Uint32(h[3:])+1)
	if _, err = io.ReadFull(r, payload); err != nil {
		return
	}
	return h[0], binary.BigEndian.Uint16(h[1:3]), payload[:len(payload)-1], nil
}

// Whatever headers another client's message carries, amqp091-go reading
// through guardConn gets the message on an open connection, and its
// delivery event encodes as JSON.
func FuzzDeliveryHeaders(f *testing.F) {
	f.Add(testkit.EncodeTable(amqp.Table{"a": "b", "n": int32(7)}))
	f.Add(testkit.EncodeTable(testkit.Nested(40)))
	f.Add(testkit.EncodeTable(amqp.Table{"a": testkit.NestedArray(40)}))
	f.Add(testkit.EncodeTable(amqp.Table{"t": testkit.RawField{'T', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}))
	f.Add(testkit.EncodeTable(amqp.Table{"d": testkit.RawField{'d', 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}})) // NaN
	f.Add(testkit.EncodeTable(amqp.Table{"x": testkit.RawField{'x', 0xff, 0xff, 0xff, 0xff}}))
	f.Add([]byte{1, 'a', 'Z'})
	f.Fuzz(func(t *testing.T, headers []byte) {
		client, server := net.Pipe()
		served := make(chan error, 1)
		go func() { served <- fakeBroker(server, headers) }()
		conn, err := amqp.Open(frameguard.NewConn(client), amqp.Config{SASL: []amqp.Authentication{&amqp.PlainAuth{Username: "u", Password: "p"}}, Heartbeat: time.Minute})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		ch, err := conn.Channel()
		if err != nil {
			t.Fatalf("channel: %v", err)
		}
		deliveries, err := ch.Consume("q", "c1", true, false, false, false, nil)
		if err != nil {
			t.Fatalf("consume: %v", err)
		}
		var d amqp.Delivery
		select {
		case d = <-deliveries:
		case <-time.After(5 * time.Second):
			t.Fatal("no delivery: the connection broke")
		}
		if string(d.Body) != "hello" || conn.IsClosed() {
			t.Fatalf("body %q, closed %v", d.Body, conn.IsClosed())
		}
		hs, _, why := previewHeaders(d.Headers, 4096)
		if why == "" && frameguard.Check(headers) != "" {
			t.Fatal("headers the library cannot read were not replaced")
		}
		if _, err := json.Marshal(board.DeliveryEvent{Content: board.Content{Headers: hs, Undecodable: why, Properties: deliveryProperties(d)}}); err != nil {
			t.Fatalf("the event does not encode: %v", err)
		}
		_ = conn.Close()
		if err := <-served; err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) && !bytes.Contains([]byte(err.Error()), []byte("closed")) {
			t.Fatalf("fake broker: %v", err)
		}
	})
}
