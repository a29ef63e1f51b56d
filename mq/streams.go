package mq

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"rabbitboard/board"

	amqp "github.com/rabbitmq/amqp091-go"
)

// A stream is a log: reading it takes nothing away, and each reader says
// where in the log it starts (x-stream-offset). The broker asks every
// reader over AMQP 0-9-1 for a prefetch and for acks.

// streamStart reads where a receiver starts in a stream: first, last,
// next, an offset (50), a time back from now (10m) or an RFC 3339 time;
// the value is x-stream-offset's.
func streamStart(s string, now time.Time) (any, error) {
	switch s {
	case board.OffsetFirst, board.OffsetLast, board.OffsetNext:
		return s, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return nil, invalid("err.offset", "value", fmt.Sprintf("%q", s))
}

// queueType says a queue's type ("classic", "quorum", "stream") as far as
// rabbitboard can learn it: from its own declaration, else from the
// management API; "" when neither can tell.
func (b *Broker) queueType(ctx context.Context, name string) string {
	b.mu.Lock()
	spec, ok := b.known[name]
	b.mu.Unlock()
	if ok {
		if t, _ := spec.Arguments["x-queue-type"].(string); t != "" {
			return t
		}
	}
	var q struct {
		Type string `json:"type"`
	}
	if b.mgmt.Do(ctx, "GET", b.mgmt.VhostPath("queues")+"/"+url.PathEscape(name)+"?columns=type", nil, &q) != nil {
		if ok {
			return "classic" // declared by rabbitboard without a type
		}
		return ""
	}
	return q.Type
}

// checkStreamReceiver refuses, before any consume, what the broker would
// refuse for a stream: it answers an auto-ack consumer by closing the
// whole connection (540 NOT_IMPLEMENTED), which every receiver shares.
func (b *Broker) checkStreamReceiver(spec *board.ReceiverSpec) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.OpTimeout)
	defer cancel()
	kind := b.queueType(ctx, spec.Queue)
	switch {
	case kind == "stream" && (spec.Ack == board.AckAuto || spec.Prefetch == 0):
		return invalid("err.stream_receiver", "queue", spec.Queue)
	case kind == "stream" && spec.Offset == "":
		spec.Offset = board.OffsetNext // the broker's own default
	case kind != "stream" && kind != "" && spec.Offset != "":
		return invalid("err.offset_queue", "queue", spec.Queue)
	}
	return nil
}

// ReadStream reads up to limit messages of a stream from an offset
// (from < 0: the last limit messages), with the log's first and last
// offsets. It reads as any reader does, with a consumer on a channel of
// its own that is closed afterwards: a stream keeps what is read.
func (b *Broker) ReadStream(name string, from int64, limit int) (board.StreamLog, error) {
	if err := checkName("queue", name); err != nil {
		return board.StreamLog{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.OpTimeout)
	defer cancel()
	if kind := b.queueType(ctx, name); kind != "stream" && kind != "" {
		return board.StreamLog{}, invalid("err.not_stream", "queue", name, "kind", kind)
	}
	log := board.StreamLog{Stream: name, Messages: []board.StreamMessage{}}
	b.mu.Lock()
	if spec, ok := b.known[name]; ok {
		log.Arguments = spec.Arguments
	}
	b.mu.Unlock()
	first, err := b.readStream(name, board.OffsetFirst, 1)
	if err != nil || len(first) == 0 {
		return log, err
	}
	log.First = &first[0].Offset
	// "last" starts at the log's last chunk: read it to its end.
	tail, err := b.readStream(name, board.OffsetLast, 20000)
	if err != nil {
		return log, err
	}
	last := first[0].Offset
	if len(tail) > 0 {
		last = tail[len(tail)-1].Offset
	}
	log.Last = &last
	if from < 0 {
		from = max(*log.First, last-int64(limit)+1)
	}
	if from > last {
		return log, nil
	}
	log.Messages, err = b.readStream(name, from, min(limit, int(last-from)+1))
	return log, err
}

// readStream reads up to n messages from start, stopping early when the
// log has no more within a quarter of a second.
func (b *Broker) readStream(name string, start any, n int) ([]board.StreamMessage, error) {
	var out []board.StreamMessage
	err := b.withChannel(func(ch *amqp.Channel) error {
		if err := ch.Qos(min(n, 1000), 0, false); err != nil {
			return err
		}
		d, err := ch.Consume(name, "", false, false, false, false, amqp.Table{"x-stream-offset": start})
		if err != nil {
			return err
		}
		idle := time.NewTimer(250 * time.Millisecond)
		defer idle.Stop()
		for len(out) < n {
			select {
			case m, ok := <-d:
				if !ok {
					return nil
				}
				offset, _ := m.Headers["x-stream-offset"].(int64)
				sm := board.StreamMessage{Offset: offset, Content: b.content(m.Body, deliveryProperties(m), m.Headers)}
				if !m.Timestamp.IsZero() {
					at := m.Timestamp.UTC()
					sm.At = &at
				}
				out = append(out, sm)
				if err := m.Ack(false); err != nil { // credit for the next
					return err
				}
				idle.Reset(250 * time.Millisecond)
			case <-idle.C:
				return nil
			}
		}
		return nil
	})
	return out, err
}

// StreamReaders lists the stream-protocol readers of a stream ("" every
// stream); the management plugin and rabbitmq_stream_management must run.
func (b *Broker) StreamReaders(ctx context.Context, stream string) ([]board.StreamReader, error) {
	var listed []struct {
		Connection struct {
			Name string `json:"name"`
		} `json:"connection_details"`
		Consumed   int64 `json:"consumed"`
		Offset     int64 `json:"offset"`
		Lag        int64 `json:"offset_lag"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
		Queue struct {
			Name string `json:"name"`
		} `json:"queue"`
	}
	if err := b.mgmt.Do(ctx, "GET", b.mgmt.VhostPath("stream/consumers"), nil, &listed); err != nil {
		return nil, err
	}
	out := []board.StreamReader{}
	for _, c := range listed {
		if stream != "" && c.Queue.Name != stream {
			continue
		}
		out = append(out, board.StreamReader{Stream: c.Queue.Name, Name: c.Properties.Name, Connection: c.Connection.Name, Offset: c.Offset, Lag: c.Lag, Consumed: c.Consumed})
	}
	return out, nil
}

// streamStart is where a stream receiver reads from: where it was told
// to start the first time, and after a pause or kill from the first
// message it had not settled (or the one after the last it read), as a
// worker that tracks its offset would.
func (r *Receiver) streamStart() (any, error) {
	r.mu.Lock()
	restart, position := r.restart, r.position
	r.mu.Unlock()
	switch {
	case restart >= 0:
		return restart, nil
	case position >= 0:
		return position + 1, nil
	}
	return streamStart(r.spec.Offset, time.Now())
}
