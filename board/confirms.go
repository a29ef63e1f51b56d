package board

import "time"

// The three ways to wait for publisher confirms.
const (
	ConfirmOneByOne     = "one_by_one"   // each confirmed before the next is published
	ConfirmBatches      = "batches"      // a batch published, then all its confirms awaited
	ConfirmAsynchronous = "asynchronous" // confirms handled as they come, within a window
)

// ConfirmStrategy is one way of waiting for confirms, as measured.
type ConfirmStrategy struct {
	Name     string  `json:"name"`
	Messages int     `json:"messages"`
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"rate"` // messages a second
	// LatencyMS is the mean time from a message's publish to its confirm.
	LatencyMS float64 `json:"latency_ms"`
	Nacked    int     `json:"nacked"`
}

// ConfirmsEvent is the lesson's outcome, shown to every viewer.
type ConfirmsEvent struct {
	Type       EventType         `json:"type"`
	Queue      string            `json:"queue"`
	Strategies []ConfirmStrategy `json:"strategies"`
	// Limited is the queue of bounded length that refuses publishes past
	// it: of LimitedSent messages, Nacked were nacked.
	Limited     string `json:"limited"`
	LimitedSent int    `json:"limited_sent"`
	Nacked      int    `json:"nacked"`
	// Returned counts the mandatory message sent to a key no queue has.
	Returned int       `json:"returned"`
	At       time.Time `json:"at"`
}

func (ConfirmsEvent) event() {}
