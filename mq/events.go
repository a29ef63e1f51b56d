package mq

import "time"

// Event is something that happened at the broker that viewers should see.
// Each concrete event marshals to one JSON object of the WebSocket contract.
type Event interface{ event() }

// BrokerEvent reports the connection state: connected, connecting or down.
type BrokerEvent struct {
	Type  string `json:"type"`
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

// QueueEvent carries a queue's depth after it changed.
type QueueEvent struct {
	Type  string    `json:"type"`
	Queue QueueInfo `json:"queue"`
}

// QueueGoneEvent says a queue rabbitboard showed no longer exists.
type QueueGoneEvent struct {
	Type  string `json:"type"`
	Queue string `json:"queue"`
}

// ReceiverEvent carries a receiver's settings, state and counters.
type ReceiverEvent struct {
	Type     string       `json:"type"`
	Receiver ReceiverInfo `json:"receiver"`
}

// ReceiverRemovedEvent says a receiver was removed and its column can go.
type ReceiverRemovedEvent struct {
	Type     string `json:"type"`
	Receiver string `json:"receiver"`
}

// Counters are a receiver's message counts, carried on every delivery and
// settlement so a viewer's totals stay exact without extra events.
type Counters struct {
	Received int64 `json:"received"`
	Acked    int64 `json:"acked"`
	Unacked  int64 `json:"unacked"`
	// Undecodable counts messages whose headers could not be read.
	Undecodable int64 `json:"undecodable,omitempty"`
}

// DeliveryEvent is one message handed to a receiver.
type DeliveryEvent struct {
	Type        string `json:"type"`
	Receiver    string `json:"receiver"`
	Queue       string `json:"queue"`
	Seq         int64  `json:"seq"`
	DeliveryTag uint64 `json:"delivery_tag"`
	Redelivered bool   `json:"redelivered"`
	Exchange    string `json:"exchange"`
	RoutingKey  string `json:"routing_key"`
	Body        string `json:"body"`
	Encoding    string `json:"encoding"`
	// BodySize is the body's length in bytes; Truncated says Body holds
	// only the first Config.PreviewBytes of it.
	BodySize   int            `json:"body_size"`
	Truncated  bool           `json:"truncated,omitempty"`
	Properties Properties     `json:"properties"`
	Headers    map[string]any `json:"headers"`
	// HeadersTruncated says Headers holds only some of the message's
	// headers: like bodies, they are cut at Config.PreviewBytes.
	HeadersTruncated bool `json:"headers_truncated,omitempty"`
	// Undecodable says why the message's headers could not be read at all
	// (another program sent what AMQP clients cannot decode); its receiver
	// rejects it unless someone settles it by hand.
	Undecodable string    `json:"undecodable,omitempty"`
	At          time.Time `json:"at"`
	Counters    Counters  `json:"counters"`
}

// SettledEvent says what became of a delivery: ack, nack, reject, or
// requeued when the broker took it back because the channel went away.
type SettledEvent struct {
	Type        string   `json:"type"`
	Receiver    string   `json:"receiver"`
	DeliveryTag uint64   `json:"delivery_tag"`
	Seq         int64    `json:"seq"`
	Outcome     string   `json:"outcome"`
	Requeue     bool     `json:"requeue"`
	Counters    Counters `json:"counters"`
}

// PublishedEvent summarises one publish request once the broker confirmed it.
type PublishedEvent struct {
	Type       string `json:"type"`
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Count      int    `json:"count"`
	Confirmed  int    `json:"confirmed"`
	Nacked     int    `json:"nacked"`
	Returned   int    `json:"returned"`
}

// RouteEvent comes before a publish: the queues its messages should reach,
// computed from the bindings as the broker routes. The deliveries that
// follow confirm it.
type RouteEvent struct {
	Type       string   `json:"type"`
	Exchange   string   `json:"exchange"`
	RoutingKey string   `json:"routing_key"`
	Queues     []string `json:"queues"`
}

// ReturnedEvent is a mandatory message that no queue took.
type ReturnedEvent struct {
	Type       string `json:"type"`
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	ReplyCode  uint16 `json:"reply_code"`
	ReplyText  string `json:"reply_text"`
	Body       string `json:"body"`
	Encoding   string `json:"encoding"`
	Message    string `json:"message"`
}

// QueueSurvival is what one queue kept through a broker outage, from its
// depth just before (ready plus held unacked by rabbitboard's receivers)
// and just after.
type QueueSurvival struct {
	QueueSpec
	Before int `json:"before"`
	After  int `json:"after"`
	Kept   int `json:"kept"`
	Lost   int `json:"lost"`
	// Missing says the queue itself did not survive (it was not durable).
	Missing bool `json:"missing"`
}

// SurvivalEvent answers, after a reconnect, what survived the outage.
type SurvivalEvent struct {
	Type   string          `json:"type"`
	At     time.Time       `json:"at"`
	Queues []QueueSurvival `json:"queues"`
}

func (SurvivalEvent) event()        {}
func (RouteEvent) event()           {}
func (BrokerEvent) event()          {}
func (QueueEvent) event()           {}
func (QueueGoneEvent) event()       {}
func (ReceiverEvent) event()        {}
func (ReceiverRemovedEvent) event() {}
func (DeliveryEvent) event()        {}
func (SettledEvent) event()         {}
func (PublishedEvent) event()       {}
func (ReturnedEvent) event()        {}
