package board

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the delivery event as json.Marshal encodes it, byte
// for byte, without reflection: it is the event sent thousands of times a
// second, and encoding/json's reflection was a tenth of the dashboard's
// CPU per delivery. FuzzDeliveryJSON holds the two to the same bytes.
func (e DeliveryEvent) AppendJSON(b []byte) ([]byte, error) {
	if y := e.At.Year(); y < 0 || y > 9999 { // json.Marshal refuses these; let it say so
		return json.Marshal(e)
	}
	b = e.appendHead(b)
	b = append(b, `,"exchange":`...)
	b = appendString(b, e.Exchange)
	b = append(b, `,"routing_key":`...)
	b = appendString(b, e.RoutingKey)
	b, err := e.Content.appendJSON(b)
	if err != nil {
		return nil, err
	}
	b = e.appendTaking(b)
	b = append(b, `,"at":"`...)
	b = e.At.AppendFormat(b, "2006-01-02T15:04:05.999999999Z07:00")
	b = append(b, `","counters":{"received":`...)
	b = strconv.AppendInt(b, e.Counters.Received, 10)
	for _, c := range []struct {
		name string
		n    int64
	}{{`,"acked":`, e.Counters.Acked}, {`,"unacked":`, e.Counters.Unacked}, {`,"undecodable":`, e.Counters.Undecodable}} {
		if c.n != 0 {
			b = append(b, c.name...)
			b = strconv.AppendInt(b, c.n, 10)
		}
	}
	return append(b, "}}"...), nil
}

// appendHead opens the event with the fields both forms start with.
func (e DeliveryEvent) appendHead(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(e.Type))
	b = append(b, `,"receiver":`...)
	b = appendString(b, e.Receiver)
	b = append(b, `,"queue":`...)
	b = appendString(b, e.Queue)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	if e.DeliveryTag != 0 {
		b = append(b, `,"delivery_tag":`...)
		b = strconv.AppendUint(b, e.DeliveryTag, 10)
	}
	if e.Redelivered {
		b = append(b, `,"redelivered":true`...)
	}
	return b
}

// appendTaking appends how the message was taken, when it says more than
// a consumer's delivery: by basic.get, or at a stream offset.
func (e DeliveryEvent) appendTaking(b []byte) []byte {
	if e.Get {
		b = append(b, `,"get":true`...)
	}
	if e.Offset != nil {
		b = append(b, `,"offset":`...)
		b = strconv.AppendInt(b, *e.Offset, 10)
	}
	return b
}

// AppendBriefJSON appends the event's brief form, for viewers that asked
// for brief deliveries (GET /ws?deliveries=brief): what a program that
// follows messages needs (who got which message, in what order, and how
// to ack it), without the exchange, routing key, properties, headers,
// time and counters.
func (e DeliveryEvent) AppendBriefJSON(b []byte) []byte {
	b = e.appendHead(b)
	b = append(b, `,"body":`...)
	b = appendString(b, e.Body)
	if e.Encoding != "" {
		b = append(b, `,"encoding":`...)
		b = appendString(b, e.Encoding)
	}
	if e.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = e.appendTaking(b)
	return append(b, '}')
}

// appendJSON appends the content's fields, each after a comma.
func (c Content) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `,"body":`...)
	b = appendString(b, c.Body)
	if c.Encoding != "" {
		b = append(b, `,"encoding":`...)
		b = appendString(b, c.Encoding)
	}
	b = append(b, `,"body_size":`...)
	b = strconv.AppendInt(b, int64(c.BodySize), 10)
	if c.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if c.Properties != (Properties{}) {
		b = append(b, `,"properties":`...)
		b = c.Properties.appendJSON(b)
	}
	var err error
	if len(c.Headers) > 0 {
		b = append(b, `,"headers":`...)
		if b, err = appendMarshalled(b, c.Headers); err != nil {
			return nil, err
		}
	}
	if c.HeadersTruncated {
		b = append(b, `,"headers_truncated":true`...)
	}
	if c.Undecodable != "" {
		b = append(b, `,"undecodable":`...)
		b = appendString(b, c.Undecodable)
	}
	if len(c.UndecodableSaid) > 0 {
		b = append(b, `,"undecodable_said":`...)
		if b, err = appendMarshalled(b, c.UndecodableSaid); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func appendMarshalled(b []byte, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(b, data...), err
}

// appendJSON appends the properties that are set, as an object.
func (p Properties) appendJSON(b []byte) []byte {
	b = append(b, '{')
	first := true
	field := func(name, value string) {
		if value == "" {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, name...)
		b = appendString(b, value)
	}
	number := func(name string, n uint8) {
		if n == 0 {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, name...)
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	field(`"content_type":`, p.ContentType)
	field(`"message_id":`, p.MessageID)
	field(`"correlation_id":`, p.CorrelationID)
	field(`"reply_to":`, p.ReplyTo)
	field(`"expiration":`, p.Expiration)
	number(`"priority":`, p.Priority)
	field(`"type":`, p.Type)
	field(`"app_id":`, p.AppID)
	field(`"content_encoding":`, p.ContentEncoding)
	number(`"delivery_mode":`, p.DeliveryMode)
	field(`"user_id":`, p.UserID)
	field(`"timestamp":`, p.Timestamp)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json does:
// HTML's <, > and & escaped, invalid UTF-8 as U+FFFD, and U+2028 and
// U+2029 escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
