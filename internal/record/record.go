// Package record keeps the dashboard's timeline in a RabbitMQ stream (the
// broker's own durable, replayable log), so that replicas and a restarted
// rabbitboard share it (--record NAME).
package record

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/refusal"
	"rabbitboard/internal/throttle"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A Recorder keeps the timeline in a stream: events go into it in
// batches, and every process reads the stream back into its timeline from
// where its retention starts. A batch is one stream message of JSON lines,
// one {"at":"...","event":{...}} a line.
type Recorder struct {
	Config
	conn func() (*amqp.Connection, error) // the shared connection, or why none
	ctx  context.Context
	wg   sync.WaitGroup

	mu      sync.Mutex
	pending bytes.Buffer
	count   int
	dropped int64 // events not recorded: the broker was away and too many waited
	kick    chan struct{}
	// declaring: the writer and the reader declare the stream one at a
	// time (RabbitMQ 3.10 closes the whole connection with INTERNAL_ERROR
	// when one stream is declared twice at once on it).
	declaring sync.Mutex
}

// Batches go out every recordEvery, or sooner once recordBatch events
// wait: a stream message per event would cost the broker as much as the
// lesson's own messages.
const (
	recordEvery = 100 * time.Millisecond
	recordBatch = 500
)

// Config says which stream keeps the timeline and what to do with it.
type Config struct {
	// Name is the stream's, declared when missing with Retention
	// (x-max-age; 0 keeps everything), used as it is when it exists.
	Name      string
	Retention time.Duration
	// Since is how far back the timeline reads the stream (0: from its
	// start); Read is called with each batch then and as batches come: the
	// stream offset, the time the broker took it, and its lines.
	Since time.Duration
	Read  func(offset int64, at time.Time, batch []byte)
	// Warn says what goes wrong, at most once in a while.
	Warn *throttle.Logger
}

// Start keeps the timeline in the stream on the connection conn gives,
// until ctx ends. Wait waits for it to stop.
func Start(ctx context.Context, conn func() (*amqp.Connection, error), cfg Config) *Recorder {
	r := &Recorder{Config: cfg, conn: conn, ctx: ctx, kick: make(chan struct{}, 1)}
	r.wg.Add(2)
	go r.write()
	go r.consume()
	return r
}

// Wait waits until the Recorder has stopped (its context ended).
func (r *Recorder) Wait() { r.wg.Wait() }

// Add keeps one event for the next batch. It never blocks on the broker.
func (r *Recorder) Add(event []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count >= board.RecordBatchMax*8 {
		// The broker is away or cannot keep up: the timeline misses this
		// event, and says so in the log and in Dropped.
		r.dropped++
		r.Warn.Warn("record-dropped", "events were not recorded: the stream does not keep up", "stream", r.Name, "dropped", r.dropped)
		return
	}
	r.pending.WriteString(`{"at":"`)
	r.pending.WriteString(at.UTC().Format(time.RFC3339Nano))
	r.pending.WriteString(`","event":`)
	r.pending.Write(event)
	r.pending.WriteString("}\n")
	r.count++
	if r.count == recordBatch {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// Dropped is how many events were not recorded.
func (r *Recorder) Dropped() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// declare makes the stream, with its retention, on ch.
func (r *Recorder) declare(ch *amqp.Channel) error {
	args := amqp.Table{"x-queue-type": "stream"}
	if r.Retention > 0 {
		args["x-max-age"] = strconv.Itoa(max(1, int(r.Retention.Seconds()))) + "s"
	}
	_, err := ch.QueueDeclare(r.Name, true, false, false, false, args)
	return err
}

// write sends the waiting events as batches until the broker closes.
func (r *Recorder) write() {
	defer r.wg.Done()
	tick := time.NewTicker(recordEvery)
	defer tick.Stop()
	var ch *amqp.Channel
	var returns <-chan amqp.Return
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-tick.C:
		case <-r.kick:
		}
		if ch == nil || ch.IsClosed() {
			if ch = r.channel(); ch == nil {
				continue
			}
			if err := ch.Confirm(false); err != nil {
				_ = ch.Close()
				ch = nil
				continue
			}
			// Drained at every flush: a full one would stall the
			// connection's reader, which hands returns over.
			returns = ch.NotifyReturn(make(chan amqp.Return, 16))
		}
		for r.flush(ch, returns) {
		}
	}
}

// flush sends one batch, and says whether more wait. A batch leaves the
// pending events only once the broker confirms that the stream has it: a
// stream just declared may not take messages yet (they come back, or are
// lost unconfirmed), and they are then sent again at the next tick.
func (r *Recorder) flush(ch *amqp.Channel, returns <-chan amqp.Return) bool {
	r.mu.Lock()
	if r.count == 0 {
		r.mu.Unlock()
		return false
	}
	data := r.pending.Bytes()
	n, cut := 0, 0
	for n < board.RecordBatchMax && cut < len(data) {
		cut += bytes.IndexByte(data[cut:], '\n') + 1
		n++
	}
	batch := bytes.Clone(data[:cut])
	r.mu.Unlock()
	drain(returns) // a late return of an attempt that timed out
	dc, err := ch.PublishWithDeferredConfirmWithContext(r.ctx, "", r.Name, true, false, amqp.Publishing{
		ContentType: "application/x-ndjson", DeliveryMode: amqp.Persistent, Timestamp: time.Now(), Body: batch,
	})
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	if acked, err := dc.WaitContext(ctx); err != nil || !acked {
		return false
	}
	if drain(returns) { // the library hands over a return before its confirm
		return false
	}
	// Only this goroutine takes from pending; Add only appends to it.
	r.mu.Lock()
	r.pending.Next(cut)
	r.count -= n
	more := r.count > 0
	r.mu.Unlock()
	return more
}

// channel opens a channel on the shared connection and declares the
// stream; nil while the broker is away.
func (r *Recorder) channel() *amqp.Channel {
	r.declaring.Lock()
	defer r.declaring.Unlock()
	conn, err := r.conn()
	if err != nil {
		return nil
	}
	ch, err := conn.Channel()
	if err != nil {
		return nil
	}
	err = r.declare(ch)
	var refused *amqp.Error
	if errors.As(err, &refused) && refused.Code == amqp.PreconditionFailed {
		// The stream is there with another retention (another replica's
		// --record-retention): it is used as it is.
		if ch, err = conn.Channel(); err == nil {
			if _, err = ch.QueueDeclarePassive(r.Name, true, false, false, false, amqp.Table{"x-queue-type": "stream"}); err != nil {
				_ = ch.Close()
			}
		}
	}
	if err != nil {
		r.Warn.Warn("record", "cannot keep the timeline in the stream", "stream", r.Name, "error", refusal.Explain(err))
		if ch != nil {
			_ = ch.Close()
		}
		return nil
	}
	return ch
}

// consume reads the stream into the timeline, from its start and then as
// batches come, again from the next offset after a broker outage.
func (r *Recorder) consume() {
	defer r.wg.Done()
	next := any("first")
	if r.Since > 0 {
		next = time.Now().Add(-r.Since)
	}
	for r.ctx.Err() == nil {
		if offset, ok := r.readFrom(next); ok {
			next = offset + 1
		}
		select {
		case <-r.ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readFrom consumes the stream from start until the channel closes, and
// says the last offset read.
func (r *Recorder) readFrom(start any) (last int64, read bool) {
	ch := r.channel()
	if ch == nil {
		return 0, false
	}
	defer ch.Close()
	if err := ch.Qos(board.RecordBatchMax, 0, false); err != nil {
		return 0, false
	}
	d, err := ch.ConsumeWithContext(r.ctx, r.Name, "", false, false, false, false, amqp.Table{"x-stream-offset": start})
	if err != nil {
		return 0, false
	}
	for m := range d {
		offset, _ := m.Headers["x-stream-offset"].(int64)
		r.Read(offset, m.Timestamp, m.Body)
		last, read = offset, true
		_ = m.Ack(false)
	}
	return last, read
}

// drain empties returns and says whether it held any.
func drain(returns <-chan amqp.Return) bool {
	held := false
	for {
		select {
		case <-returns:
			held = true
		default:
			return held
		}
	}
}
