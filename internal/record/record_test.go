package record

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
	"rabbitboard/internal/throttle"

	amqp "github.com/rabbitmq/amqp091-go"
)

// reader keeps the batches a Recorder reads back, as lines in order.
type reader struct {
	mu      sync.Mutex
	lines   []string
	offsets []int64
}

func (r *reader) read(offset int64, _ time.Time, batch []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for line := range bytes.Lines(batch) {
		r.lines = append(r.lines, string(bytes.TrimSpace(line)))
	}
	r.offsets = append(r.offsets, offset)
}

func (r *reader) got() ([]string, []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines), slices.Clone(r.offsets)
}

// Two recorders on one stream, as two replicas: what either adds, both
// read back, in the order each added it, as batches (not a stream message
// per event) of at most RecordBatchMax lines; a third started later reads
// the stream from its start; the stream keeps the retention asked.
func TestRecordersShareTheStream(t *testing.T) {
	testkit.NeedsBroker(t)
	// A connection of its own for each, as each replica has.
	own := func() func() (*amqp.Connection, error) {
		conn, err := amqp.Dial(testkit.AMQPURL())
		if err != nil {
			t.Fatalf("RabbitMQ at %s: %v", testkit.AMQPURL(), err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return func() (*amqp.Connection, error) { return conn, nil }
	}
	name := "rb-test-record-" + time.Now().Format("150405.000")
	ch := testkit.Channel(t)
	defer func() { _, _ = ch.QueueDelete(name, false, false, false) }()
	warn := &throttle.Logger{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Every: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	var a, b reader
	var started []*Recorder
	defer func() {
		cancel()
		for _, r := range started {
			r.Wait()
		}
	}()
	start := func(retention time.Duration, r *reader) *Recorder {
		rec := Start(ctx, own(), Config{Name: name, Retention: retention, Read: r.read, Warn: warn})
		started = append(started, rec)
		return rec
	}
	ra := start(2*time.Hour, &a)
	// The second once the stream is there, as a replica started after the
	// first (two processes declaring one new stream at the same moment can
	// leave one's reader attached to nothing on RabbitMQ 3.10).
	testkit.WaitFor(t, 10*time.Second, "the stream to be declared", func() bool {
		probe := testkit.Channel(t)
		defer probe.Close()
		_, err := probe.QueueDeclarePassive(name, true, false, false, false, amqp.Table{"x-queue-type": "stream"})
		return err == nil
	})
	rb := start(2*time.Hour, &b)
	at := time.Date(2026, 12, 5, 10, 42, 5, 0, time.UTC)
	var want []string
	for i := range 2500 {
		event := fmt.Sprintf(`{"type":"published","count":%d}`, i)
		ra.Add([]byte(event), at)
		want = append(want, `{"at":"2026-12-05T10:42:05Z","event":`+event+`}`)
	}
	rb.Add([]byte(`{"type":"pace","pace":0.5}`), at)
	want = append(want, `{"at":"2026-12-05T10:42:05Z","event":{"type":"pace","pace":0.5}}`)
	for _, r := range []*reader{&a, &b} {
		testkit.WaitFor(t, 10*time.Second, "every event read back", func() bool { lines, _ := r.got(); return len(lines) >= len(want) })
	}
	for who, r := range map[string]*reader{"a": &a, "b": &b} {
		lines, offsets := r.got()
		if !slices.Equal(lines, want) {
			t.Errorf("%s read %d lines, first %q last %q; want the %d added in order", who, len(lines), lines[0], lines[len(lines)-1], len(want))
		}
		if len(offsets) < 3 || len(offsets) > 10 {
			t.Errorf("%s read %d stream messages; want the events in a few batches of at most %d", who, len(offsets), board.RecordBatchMax)
		}
	}
	if ra.Dropped() != 0 || rb.Dropped() != 0 {
		t.Errorf("dropped %d and %d with the broker there", ra.Dropped(), rb.Dropped())
	}

	var late reader
	start(time.Hour, &late) // another retention: the stream keeps its own
	testkit.WaitFor(t, 10*time.Second, "a later recorder to read the stream from its start", func() bool { lines, _ := late.got(); return len(lines) >= len(want) })
	if lines, _ := late.got(); !slices.Equal(lines, want) {
		t.Errorf("the later recorder read %d lines, want the %d in order", len(lines), len(want))
	}
	q, err := ch.QueueDeclarePassive(name, true, false, false, false, amqp.Table{"x-queue-type": "stream"})
	if err != nil || q.Name != name {
		t.Fatalf("the stream: %v", err)
	}
	var args struct {
		Arguments map[string]any `json:"arguments"`
	}
	testkit.ManagementGet(t, "/api/queues/%2F/"+name, &args)
	if args.Arguments["x-max-age"] != "7200s" || args.Arguments["x-queue-type"] != "stream" {
		t.Errorf("the stream's arguments %v; want x-max-age 7200s, a stream", args.Arguments)
	}
}
