package mq

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"rabbitboard/board"
	"rabbitboard/internal/frameguard"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Publication is a publish request: Count copies of Message, with {{seq}}
// in the body replaced by 1..Count.
type Publication struct {
	board.Message
	Count int
	// Verbatim sends the body as it is, {{seq}} and all (a message
	// published again).
	Verbatim bool
	// requests: the messages are requests (reply_to set, no correlation
	// id given), each given a correlation id of its own: this prefix and
	// its number.
	requests string
	// stamped: no message_id was given, so each message gets one of its
	// own, this prefix and its number, by which its journey is followed.
	stamped string
}

// stamp is called before a publish: each message without a message_id
// gets one, and a request that names a reply queue and no correlation id
// gets one too, so its reply can be paired with it.
func (p *Publication) stamp() {
	id := "rb-" + strings.ToLower(rand.Text()[:8])
	if p.Properties.MessageID == "" {
		p.stamped = id + "-"
	}
	if p.Properties.ReplyTo != "" && p.Properties.CorrelationID == "" {
		p.requests = id
	}
}

// messageID is the message_id of message seq.
func (p Publication) messageID(seq int) string {
	if p.stamped == "" {
		return p.Properties.MessageID
	}
	return p.stamped + strconv.Itoa(seq)
}

// SeqPlaceholder in a body is replaced by the message's number in its batch.
const SeqPlaceholder = "{{seq}}"

func (p Publication) body(seq int) []byte {
	if p.Verbatim || !strings.Contains(string(p.Body), SeqPlaceholder) {
		return p.Body
	}
	return []byte(strings.ReplaceAll(string(p.Body), SeqPlaceholder, fmt.Sprint(seq)))
}

func (p Publication) publishing(seq int, headers amqp.Table) amqp.Publishing {
	mode := amqp.Transient
	if p.Persistent {
		mode = amqp.Persistent
	}
	pr := p.Properties
	var at time.Time
	if p.Timestamp {
		at = time.Now()
	}
	return amqp.Publishing{
		Timestamp:     at,
		Headers:       headers,
		ContentType:   pr.ContentType,
		DeliveryMode:  mode,
		Priority:      pr.Priority,
		CorrelationId: cmp.Or(p.correlationID(seq), pr.CorrelationID),
		ReplyTo:       pr.ReplyTo,
		Expiration:    pr.Expiration,
		MessageId:     p.messageID(seq),
		Type:          pr.Type,
		AppId:         pr.AppID,
		Body:          p.body(seq),
	}
}

func (p Publication) correlationID(seq int) string {
	if p.requests == "" {
		return ""
	}
	return p.requests + "-" + strconv.Itoa(seq)
}

// EncodeBody returns the body as text when it is valid UTF-8, else base64.
func EncodeBody(b []byte) (body, encoding string) {
	if utf8.Valid(b) {
		return string(b), "text"
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

// Preview is the body as a delivery event shows it: at most max bytes of
// it, as text when that is valid UTF-8 (a cut through a character drops
// the character), else base64.
func Preview(b []byte, max int) (body, encoding string, truncated bool) {
	shown := b
	if len(shown) > max {
		shown, truncated = shown[:max], true
	}
	body, encoding = EncodeBody(shown)
	if encoding == "base64" && truncated && utf8.Valid(b) {
		body, encoding = strings.ToValidUTF8(string(shown), ""), "text"
	}
	return body, encoding, truncated
}

func deliveryProperties(d amqp.Delivery) board.Properties {
	p := board.Properties{
		PublishProperties: board.PublishProperties{
			ContentType:   d.ContentType,
			MessageID:     d.MessageId,
			CorrelationID: d.CorrelationId,
			ReplyTo:       d.ReplyTo,
			Expiration:    d.Expiration,
			Priority:      d.Priority,
			Type:          d.Type,
			AppID:         d.AppId,
		},
		ContentEncoding: d.ContentEncoding,
		DeliveryMode:    d.DeliveryMode,
		UserID:          d.UserId,
	}
	if !d.Timestamp.IsZero() {
		p.Timestamp = d.Timestamp.UTC().Format(time.RFC3339)
	}
	return p
}

// toTable converts JSON-decoded values to AMQP field values. Whole numbers
// become integers: the broker refuses a float where it expects a count or a
// TTL, and users type 60000, not 60000.0. It checks what amqp091-go would
// otherwise turn into a broken connection: names longer than 255 bytes or
// not UTF-8, and tables nested deeper or larger than any client reads.
func toTable(m map[string]any) (amqp.Table, error) {
	return toTableDepth(m, 0)
}

func toTableDepth(m map[string]any, depth int) (amqp.Table, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if depth > frameguard.MaxTableDepth {
		return nil, invalid("err.table_deep", "max", frameguard.MaxTableDepth)
	}
	if len(m) > frameguard.MaxTableEntries {
		return nil, invalid("err.table_large", "count", len(m), "max", frameguard.MaxTableEntries)
	}
	t := make(amqp.Table, len(m))
	for k, v := range m {
		if err := checkShortstr(words.Say("word.name"), k); err != nil {
			return nil, err
		}
		fv, err := toFieldValue(v, depth)
		if err != nil {
			return nil, invalid("err.table_at", "name", fmt.Sprintf("%q", k), "why", said(err))
		}
		t[k] = fv
	}
	if err := t.Validate(); err != nil {
		return nil, invalid("err.table", "reason", err.Error())
	}
	return t, nil
}

func toFieldValue(v any, depth int) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, float32:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), nil
		}
		return x, nil
	case map[string]any:
		t, err := toTableDepth(x, depth+1)
		if t == nil && err == nil {
			t = amqp.Table{}
		}
		return t, err
	case []any:
		if depth+1 > frameguard.MaxTableDepth {
			return nil, invalid("err.table_deep", "max", frameguard.MaxTableDepth)
		}
		if len(x) > frameguard.MaxTableEntries {
			return nil, invalid("err.list_large", "count", len(x), "max", frameguard.MaxTableEntries)
		}
		out := make([]any, len(x))
		for i, e := range x {
			fe, err := toFieldValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = fe
		}
		return out, nil
	}
	return nil, invalid("err.table_type", "type", fmt.Sprintf("%T", v))
}

// checkShortstr checks a value AMQP carries as a short string (names,
// routing keys, most properties): at most 255 bytes of UTF-8. The library
// or the broker would otherwise close the whole connection.
func checkShortstr(what any, s string) error {
	if len(s) > 255 {
		return invalid("err.shortstr_long", "what", what, "value", fmt.Sprintf("%q", cut(s, 24)), "size", len(s))
	}
	if !utf8.ValidString(s) {
		return invalid("err.shortstr_utf8", "what", what, "value", fmt.Sprintf("%q", cut(strings.ToValidUTF8(s, "\ufffd"), 24)))
	}
	return nil
}

// cut shortens s for an error message, at a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// fromTable converts AMQP field values to values that marshal to JSON.
func fromTable(t amqp.Table) map[string]any {
	if len(t) == 0 {
		return map[string]any{}
	}
	m := make(map[string]any, len(t))
	for k, v := range t {
		m[k] = fromFieldValue(v)
	}
	return m
}

func fromFieldValue(v any) any {
	switch x := v.(type) {
	case amqp.Table:
		return fromTable(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromFieldValue(e)
		}
		return out
	case []byte:
		s, _ := EncodeBody(x)
		return s
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case amqp.Decimal:
		return fmt.Sprintf("%de-%d", x.Value, x.Scale)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Sprint(x)
		}
	}
	return v
}

// previewHeaders converts a delivery's headers for viewers: at most about
// max bytes of them (whole headers, in name order), as bodies are cut. It
// also says why the headers could not be read, when guardConn replaced
// them.
func previewHeaders(t amqp.Table, max int) (headers map[string]any, truncated bool, undecodable string) {
	if len(t) == 0 {
		return nil, false, "" // most messages: nothing to make on the delivery path
	}
	if why, ok := t[frameguard.UndecodableHeader].(string); ok && len(t) == 1 {
		return nil, false, why
	}
	headers = make(map[string]any, len(t))
	size := 0
	for _, k := range slices.Sorted(maps.Keys(t)) {
		v := fromFieldValue(t[k])
		size += len(k) + 4 + approxJSONSize(v)
		if size > max {
			return headers, true, ""
		}
		headers[k] = v
	}
	return headers, false, ""
}

// approxJSONSize is about how many bytes v takes as JSON.
func approxJSONSize(v any) int {
	switch x := v.(type) {
	case string:
		return len(x) + 2
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + approxJSONSize(e)
		}
		return n
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + approxJSONSize(e)
		}
		return n
	}
	return 8
}

// undecodable says a frame guard's reason (UndecodableHeader's value:
// "depth=32", "value_type=Z"...) as a sentence of the catalogue.
func undecodable(reason string) words.Sentence {
	name, arg, _ := strings.Cut(reason, "=")
	var why words.Sentence
	switch name {
	case "depth", "table_entries", "array_values":
		why = words.Say("undecodable."+name, "max", arg)
	case "value_type":
		why = words.Say("undecodable.value_type", "type", arg)
	case "name_short", "value_missing", "value_short":
		why = words.Say("undecodable." + name)
	default:
		why = words.Say("undecodable.other", "reason", reason)
	}
	return words.Say("err.undecodable", "why", why)
}
