package mq

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
	"time"

	"rabbitboard/internal/refusal"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A Recorder keeps the dashboard's timeline in a RabbitMQ stream (the
// broker's own durable, replayable log), so that replicas and a restarted
// rabbitboard share it: events go into the stream in batches, and every
// process reads the stream back into its timeline from where its
// retention starts. A batch is one stream message of JSON lines, one
// {"at":"...","event":{...}} a line.
type Recorder struct {
	b         *Broker
	name      string
	retention time.Duration
	since     time.Duration
	read      func(offset int64, at time.Time, batch []byte)

	mu      sync.Mutex
	pending bytes.Buffer
	count   int
	dropped int64 // events not recorded: the broker was away and too many waited
	kick    chan struct{}
}

// Batches go out every recordEvery, or sooner once recordBatch events
// wait: a stream message per event would cost the broker as much as the
// lesson's own messages.
const (
	recordEvery = 100 * time.Millisecond
	recordBatch = 500
	// RecordBatchMax is the most events a batch holds, so that an event's
	// place (its batch's offset times it, plus its line) is unique.
	RecordBatchMax = 1000
)

// Record keeps the timeline in the stream name (declared when missing,
// keeping retention of it), and calls read with each batch the stream
// holds from since ago (0: from its start), and then as batches come: the
// stream offset, the time the broker took it, and its lines. Call it once
// the Broker is open.
func (b *Broker) Record(name string, retention, since time.Duration, read func(offset int64, at time.Time, batch []byte)) (*Recorder, error) {
	if err := checkName("queue", name); err != nil {
		return nil, err
	}
	r := &Recorder{b: b, name: name, retention: retention, since: since, read: read, kick: make(chan struct{}, 1)}
	b.wg.Add(2)
	go r.write()
	go r.consume()
	return r, nil
}

// Add keeps one event for the next batch. It never blocks on the broker.
func (r *Recorder) Add(event []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.count >= RecordBatchMax*8 {
		// The broker is away or cannot keep up: the timeline misses this
		// event, and says so in the log and in Dropped.
		r.dropped++
		r.b.warn.Warn("record-dropped", "events were not recorded: the stream does not keep up", "stream", r.name, "dropped", r.dropped)
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
	if r.retention > 0 {
		args["x-max-age"] = strconv.Itoa(max(1, int(r.retention.Seconds()))) + "s"
	}
	_, err := ch.QueueDeclare(r.name, true, false, false, false, args)
	return err
}

// write sends the waiting events as batches until the broker closes.
func (r *Recorder) write() {
	defer r.b.wg.Done()
	tick := time.NewTicker(recordEvery)
	defer tick.Stop()
	var ch *amqp.Channel
	for {
		select {
		case <-r.b.ctx.Done():
			return
		case <-tick.C:
		case <-r.kick:
		}
		if ch == nil || ch.IsClosed() {
			ch = r.channel()
			if ch == nil {
				continue
			}
		}
		for r.flush(ch) {
		}
	}
}

// flush sends one batch, and says whether more wait.
func (r *Recorder) flush(ch *amqp.Channel) bool {
	r.mu.Lock()
	if r.count == 0 {
		r.mu.Unlock()
		return false
	}
	data := r.pending.Bytes()
	n, cut := 0, 0
	for n < RecordBatchMax && cut < len(data) {
		cut += bytes.IndexByte(data[cut:], '\n') + 1
		n++
	}
	batch := bytes.Clone(data[:cut])
	r.pending.Next(cut)
	r.count -= n
	more := r.count > 0
	r.mu.Unlock()
	err := ch.PublishWithContext(r.b.ctx, "", r.name, false, false, amqp.Publishing{
		ContentType: "application/x-ndjson", DeliveryMode: amqp.Persistent, Timestamp: time.Now(), Body: batch,
	})
	return err == nil && more
}

// channel opens a channel on the shared connection and declares the
// stream; nil while the broker is away.
func (r *Recorder) channel() *amqp.Channel {
	conn, err := r.b.connection()
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
			if _, err = ch.QueueDeclarePassive(r.name, true, false, false, false, amqp.Table{"x-queue-type": "stream"}); err != nil {
				_ = ch.Close()
			}
		}
	}
	if err != nil {
		r.b.warn.Warn("record", "cannot keep the timeline in the stream", "stream", r.name, "error", refusal.Explain(err))
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
	defer r.b.wg.Done()
	next := any("first")
	if r.since > 0 {
		next = time.Now().Add(-r.since)
	}
	for r.b.ctx.Err() == nil {
		if offset, ok := r.readFrom(next); ok {
			next = offset + 1
		}
		select {
		case <-r.b.ctx.Done():
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
	if err := ch.Qos(RecordBatchMax, 0, false); err != nil {
		return 0, false
	}
	d, err := ch.ConsumeWithContext(r.b.ctx, r.name, "", false, false, false, false, amqp.Table{"x-stream-offset": start})
	if err != nil {
		return 0, false
	}
	for m := range d {
		offset, _ := m.Headers["x-stream-offset"].(int64)
		r.read(offset, m.Timestamp, m.Body)
		last, read = offset, true
		_ = m.Ack(false)
	}
	return last, read
}
