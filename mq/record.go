package mq

import (
	"time"

	"rabbitboard/internal/record"
)

// Record keeps the timeline in the stream name (see package record) on
// the shared connection, for as long as the Broker is open, and calls
// read with each batch the stream holds from since ago (0: from its
// start) and then as batches come. Call it once the Broker is open.
func (b *Broker) Record(name string, retention, since time.Duration, read func(offset int64, at time.Time, batch []byte)) (*record.Recorder, error) {
	if err := checkName("queue", name); err != nil {
		return nil, err
	}
	r := record.Start(b.ctx, b.connection, record.Config{Name: name, Retention: retention, Since: since, Read: read, Warn: b.warn})
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		r.Wait()
	}()
	return r, nil
}
