package mq

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/management"
	"rabbitboard/words"

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

// observer watches other programs while it is enabled.
type observer struct {
	b *Broker

	mu      sync.Mutex // guards the fields below
	enabled bool
	marked  bool // watching under the marker (see tracing.go)
	shown   bool // enabled, as viewers are told: once the firehose is read
	tracing string
	errText string
	errSaid words.Said
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
func (b *Broker) Observe(ctx context.Context, enabled bool) (board.ObserveEvent, error) {
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
	o.enabled, o.errText, o.errSaid = true, "", nil
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
func (b *Broker) ObserveStatus() board.ObserveEvent { return b.obs.status() }

func (o *observer) status() board.ObserveEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tracing
	if t == "" {
		t = board.TracingUnknown
	}
	return board.ObserveEvent{Type: board.TypeObserve, Enabled: o.shown, Tracing: t, Error: o.errText, ErrorSaid: o.errSaid, Skipped: o.skipped, NotShown: o.notShown, Filter: o.filter}
}

func (o *observer) report() { o.b.cfg.Events(o.status()) }

// vhost is the management API's view of the vhost: what a PUT must send
// back (a PUT of tracing alone wipes the description and tags).
type vhost struct {
	Description string `json:"description"`
	Tags        any    `json:"tags"`
	Tracing     bool   `json:"tracing"`
}

func (o *observer) vhostPath() string { return "/api/vhosts/" + url.PathEscape(o.b.mgmt.Vhost) }

// setVhostTracing switches the vhost's firehose on or off through the
// management API. It reads the vhost first and sends its description and
// tags back. read says whether the vhost could be read; changed whether
// tracing had to be switched.
func (o *observer) setVhostTracing(ctx context.Context, on bool) (read, changed bool, err error) {
	m := o.b.mgmt
	var v vhost
	if err := m.Do(ctx, http.MethodGet, o.vhostPath(), nil, &v); err != nil {
		return false, false, err
	}
	if v.Tracing == on {
		return true, false, nil
	}
	v.Tracing = on
	return true, true, m.Do(ctx, http.MethodPut, o.vhostPath(), v, nil)
}

// switchTracing makes sure the vhost's firehose is on, switching it on
// when it is off.
func (o *observer) switchTracing(ctx context.Context) error {
	vh := o.b.mgmt.Vhost
	refused := words.Say("err.firehose", "vhost", vh)
	var v vhost
	err := o.b.mgmt.Do(ctx, http.MethodGet, o.vhostPath(), nil, &v)
	if err != nil && !isRefusal(err) {
		msg := managementMissing(o.b.mgmt.Endpoint(), err)
		o.setTracing(board.TracingUnknown, msg)
		return &board.Error{Code: board.CodeManagementUnavailable, Said: msg}
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
		o.setTracing(board.TracingOn, nil)
		return nil
	case isRefusal(err) && !read:
		o.setTracing(board.TracingUnknown, refused)
		return &board.Error{Code: board.CodeAccessRefused, Said: refused}
	case isRefusal(err):
		o.setTracing(board.TracingOff, refused)
		return &board.Error{Code: board.CodeAccessRefused, Said: refused}
	case !read:
		msg := managementMissing(o.b.mgmt.Endpoint(), err)
		o.setTracing(board.TracingUnknown, msg)
		return &board.Error{Code: board.CodeManagementUnavailable, Said: msg}
	}
	o.setTracing(board.TracingOff, refused)
	return board.Fail(board.CodeUnavailable, "err.firehose_because", "vhost", vh, "reason", err.Error())
}

// isRefusal says whether the management API refused rabbitboard's user.
func isRefusal(err error) bool {
	var se *management.StatusError
	return errors.As(err, &se) && (se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden)
}

// setTracing records the firehose's state and, when watching cannot go
// on, why (nil when it can).
func (o *observer) setTracing(state string, why words.Saying) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tracing, o.errText, o.errSaid = state, "", words.InEvery(why)
	if why != nil {
		o.errText = why.In(words.English)
	}
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
		o.b.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
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
			o.errText, o.errSaid = err.Error(), saidOf(err)
			o.mu.Unlock()
			o.report()
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// declareCopies declares the bounded queue of the firehose's copies,
// bound to every publish and delivery. The copies it drops are
// dead-lettered to a second queue, skipped, which is emptied every second:
// purging says how many it held, exactly, which the broker's statistics do
// not (copies that came in through the firehose are not counted as
// published to the queue).
func (o *observer) declareCopies(ch *amqp.Channel, name, skipped string) error {
	if _, err := ch.QueueDeclare(skipped, false, true, true, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(name, false, true, true, false, amqp.Table{"x-max-length": int32(o.b.cfg.ObserveQueueLength), "x-overflow": "drop-head",
		"x-dead-letter-exchange": "", "x-dead-letter-routing-key": skipped}); err != nil {
		return err
	}
	for _, key := range []string{"publish.#", "deliver.#"} {
		if err := ch.QueueBind(name, key, TraceExchange, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// read declares the bounded queue of firehose copies and reads it until
// watching stops or the channel goes.
func (o *observer) read(ctx context.Context, conn *amqp.Connection, name string, ready func()) error {
	ch, err := conn.Channel()
	if err != nil {
		return explain(err)
	}
	defer ch.Close()
	skipped := name + ".skipped"
	if err := o.declareCopies(ch, name, skipped); err != nil {
		return explain(err)
	}
	defer func() {
		if ctx.Err() != nil && !ch.IsClosed() {
			_, _ = ch.QueueDelete(name, false, false, false)
			_, _ = ch.QueueDelete(skipped, false, false, false)
		}
	}()
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
			return board.ErrUnavailable
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
				return board.ErrUnavailable
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

// SetObserveFilter limits watching to the queues, exchanges and
// connections whose names contain filter ("" shows everything); columns
// that no longer match leave the view.
func (b *Broker) SetObserveFilter(filter string) board.ObserveEvent {
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
		b.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
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
		if r.state == board.StateGone {
			gone = append(gone, r.id)
			delete(o.outside, key)
		}
	}
	o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	o.mu.Unlock()
	for _, id := range gone {
		b.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
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
func (o *observer) takenBackLocked(queue string, body uint64) []board.SettledEvent {
	for _, gone := range []bool{true, false} {
		for _, key := range o.order {
			r := o.outside[key]
			if key.Queue != queue || (r.state == board.StateGone) != gone {
				continue
			}
			if ev, ok := r.takenBack(body); ok {
				return []board.SettledEvent{ev}
			}
		}
	}
	return nil
}
