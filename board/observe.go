package board

import (
	"time"

	"rabbitboard/words"
)

// Tracing states of a vhost's firehose.
const (
	TracingOn      = "on"
	TracingOff     = "off"
	TracingUnknown = "unknown"
)

// ObserveEvent says whether rabbitboard observes other programs, whether
// the vhost's firehose is on, and how many traced messages it could not
// show (its queue dropped them while it fell behind).
type ObserveEvent struct {
	Type    EventType `json:"type"`
	Enabled bool      `json:"enabled"`
	Tracing string    `json:"tracing"`
	Error   string    `json:"error,omitempty"`
	// ErrorSaid is Error in each language the page speaks.
	ErrorSaid words.Said `json:"error_said,omitempty"`
	Skipped   int64      `json:"skipped"`
	// NotShown counts the consumers of other programs beyond the columns'
	// cap (mq.Config.MaxOutside), as the broker last listed them.
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

func (ObserveEvent) event() {}

func (ObservedPublishEvent) event() {}

// Kinds of receiver.
const (
	KindOwn     = "own"
	KindOutside = "outside"
)
