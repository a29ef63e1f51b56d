package mq

import (
	"rabbitboard/internal/record"
)

// Record keeps the timeline in the stream cfg names (see package record)
// on the shared connection, for as long as the Broker is open; cfg.Warn
// is the Broker's when not set. Call it once the Broker is open.
func (b *Broker) Record(cfg record.Config) (*record.Recorder, error) {
	if err := checkName("queue", cfg.Name); err != nil {
		return nil, err
	}
	if cfg.Warn == nil {
		cfg.Warn = b.warn
	}
	r := record.Start(b.ctx, b.connection, cfg)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		r.Wait()
	}()
	return r, nil
}
