package mq

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Watching other programs: RabbitMQ's firehose copies every publish and
// every delivery of a vhost to the exchange amq.rabbitmq.trace. rabbitboard
// reads those copies through a queue of its own (bounded: when it cannot
// keep up the oldest copies go, and it counts them), and attributes each
// delivery to a consumer of the broker's consumer list. It takes nothing
// from anyone: the watched queues keep their messages and consumers.

const (
	// TraceExchange is the firehose's exchange.
	TraceExchange = "amq.rabbitmq.trace"
	// traceQueuePrefix names the queue each rabbitboard reads the firehose
	// through; the queue and topology lists leave such queues out.
	traceQueuePrefix = "rabbitboard.observe."
	// Product is how rabbitboard introduces itself to the broker, so that
	// one rabbitboard never shows another as an outside program.
	Product = "rabbitboard"
)

// Tracing states of a vhost's firehose.
const (
	TracingOn      = "on"
	TracingOff     = "off"
	TracingUnknown = "unknown"
)

// ObserveEvent says whether rabbitboard watches other programs, whether
// the vhost's firehose is on, and how many traced messages it could not
// show (its queue dropped them while it fell behind).
type ObserveEvent struct {
	Type    EventType `json:"type"`
	Enabled bool      `json:"enabled"`
	Tracing string    `json:"tracing"`
	Error   string    `json:"error,omitempty"`
	Skipped int64     `json:"skipped"`
	// NotShown counts the consumers of other programs beyond the columns'
	// cap (Config.MaxOutside), as the broker last listed them.
	NotShown int `json:"not_shown,omitempty"`
	// Filter, when set, limits what is shown to the queues, exchanges and
	// connections whose names contain it.
	Filter string `json:"filter,omitempty"`
}

// ObservedPublishEvent is a message another program published.
type ObservedPublishEvent struct {
	Type         EventType `json:"type"`
	Exchange     string    `json:"exchange"`
	RoutingKey   string    `json:"routing_key"`
	RoutedQueues []string  `json:"routed_queues"`
	Content
	Connection string    `json:"connection"`
	Name       string    `json:"name"`
	At         time.Time `json:"at"`
}

func (ObserveEvent) event()         {}
func (ObservedPublishEvent) event() {}

// Kinds of receiver.
const (
	KindOwn     = "own"
	KindOutside = "outside"
)

// consumerKey is what a traced delivery says of its consumer. Several
// consumers of one queue on one channel cannot be told apart: they are
// one outside receiver.
type consumerKey struct {
	Connection string
	Channel    int
	Queue      string
}

// outsideConsumer is a consumer of another program, as the management API
// lists it.
type outsideConsumer struct {
	Key         consumerKey
	Tags        []string
	Prefetch    int
	AckRequired bool
	Name        string // the connection's name for people
	Client      string // product and version
	Unacked     int64  // the channel's, from its statistics
}

// The management API's lists, as far as watching needs them.
type (
	mgmtConsumer struct {
		Tag         string                `json:"consumer_tag"`
		Channel     json.RawMessage       `json:"channel_details"` // [] for a consumer's first moments
		Queue       struct{ Name string } `json:"queue"`
		AckRequired bool                  `json:"ack_required"`
		Prefetch    int                   `json:"prefetch_count"`
	}
	mgmtChannelDetails struct {
		ConnectionName string `json:"connection_name"`
		Number         int    `json:"number"`
		PeerHost       string `json:"peer_host"`
		PeerPort       int    `json:"peer_port"`
	}
	mgmtConnection struct {
		Name             string         `json:"name"`
		ClientProperties map[string]any `json:"client_properties"`
		PeerHost         string         `json:"peer_host"`
		PeerPort         int            `json:"peer_port"`
	}
	mgmtChannel struct {
		Number            int   `json:"number"`
		Unacked           int64 `json:"messages_unacknowledged"`
		ConnectionDetails struct {
			Name string `json:"name"`
		} `json:"connection_details"`
	}
)

// outsideConsumers groups the broker's consumers by what a trace can tell
// apart, names them for people, and leaves out every rabbitboard's own.
// own lists the connections of rabbitboard processes.
func outsideConsumers(consumers []mgmtConsumer, conns []mgmtConnection, channels []mgmtChannel) (outside map[consumerKey]outsideConsumer, own map[string]bool) {
	byName := map[string]mgmtConnection{}
	own = map[string]bool{}
	for _, c := range conns {
		byName[c.Name] = c
		if c.ClientProperties["product"] == Product {
			own[c.Name] = true
		}
	}
	unacked := map[consumerKey]int64{}
	for _, ch := range channels {
		unacked[consumerKey{Connection: ch.ConnectionDetails.Name, Channel: ch.Number}] = ch.Unacked
	}
	outside = map[consumerKey]outsideConsumer{}
	for _, c := range consumers {
		var ch mgmtChannelDetails
		if json.Unmarshal(c.Channel, &ch) != nil || ch.ConnectionName == "" || own[ch.ConnectionName] {
			continue
		}
		key := consumerKey{Connection: ch.ConnectionName, Channel: ch.Number, Queue: c.Queue.Name}
		oc, ok := outside[key]
		if !ok {
			conn := byName[ch.ConnectionName]
			oc = outsideConsumer{Key: key, Prefetch: c.Prefetch, AckRequired: c.AckRequired,
				Name: connectionLabel(conn, ch), Client: clientLabel(conn),
				Unacked: unacked[consumerKey{Connection: ch.ConnectionName, Channel: ch.Number}]}
		}
		oc.Tags = append(oc.Tags, c.Tag)
		slices.Sort(oc.Tags)
		outside[key] = oc
	}
	return outside, own
}

// connectionLabel is the name a client gave its connection, else its
// product's first word in lower case and its address.
func connectionLabel(c mgmtConnection, ch mgmtChannelDetails) string {
	if name, ok := c.ClientProperties["connection_name"].(string); ok && name != "" {
		return name
	}
	product, _ := c.ClientProperties["product"].(string)
	word, _, _ := strings.Cut(strings.TrimSpace(product), " ")
	if word == "" {
		word = "client"
	}
	host, port := c.PeerHost, c.PeerPort
	if host == "" {
		host, port = ch.PeerHost, ch.PeerPort
	}
	return strings.ToLower(word) + " " + host + ":" + strconv.Itoa(port)
}

func clientLabel(c mgmtConnection) string {
	product, _ := c.ClientProperties["product"].(string)
	version, _ := c.ClientProperties["version"].(string)
	return strings.TrimSpace(product + " " + version)
}

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
func traceProperties(p amqp.Table) (Properties, amqp.Table) {
	str := func(k string) string { s, _ := p[k].(string); return s }
	props := Properties{
		PublishProperties: PublishProperties{
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

// observer watches other programs while it is enabled.
type observer struct {
	b *Broker

	mu      sync.Mutex // guards the fields below
	enabled bool
	marked  bool // watching under the marker (see tracing.go)
	shown   bool // enabled, as viewers are told: once the firehose is read
	tracing string
	errText string
	skipped int64
	// notShown counts the listed consumers beyond the cap; lastPoll is
	// when the lists were last read.
	notShown int
	lastPoll time.Time
	filter   string
	// held: copies waiting for their connection to be known, and how
	// many per connection; the firehose reader's alone.
	held    []heldTrace
	holding map[string]int
	stop    context.CancelFunc
	done    chan struct{}
	outside map[consumerKey]*outsideReceiver
	order   []consumerKey
	own     map[string]bool   // connections of rabbitboard processes
	names   map[string]string // connection -> its name for people
	// confirmed holds what was asked of the broker since the last lists:
	// whether a connection the lists call rabbitboard's still is.
	confirmed map[string]bool
	nextID    int
}

// Observe starts or stops watching other programs.
func (b *Broker) Observe(ctx context.Context, enabled bool) (ObserveEvent, error) {
	o := &b.obs
	if !enabled {
		o.halt(ctx, true)
		return o.status(), nil
	}
	o.mu.Lock()
	running := o.enabled
	o.mu.Unlock()
	if running {
		return o.status(), nil
	}
	if err := o.switchTracing(ctx); err != nil {
		o.report()
		return o.status(), err
	}
	o.mu.Lock()
	o.enabled, o.errText = true, ""
	runCtx, stop := context.WithCancel(b.ctx)
	o.stop, o.done = stop, make(chan struct{})
	if o.outside == nil {
		o.outside, o.own = map[consumerKey]*outsideReceiver{}, map[string]bool{}
	}
	o.mu.Unlock()
	// The lists come first, so rabbitboard's own connections are known
	// before the first copy arrives.
	o.poll(ctx)
	reading := make(chan struct{})
	go o.run(runCtx, reading)
	// Watching counts once the firehose is read (and the marker consumed,
	// so that another rabbitboard stopping now leaves tracing on).
	select {
	case <-reading:
	case <-time.After(o.b.cfg.OpTimeout):
	}
	o.mu.Lock()
	o.shown = o.enabled
	o.mu.Unlock()
	o.report()
	return o.status(), nil
}

// ObserveStatus says whether rabbitboard watches other programs.
func (b *Broker) ObserveStatus() ObserveEvent { return b.obs.status() }

func (o *observer) status() ObserveEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tracing
	if t == "" {
		t = TracingUnknown
	}
	return ObserveEvent{Type: TypeObserve, Enabled: o.shown, Tracing: t, Error: o.errText, Skipped: o.skipped, NotShown: o.notShown, Filter: o.filter}
}

func (o *observer) report() { o.b.cfg.Events(o.status()) }

// vhost is the management API's view of the vhost: what a PUT must send
// back (a PUT of tracing alone wipes the description and tags).
type vhost struct {
	Description string `json:"description"`
	Tags        any    `json:"tags"`
	Tracing     bool   `json:"tracing"`
}

func (o *observer) vhostPath() string { return "/api/vhosts/" + url.PathEscape(o.b.mgmt.vhost) }

// setVhostTracing switches the vhost's firehose on or off through the
// management API. It reads the vhost first and sends its description and
// tags back. read says whether the vhost could be read; changed whether
// tracing had to be switched.
func (o *observer) setVhostTracing(ctx context.Context, on bool) (read, changed bool, err error) {
	m := o.b.mgmt
	var v vhost
	if err := m.do(ctx, http.MethodGet, o.vhostPath(), nil, &v); err != nil {
		return false, false, err
	}
	if v.Tracing == on {
		return true, false, nil
	}
	v.Tracing = on
	return true, true, m.do(ctx, http.MethodPut, o.vhostPath(), v, nil)
}

// switchTracing makes sure the vhost's firehose is on, switching it on
// when it is off.
func (o *observer) switchTracing(ctx context.Context) error {
	vh := o.b.mgmt.vhost
	refused := fmt.Sprintf("Watching other programs needs RabbitMQ's firehose on vhost '%s', and rabbitboard's user may not switch it on. An operator can: rabbitmqctl trace_on -p %s", vh, vh)
	var v vhost
	err := o.b.mgmt.do(ctx, http.MethodGet, o.vhostPath(), nil, &v)
	if err != nil && !isRefusal(err) {
		msg := managementMissing(o.b.mgmt.endpoint(), err)
		o.setTracing(TracingUnknown, msg)
		return &Error{CodeManagementUnavailable, msg}
	}
	marked := false
	if err == nil {
		// Watch under the marker when tracing is off (and this one
		// switches it on) or a rabbitboard switched it on; not when an
		// operator did.
		exists, _ := o.marker()
		if marked = exists || !v.Tracing; marked && !exists {
			if err := o.markTracing(); err != nil {
				return err
			}
		}
	}
	read, _, err := o.setVhostTracing(ctx, true)
	switch {
	case err == nil:
		o.mu.Lock()
		o.marked = marked
		o.mu.Unlock()
		o.setTracing(TracingOn, "")
		return nil
	case isRefusal(err) && !read:
		o.setTracing(TracingUnknown, refused)
		return &Error{CodeAccessRefused, refused}
	case isRefusal(err):
		o.setTracing(TracingOff, refused)
		return &Error{CodeAccessRefused, refused}
	case !read:
		msg := managementMissing(o.b.mgmt.endpoint(), err)
		o.setTracing(TracingUnknown, msg)
		return &Error{CodeManagementUnavailable, msg}
	}
	o.setTracing(TracingOff, refused)
	return &Error{CodeUnavailable, refused + " (" + err.Error() + ")"}
}

// isRefusal says whether the management API refused rabbitboard's user.
func isRefusal(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.status == http.StatusUnauthorized || se.status == http.StatusForbidden)
}

func (o *observer) setTracing(state, errText string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tracing, o.errText = state, errText
}

// halt stops watching: the outside receivers leave the view and, when
// rabbitboard switched tracing on and no other rabbitboard still watches
// the vhost, tracing is switched off again.
func (o *observer) halt(ctx context.Context, report bool) {
	o.mu.Lock()
	stop, done, marked := o.stop, o.done, o.marked
	o.enabled, o.shown, o.stop, o.marked = false, false, nil, false
	var gone []string
	for _, key := range o.order {
		gone = append(gone, o.outside[key].id)
	}
	o.outside, o.order = nil, nil
	o.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	o.held, o.holding = nil, nil // the reader has ended: nobody else touches them
	for _, id := range gone {
		o.b.cfg.Events(ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: id})
	}
	if marked {
		o.clearMarker(ctx)
	}
	if report {
		o.report()
	}
}

// run reads the firehose while watching is on, through every reconnect.
func (o *observer) run(ctx context.Context, reading chan struct{}) {
	defer close(o.done)
	var once sync.Once
	ready := func() { once.Do(func() { close(reading) }) }
	// One queue name for the whole run: a channel that breaks is replaced
	// by one that reads the same queue, where what it held went back.
	name := traceQueuePrefix + rand.Text()[:12]
	for ctx.Err() == nil {
		conn, err := o.b.connection()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-o.b.readyChan():
			}
			continue
		}
		o.poll(ctx) // this connection's name, after a reconnect
		if err := o.read(ctx, conn, name, ready); err != nil {
			o.b.log.Warn("reading the firehose failed; trying again", "error", err)
			o.mu.Lock()
			o.errText = err.Error()
			o.mu.Unlock()
			o.report()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// read declares the bounded queue of firehose copies and reads it until
// watching stops or the channel goes.
func (o *observer) read(ctx context.Context, conn *amqp.Connection, name string, ready func()) error {
	ch, err := conn.Channel()
	if err != nil {
		return explain(err)
	}
	defer ch.Close()
	// The copies the bounded queue drops are dead-lettered to a second
	// queue, which is emptied every second: purging says how many it held,
	// exactly, which the broker's statistics do not (copies that came in
	// through the firehose are not counted as published to the queue).
	skipped := name + ".skipped"
	if _, err := ch.QueueDeclare(skipped, false, true, true, false, nil); err != nil {
		return explain(err)
	}
	if _, err := ch.QueueDeclare(name, false, true, true, false, amqp.Table{"x-max-length": int32(o.b.cfg.ObserveQueueLength), "x-overflow": "drop-head",
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": skipped}); err != nil {
		return explain(err)
	}
	defer func() {
		if ctx.Err() != nil && !ch.IsClosed() {
			_, _ = ch.QueueDelete(name, false, false, false)
			_, _ = ch.QueueDelete(skipped, false, false, false)
		}
	}()
	for _, key := range []string{"publish.#", "deliver.#"} {
		if err := ch.QueueBind(name, key, TraceExchange, false, nil); err != nil {
			return explain(err)
		}
	}
	// Acked in batches with a window, so the copies wait in the bounded
	// queue (and drop there) rather than in this process's memory.
	if err := ch.Qos(1000, 0, false); err != nil {
		return explain(err)
	}
	deliveries, err := ch.Consume(name, "", false, true, false, false, nil)
	if err != nil {
		return explain(err)
	}
	o.mu.Lock()
	marked := o.marked
	o.mu.Unlock()
	if marked {
		if err := watchUnderMarker(ch); err != nil {
			return explain(err)
		}
	}
	ready()
	closed := ch.NotifyClose(make(chan *amqp.Error, 1))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var last uint64
	pending, ticks := 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case e := <-closed:
			if e != nil {
				return explain(e)
			}
			return ErrUnavailable
		case <-tick.C:
			o.poll(ctx)
			o.releaseHeld(ctx)
			if ticks++; marked && ticks%5 == 0 {
				o.keepTracingOn(ctx)
			}
			if n, err := ch.QueuePurge(skipped, false); err == nil && n > 0 {
				o.mu.Lock()
				o.skipped += int64(n)
				o.mu.Unlock()
				o.report()
			}
		case d, ok := <-deliveries:
			if !ok {
				return ErrUnavailable
			}
			o.take(ctx, d)
			last, pending = d.DeliveryTag, pending+1
			if pending >= 200 || len(deliveries) == 0 {
				_ = ch.Ack(last, true)
				pending = 0
			}
		}
	}
}

// poll reads the broker's consumer, connection and channel lists and
// updates the outside receivers: new ones appear, ones that left are gone.
func (o *observer) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, o.b.cfg.OpTimeout)
	defer cancel()
	m := o.b.mgmt
	var consumers []mgmtConsumer
	var conns []mgmtConnection
	var channels []mgmtChannel
	vpath := url.PathEscape(m.vhost)
	if m.do(ctx, http.MethodGet, "/api/consumers/"+vpath, nil, &consumers) != nil ||
		m.do(ctx, http.MethodGet, "/api/vhosts/"+vpath+"/connections?columns=name,client_properties,peer_host,peer_port", nil, &conns) != nil ||
		m.do(ctx, http.MethodGet, "/api/vhosts/"+vpath+"/channels?columns=number,messages_unacknowledged,connection_details", nil, &channels) != nil {
		return
	}
	outside, own := outsideConsumers(consumers, conns, channels)
	names := map[string]string{}
	for _, c := range conns {
		names[c.Name] = connectionLabel(c, mgmtChannelDetails{})
	}
	var changed []ReceiverInfo
	var removed []string
	var settled []SettledEvent
	now := time.Now()
	o.mu.Lock()
	if !o.enabled {
		o.mu.Unlock()
		return
	}
	o.own, o.names, o.confirmed, o.lastPoll = own, names, map[string]bool{}, now
	keys := slices.SortedFunc(maps.Keys(outside), compareKeys)
	notShown := 0
	for _, key := range keys {
		oc := outside[key]
		if !o.shownLocked(key.Queue, "", key.Connection, oc.Name) {
			continue
		}
		r, ok := o.outside[key]
		if !ok {
			if r = o.addLocked(key); r == nil {
				notShown++
				continue
			}
		}
		if r.state != StateConsuming || !reflect.DeepEqual(r.consumer, oc) {
			r.consumer, r.state = oc, StateConsuming
			changed = append(changed, r.info())
		}
		settled = append(settled, r.reconcile(now)...)
	}
	for key, r := range o.outside {
		_, listed := outside[key]
		switch {
		case r.state == StateGone && now.Sub(r.since) > o.b.cfg.OutsideGoneAfter:
			removed = append(removed, r.id)
			delete(o.outside, key)
		case r.state == StateConsuming && !listed && (!r.provisional() || now.Sub(r.since) > unlistedFor):
			r.state, r.since = StateGone, now
			changed = append(changed, r.info())
		}
		settled = append(settled, r.settleLeft(now)...)
	}
	if len(removed) > 0 {
		o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	}
	report := o.notShown != notShown
	o.notShown = notShown
	o.mu.Unlock()
	for _, id := range removed {
		o.b.cfg.Events(ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: id})
	}
	if report {
		o.report()
	}
	for _, ev := range settled {
		o.b.cfg.Events(ev)
	}
	refreshed := map[string]bool{}
	for _, info := range changed {
		o.b.cfg.Events(ReceiverEvent{Type: TypeReceiver, Receiver: info})
		if !refreshed[info.Queue] { // its consumer count, at once, not as the statistics lag
			refreshed[info.Queue] = true
			o.b.refreshQueue(info.Queue)
		}
	}
}

// compareKeys orders consumers by queue, connection and channel: columns
// appear in that order.
func compareKeys(a, b consumerKey) int {
	return cmp.Or(cmp.Compare(a.Queue, b.Queue), cmp.Compare(a.Connection, b.Connection), cmp.Compare(a.Channel, b.Channel))
}

// addLocked makes a column for a consumer the trace or the lists named;
// nil when the columns of other programs are at their cap.
func (o *observer) addLocked(key consumerKey) *outsideReceiver {
	if len(o.outside) >= o.b.cfg.MaxOutside {
		return nil
	}
	o.nextID++
	r := &outsideReceiver{id: o.b.idPrefix() + "o" + strconv.Itoa(o.nextID), replica: o.b.cfg.Replica, state: StateConsuming, since: time.Now(),
		consumer: outsideConsumer{Key: key, Name: o.names[key.Connection]}}
	if r.consumer.Name == "" {
		r.consumer.Name = addressLabel(key.Connection)
	}
	taken := map[int]bool{}
	for _, other := range o.outside {
		taken[other.colour] = true
	}
	r.colour = colourFor(r.consumer.Name+" "+key.Queue, taken)
	o.outside[key] = r
	o.order = append(o.order, key)
	return r
}

// take shows one firehose copy: a delivery in its consumer's column, a
// publish as an observed publish. rabbitboard's own are shown already. A
// copy from a connection the broker cannot name yet waits (see hold).
func (o *observer) take(ctx context.Context, d amqp.Delivery) {
	t, ok := readTrace(d)
	if !ok {
		o.mu.Lock()
		o.skipped++
		o.mu.Unlock()
		return
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
func (o *observer) hold(ctx context.Context, t trace, d amqp.Delivery) bool {
	if !t.Deliver || o.b.rabbitboardsConnection(t.Connection) {
		// A publish is shown at once: a publisher often lives too briefly
		// to be listed at all, and its message's deliveries come after it.
		// rabbitboard's own and its replicas' are known without the lists.
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
func (o *observer) releaseHeld(ctx context.Context) {
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
func (o *observer) show(ctx context.Context, t trace, d amqp.Delivery) {
	o.mu.Lock()
	own, known := o.own[t.Connection], o.outside[consumerKey{t.Connection, t.Channel, t.Queue}] != nil
	o.mu.Unlock()
	if (own && o.isRabbitboard(ctx, t.Connection)) || rabbitboardsOwn(t) || o.b.rabbitboardsConnection(t.Connection) {
		return
	}
	o.mu.Lock()
	shown := o.shownLocked(t.Queue, t.Exchange, t.Connection, o.names[t.Connection])
	o.mu.Unlock()
	if !shown {
		return
	}
	props, headers := traceProperties(t.Properties)
	content := o.b.content(d.Body, props, headers)
	if !t.Deliver {
		name, _ := o.nameOf(ctx, t.Connection)
		routed := t.RoutedQueues
		if routed == nil {
			routed = []string{}
		}
		o.b.cfg.Events(ObservedPublishEvent{Type: TypeObservedPublish, Exchange: t.Exchange, RoutingKey: t.RoutingKey, RoutedQueues: routed,
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
	var settled []SettledEvent
	if t.Redelivered { // taken back from whoever held it
		settled = o.takenBackLocked(t.Queue, bodyHash(d.Body))
	}
	r.seq++
	settled = append(settled, r.delivered(r.seq, d.Body, now)...)
	ev := DeliveryEvent{Type: TypeDelivery, Receiver: r.id, Queue: t.Queue, Seq: r.seq, Redelivered: t.Redelivered,
		Exchange: t.Exchange, RoutingKey: t.RoutingKey, Content: content, Get: r.provisional(), At: now.UTC(), Counters: EventCounters(r.countsNow())}
	var added ReceiverInfo
	if !listed {
		added = r.info()
	}
	o.mu.Unlock()
	if !listed {
		o.b.cfg.Events(ReceiverEvent{Type: TypeReceiver, Receiver: added})
	}
	for _, e := range settled {
		o.b.cfg.Events(e)
	}
	o.b.cfg.Events(ev)
}

// SetObserveFilter limits watching to the queues, exchanges and
// connections whose names contain filter ("" shows everything); columns
// that no longer match leave the view.
func (b *Broker) SetObserveFilter(filter string) ObserveEvent {
	o := &b.obs
	o.mu.Lock()
	o.filter = filter
	var gone []string
	for key, r := range o.outside {
		if !o.shownLocked(key.Queue, "", key.Connection, r.consumer.Name) {
			gone = append(gone, r.id)
			delete(o.outside, key)
		}
	}
	o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	o.mu.Unlock()
	for _, id := range gone {
		b.cfg.Events(ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: id})
	}
	o.report()
	return o.status()
}

// ClearGone removes the columns of other programs' consumers that are gone
// and says how many it removed.
func (b *Broker) ClearGone() int {
	o := &b.obs
	o.mu.Lock()
	var gone []string
	for key, r := range o.outside {
		if r.state == StateGone {
			gone = append(gone, r.id)
			delete(o.outside, key)
		}
	}
	o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	o.mu.Unlock()
	for _, id := range gone {
		b.cfg.Events(ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: id})
	}
	return len(gone)
}

// shownLocked says whether the filter lets a queue, exchange or
// connection (by the broker's name or people's) be shown.
func (o *observer) shownLocked(queue, exchange, connection, name string) bool {
	f := o.filter
	return f == "" || (queue != "" && strings.Contains(queue, f)) || (exchange != "" && strings.Contains(exchange, f)) ||
		strings.Contains(connection, f) || (name != "" && strings.Contains(name, f))
}

// rabbitboardsOwn says whether a trace is of rabbitboard's own traffic,
// whoever's connection it came on: its replicas' exchange and queues, its
// firehose queues. It is never shown as another program's.
func rabbitboardsOwn(t trace) bool {
	return strings.HasPrefix(t.Exchange, ReplicaExchangePrefix) || strings.HasPrefix(t.Queue, traceQueuePrefix) || t.Exchange == TraceExchange
}

// takenBackLocked settles as requeued the card of a message delivered
// again: whoever held it (a consumer that left, or one that gave it back)
// holds it no more. Columns that left are looked at first.
func (o *observer) takenBackLocked(queue string, body uint64) []SettledEvent {
	for _, gone := range []bool{true, false} {
		for _, key := range o.order {
			r := o.outside[key]
			if key.Queue != queue || (r.state == StateGone) != gone {
				continue
			}
			if ev, ok := r.takenBack(body); ok {
				return []SettledEvent{ev}
			}
		}
	}
	return nil
}

// isRabbitboard makes sure a connection the last lists called a
// rabbitboard's is one now: a client that closed may be listed a little
// longer, and a new program's connection may get its address and so its
// name. It asks the broker about that connection once per lists.
func (o *observer) isRabbitboard(ctx context.Context, connection string) bool {
	o.mu.Lock()
	is, asked := o.confirmed[connection]
	o.mu.Unlock()
	if asked {
		return is
	}
	c, err := o.askConnection(ctx, connection)
	is = err != nil || c.ClientProperties["product"] == Product // not knowing, keep the lists' word
	o.mu.Lock()
	if o.confirmed != nil {
		o.confirmed[connection] = is
	}
	o.mu.Unlock()
	return is
}

// askConnection asks the broker about one connection, by its name.
func (o *observer) askConnection(ctx context.Context, connection string) (mgmtConnection, error) {
	var c mgmtConnection
	ctx, cancel := context.WithTimeout(ctx, o.b.cfg.OpTimeout)
	defer cancel()
	err := o.b.mgmt.do(ctx, http.MethodGet, "/api/connections/"+url.PathEscape(connection), nil, &c)
	return c, err
}

// nameOf names a connection for people. One the last lists did not hold
// (a short-lived publisher, say) is asked for at once; one already closed
// is named by its address.
func (o *observer) nameOf(ctx context.Context, connection string) (name string, known bool) {
	o.mu.Lock()
	name, ok := o.names[connection]
	o.mu.Unlock()
	if ok {
		return name, true
	}
	c, err := o.askConnection(ctx, connection)
	if err != nil {
		return addressLabel(connection), false // closed already, or not known yet: asked again next time
	}
	name = connectionLabel(c, mgmtChannelDetails{})
	o.mu.Lock()
	if o.names != nil {
		o.names[connection] = name
	}
	if c.ClientProperties["product"] == Product && o.own != nil {
		o.own[connection] = true // a rabbitboard newer than the last lists
	}
	o.mu.Unlock()
	return name, true
}

// addressLabel names a connection known only by the broker's name for it
// ("127.0.0.1:52384 -> 127.0.0.1:5672") by the client's address.
func addressLabel(connection string) string {
	client, _, _ := strings.Cut(connection, " -> ")
	return "client " + client
}

// outsideInfos lists the outside receivers in the order they appeared.
func (o *observer) outsideInfos() []ReceiverInfo {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]ReceiverInfo, 0, len(o.order))
	for _, key := range o.order {
		out = append(out, o.outside[key].info())
	}
	return out
}

// isOutside says whether an id names an outside receiver.
func (o *observer) isOutside(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.outside {
		if r.id == id {
			return true
		}
	}
	return false
}
