package observe

import (
	"context"
	"strings"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"
)

// trace is what a firehose copy says about the message it copies.
type trace struct {
	Deliver      bool   // a delivery (or basic.get); else a publish
	Queue        string // deliver.<queue>
	Exchange     string
	RoutingKey   string
	RoutedQueues []string
	Connection   string
	Channel      int
	Redelivered  bool
	Properties   amqp.Table
}

// readTrace reads a firehose copy's routing key and headers.
func readTrace(d amqp.Delivery) (trace, bool) {
	t := trace{}
	switch {
	case strings.HasPrefix(d.RoutingKey, "deliver."):
		t.Deliver, t.Queue = true, strings.TrimPrefix(d.RoutingKey, "deliver.")
	case strings.HasPrefix(d.RoutingKey, "publish."):
	default:
		return t, false
	}
	h := d.Headers
	t.Exchange, _ = h["exchange_name"].(string)
	if keys, ok := h["routing_keys"].([]any); ok && len(keys) > 0 {
		t.RoutingKey, _ = keys[0].(string)
	}
	if qs, ok := h["routed_queues"].([]any); ok {
		for _, q := range qs {
			if s, ok := q.(string); ok {
				t.RoutedQueues = append(t.RoutedQueues, s)
			}
		}
	}
	t.Connection, _ = h["connection"].(string)
	t.Channel = int(intField(h["channel"]))
	t.Redelivered = intField(h["redelivered"]) != 0
	t.Properties, _ = h["properties"].(amqp.Table)
	return t, t.Connection != ""
}

func intField(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// traceProperties turns a trace's properties table into a delivery's.
func traceProperties(p amqp.Table) (board.Properties, amqp.Table) {
	str := func(k string) string { s, _ := p[k].(string); return s }
	props := board.Properties{
		PublishProperties: board.PublishProperties{
			ContentType: str("content_type"), MessageID: str("message_id"), CorrelationID: str("correlation_id"),
			ReplyTo: str("reply_to"), Expiration: str("expiration"), Priority: uint8(intField(p["priority"])),
			Type: str("type"), AppID: str("app_id"),
		},
		ContentEncoding: str("content_encoding"), DeliveryMode: uint8(intField(p["delivery_mode"])), UserID: str("user_id"),
	}
	if ts := intField(p["timestamp"]); ts != 0 {
		props.Timestamp = time.Unix(ts, 0).UTC().Format(time.RFC3339)
	}
	headers, _ := p["headers"].(amqp.Table)
	return props, headers
}

// take shows one firehose copy: a delivery in its consumer's column, a
// publish as an observed publish. rabbitboard's own are shown already. A
// copy from a connection the broker cannot name yet waits (see hold).
func (o *Observer) take(ctx context.Context, d amqp.Delivery) {
	t, ok := readTrace(d)
	if !ok {
		o.mu.Lock()
		o.skipped++
		o.mu.Unlock()
		return
	}
	if rabbitboardsOwn(t) || o.host.OwnConnection(t.Connection) {
		return // rabbitboard's own, or its replicas': known without the lists
	}
	if !o.hold(ctx, t, d) {
		o.show(ctx, t, d)
	}
}

// heldTrace is a firehose copy waiting for its connection to be known.
type heldTrace struct {
	t  trace
	d  amqp.Delivery
	at time.Time
}

// holdFor is how long a copy waits for the broker to name its connection
// (the management API learns of a new connection within its statistics
// interval); maxHeld bounds the copies waiting (more are skipped, and
// counted).
const (
	holdFor = 6 * time.Second
	maxHeld = 5000
)

// hold keeps a delivery from a connection the broker's lists do not know yet:
// who it is decides whether it is shown at all (another rabbitboard, a
// replica of this one, never is) and what it is called. Copies of one
// connection keep their order. It runs on the firehose reader's goroutine,
// as releaseHeld does.
func (o *Observer) hold(ctx context.Context, t trace, d amqp.Delivery) bool {
	if !t.Deliver {
		// A publish is shown at once: a publisher often lives too briefly
		// to be listed at all, and its message's deliveries come after it.
		return false
	}
	o.mu.Lock()
	_, named := o.names[t.Connection]
	own := o.own[t.Connection]
	o.mu.Unlock()
	if o.holding[t.Connection] == 0 && (named || own) {
		return false
	}
	if o.holding[t.Connection] == 0 {
		if _, known := o.nameOf(ctx, t.Connection); known {
			return false
		}
	}
	if len(o.held) >= maxHeld {
		o.mu.Lock()
		o.skipped++
		o.mu.Unlock()
		return true
	}
	if o.holding == nil {
		o.holding = map[string]int{}
	}
	o.held = append(o.held, heldTrace{t: t, d: d, at: time.Now()})
	o.holding[t.Connection]++
	return true
}

// releaseHeld shows, in order, the held copies whose connection the broker
// names now, or that waited holdFor (then named by their address).
func (o *Observer) releaseHeld(ctx context.Context) {
	known, blocked := map[string]bool{}, map[string]bool{}
	var keep []heldTrace
	for _, h := range o.held {
		c := h.t.Connection
		if _, asked := known[c]; !asked && !blocked[c] {
			_, known[c] = o.nameOf(ctx, c)
		}
		if !blocked[c] && (known[c] || time.Since(h.at) > holdFor) {
			o.holding[c]--
			o.show(ctx, h.t, h.d)
			continue
		}
		blocked[c] = true
		keep = append(keep, h)
	}
	o.held = keep
}

// show shows a copy whose connection is known (or waited long enough).
func (o *Observer) show(ctx context.Context, t trace, d amqp.Delivery) {
	o.mu.Lock()
	own, known := o.own[t.Connection], o.outside[consumerKey{t.Connection, t.Channel, t.Queue}] != nil
	o.mu.Unlock()
	if own && o.isRabbitboard(ctx, t.Connection) {
		return
	}
	o.mu.Lock()
	shown := o.shownLocked(t.Queue, t.Exchange, t.Connection, o.names[t.Connection])
	o.mu.Unlock()
	if !shown {
		return
	}
	props, headers := traceProperties(t.Properties)
	content := o.host.Content(d.Body, props, headers)
	if !t.Deliver {
		name, _ := o.nameOf(ctx, t.Connection)
		routed := t.RoutedQueues
		if routed == nil {
			routed = []string{}
		}
		o.cfg.Events(board.ObservedPublishEvent{Type: board.TypeObservedPublish, Exchange: t.Exchange, RoutingKey: t.RoutingKey, RoutedQueues: routed,
			Content: content, Connection: t.Connection, Name: name, At: time.Now().UTC()})
		return
	}
	key := consumerKey{t.Connection, t.Channel, t.Queue}
	o.mu.Lock()
	fresh := time.Since(o.lastPoll) < 500*time.Millisecond
	o.mu.Unlock()
	if !known && !fresh {
		o.poll(ctx) // a consumer the lists did not show yet (at most twice a second)
	}
	o.mu.Lock()
	r, listed := o.outside[key]
	if !listed {
		r = o.addLocked(key) // not a listed consumer (yet): a basic.get, or one too new
	}
	if r == nil { // beyond the columns' cap: counted, not shown
		o.skipped++
		o.mu.Unlock()
		return
	}
	now := time.Now()
	var settled []board.SettledEvent
	if t.Redelivered { // taken back from whoever held it
		settled = o.takenBackLocked(t.Queue, bodyHash(d.Body))
	}
	r.seq++
	settled = append(settled, r.delivered(r.seq, d.Body, now)...)
	ev := board.DeliveryEvent{Type: board.TypeDelivery, Receiver: r.id, Queue: t.Queue, Seq: r.seq, Redelivered: t.Redelivered,
		Exchange: t.Exchange, RoutingKey: t.RoutingKey, Content: content, Get: r.provisional(), At: now.UTC(), Counters: board.EventCounters(r.countsNow())}
	var added board.ReceiverInfo
	if !listed {
		added = r.info()
	}
	o.mu.Unlock()
	if !listed {
		o.cfg.Events(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: added})
	}
	for _, e := range settled {
		o.cfg.Events(e)
	}
	o.cfg.Events(ev)
}
