// Package observe observes other programs: RabbitMQ's firehose copies every
// publish and every delivery of a vhost to the exchange amq.rabbitmq.trace.
// The Observer reads those copies through a queue of its own (bounded: when
// it cannot keep up the oldest copies go, and it counts them), and
// attributes each delivery to a consumer of the broker's consumer list
// (the management API's). It takes nothing from anyone: the observed queues
// keep their messages and consumers.
//
// observe.go switches observing and the firehose on and off, filter.go
// chooses the columns shown, tracing.go leaves the firehose as it was
// found, trace.go reads the firehose's copies, lists.go the broker's
// consumer lists, outside.go says what an outside column may say.
package observe

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/management"
	"rabbitboard/internal/refusal"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

const (
	// TraceExchange is the firehose's exchange.
	TraceExchange = "amq.rabbitmq.trace"
	// TraceQueuePrefix names the queue each rabbitboard reads the firehose
	// through; the queue and topology lists leave such queues out.
	TraceQueuePrefix = "rabbitboard.observe."
	// Product is how rabbitboard introduces itself to the broker, so that
	// one rabbitboard never shows another as an outside program.
	Product = "rabbitboard"
)

// Host is what the Observer uses of the AMQP adapter that owns the
// connection.
type Host interface {
	// Connection is the shared connection, or why there is none now.
	Connection() (*amqp.Connection, error)
	// WithChannel runs f on a throwaway channel: a refusal closes only it.
	WithChannel(f func(*amqp.Channel) error) error
	// Ready is closed while the connection is usable.
	Ready() <-chan struct{}
	// OwnConnection says whether the broker's name of a connection
	// ("127.0.0.1:52384 -> 127.0.0.1:5672") is one of rabbitboard's.
	OwnConnection(name string) bool
	// Content is a message as events carry it (the body cut to the preview).
	Content(body []byte, props board.Properties, headers amqp.Table) board.Content
	// RefreshQueue tells viewers a queue's depth now.
	RefreshQueue(name string)
}

// Config configures an Observer.
type Config struct {
	Management *management.Client
	Logger     *slog.Logger
	// Events receives every event; it must not block.
	Events func(board.Event)
	// OpTimeout bounds a call to the broker or its management API.
	OpTimeout time.Duration
	// QueueLength bounds the firehose copies waiting to be read; the
	// oldest go first, counted.
	QueueLength int
	// MaxOutside caps the columns of other programs' consumers; GoneAfter
	// removes a column gone that long.
	MaxOutside int
	GoneAfter  time.Duration
	// Replica starts the outside receivers' ids, unique across replicas.
	Replica string
}

// Observer observes other programs while it is enabled.
type Observer struct {
	host Host
	cfg  Config
	life context.Context // until the adapter closes (see Start)

	mu      sync.Mutex // guards the fields below
	enabled bool
	marked  bool // observing under the marker (see tracing.go)
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

// New is an Observer that observes nothing until switched on.
func New(host Host, cfg Config) *Observer { return &Observer{host: host, cfg: cfg} }

// Start gives the Observer the adapter's lifetime: nothing it starts
// outlives ctx. Call it before Switch or TidyTracing.
func (o *Observer) Start(ctx context.Context) { o.life = ctx }

// idPrefix starts the ids of this replica's outside receivers.
func (o *Observer) idPrefix() string {
	if o.cfg.Replica == "" {
		return ""
	}
	return o.cfg.Replica + "-"
}

// Switch starts or stops observing other programs.
func (o *Observer) Switch(ctx context.Context, enabled bool) (board.ObserveEvent, error) {
	if !enabled {
		o.Halt(ctx, true)
		return o.Status(), nil
	}
	o.mu.Lock()
	running := o.enabled
	o.mu.Unlock()
	if running {
		return o.Status(), nil
	}
	if err := o.switchTracing(ctx); err != nil {
		o.report()
		return o.Status(), err
	}
	o.mu.Lock()
	o.enabled, o.errText, o.errSaid = true, "", nil
	runCtx, stop := context.WithCancel(o.life)
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
	// Observing counts once the firehose is read (and the marker consumed,
	// so that another rabbitboard stopping now leaves tracing on).
	select {
	case <-reading:
	case <-time.After(o.cfg.OpTimeout):
	}
	o.mu.Lock()
	o.shown = o.enabled
	o.mu.Unlock()
	o.report()
	return o.Status(), nil
}

// Status says whether rabbitboard observes other programs.
func (o *Observer) Status() board.ObserveEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.tracing
	if t == "" {
		t = board.TracingUnknown
	}
	return board.ObserveEvent{Type: board.TypeObserve, Enabled: o.shown, Tracing: t, Error: o.errText, ErrorSaid: o.errSaid, Skipped: o.skipped, NotShown: o.notShown, Filter: o.filter}
}

func (o *Observer) report() { o.cfg.Events(o.Status()) }

// vhost is the management API's view of the vhost: what a PUT must send
// back (a PUT of tracing alone wipes the description and tags).
type vhost struct {
	Description string `json:"description"`
	Tags        any    `json:"tags"`
	Tracing     bool   `json:"tracing"`
}

func (o *Observer) vhostPath() string { return "/api/vhosts/" + url.PathEscape(o.cfg.Management.Vhost) }

// setVhostTracing switches the vhost's firehose on or off through the
// management API. It reads the vhost first and sends its description and
// tags back. read says whether the vhost could be read; changed whether
// tracing had to be switched.
func (o *Observer) setVhostTracing(ctx context.Context, on bool) (read, changed bool, err error) {
	m := o.cfg.Management
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
func (o *Observer) switchTracing(ctx context.Context) error {
	vh := o.cfg.Management.Vhost
	refused := words.Say("err.firehose", "vhost", vh)
	var v vhost
	err := o.cfg.Management.Do(ctx, http.MethodGet, o.vhostPath(), nil, &v)
	if err != nil && !isRefusal(err) {
		msg := managementMissing(o.cfg.Management.Endpoint(), err)
		o.setTracing(board.TracingUnknown, msg)
		return &board.Error{Code: board.CodeManagementUnavailable, Said: msg}
	}
	marked := false
	if err == nil {
		// Observe under the marker when tracing is off (and this one
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
		msg := managementMissing(o.cfg.Management.Endpoint(), err)
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

// setTracing records the firehose's state and, when observing cannot go
// on, why (nil when it can).
func (o *Observer) setTracing(state string, why words.Saying) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tracing, o.errText, o.errSaid = state, "", words.InEvery(why)
	if why != nil {
		o.errText = why.In(words.English)
	}
}

// Halt stops observing: the outside receivers leave the view and, when
// rabbitboard switched tracing on and no other rabbitboard still observes
// the vhost, tracing is switched off again.
func (o *Observer) Halt(ctx context.Context, report bool) {
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
		o.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
	}
	if marked {
		o.clearMarker(ctx)
	}
	if report {
		o.report()
	}
}

// run reads the firehose while observing is on, through every reconnect.
func (o *Observer) run(ctx context.Context, reading chan struct{}) {
	defer close(o.done)
	var once sync.Once
	ready := func() { once.Do(func() { close(reading) }) }
	// One queue name for the whole run: a channel that breaks is replaced
	// by one that reads the same queue, where what it held went back.
	name := TraceQueuePrefix + rand.Text()[:12]
	for ctx.Err() == nil {
		conn, err := o.host.Connection()
		if err != nil {
			select {
			case <-ctx.Done():
			case <-o.host.Ready():
			}
			continue
		}
		o.poll(ctx) // this connection's name, after a reconnect
		if err := o.read(ctx, conn, name, ready); err != nil {
			o.cfg.Logger.Warn("reading the firehose failed; trying again", "error", err)
			o.mu.Lock()
			o.errText, o.errSaid = err.Error(), board.SaidOf(err)
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
func (o *Observer) declareCopies(ch *amqp.Channel, name, skipped string) error {
	if _, err := ch.QueueDeclare(skipped, false, true, true, false, nil); err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(name, false, true, true, false, amqp.Table{"x-max-length": int32(o.cfg.QueueLength), "x-overflow": "drop-head",
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
// observing stops or the channel goes.
func (o *Observer) read(ctx context.Context, conn *amqp.Connection, name string, ready func()) error {
	ch, err := conn.Channel()
	if err != nil {
		return refusal.Explain(err)
	}
	defer ch.Close()
	skipped := name + ".skipped"
	if err := o.declareCopies(ch, name, skipped); err != nil {
		return refusal.Explain(err)
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
		return refusal.Explain(err)
	}
	deliveries, err := ch.Consume(name, "", false, true, false, false, nil)
	if err != nil {
		return refusal.Explain(err)
	}
	o.mu.Lock()
	marked := o.marked
	o.mu.Unlock()
	if marked {
		if err := observeUnderMarker(ch); err != nil {
			return refusal.Explain(err)
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
				return refusal.Explain(e)
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

// rabbitboardsOwn says whether a trace is of rabbitboard's own traffic,
// whoever's connection it came on: its replicas' exchange and queues, its
// firehose queues. It is never shown as another program's.
func rabbitboardsOwn(t trace) bool {
	return strings.HasPrefix(t.Exchange, board.ReplicaExchangePrefix) || strings.HasPrefix(t.Queue, TraceQueuePrefix) || t.Exchange == TraceExchange
}

// takenBackLocked settles as requeued the card of a message delivered
// again: whoever held it (a consumer that left, or one that gave it back)
// holds it no more. Columns that left are looked at first.
func (o *Observer) takenBackLocked(queue string, body uint64) []board.SettledEvent {
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
