// Package board is rabbitboard's vocabulary: what it shows of a RabbitMQ
// broker, with no AMQP in it. Events and their types; receivers, queues,
// exchanges and bindings as specs (what is asked for) and infos (what
// is); receiver states, ack modes, actions and outcomes; what a publish
// did; and errors, each a code of the contract and a key of the
// catalogue's (package words). The AMQP adapter (mq) makes them from the
// broker, package web serves them and package templates shows them: each
// imports board, none needs another to read what it means.
package board

import (
	"encoding/json"
	"fmt"
	"time"

	"rabbitboard/words"
)

// Event is something that happened at the broker that viewers should see.
// Each concrete event marshals to one JSON object of the WebSocket contract,
// and DecodeEvent reads it back.
type Event interface{ event() }

// EventType is the "type" of an event in the WebSocket contract.
type EventType string

// The contract's event types, every one of them.
const (
	TypeBroker          EventType = "broker"
	TypeQueue           EventType = "queue"
	TypeQueueGone       EventType = "queue_gone"
	TypeReceiver        EventType = "receiver"
	TypeReceiverRemoved EventType = "receiver_removed"
	TypeDelivery        EventType = "delivery"
	TypeSettled         EventType = "settled"
	TypePublished       EventType = "published"
	TypeRoute           EventType = "route"
	TypeReturned        EventType = "returned"
	TypeSurvival        EventType = "survival"
	TypeTopology        EventType = "topology"
	TypeObserve         EventType = "observe"
	TypeObservedPublish EventType = "observed_publish"
	// TypeLesson says which lesson the presenter set up, for every viewer.
	TypeLesson EventType = "lesson"
	// TypeConfirms is the publisher confirms lesson's measurement.
	TypeConfirms EventType = "confirms"
	// TypeSnapshot is the first event a viewer gets: the whole state (web's).
	TypeSnapshot EventType = "snapshot"
)

// BrokerState is the state of rabbitboard's connection to RabbitMQ.
type BrokerState string

// The states of the connection.
const (
	BrokerConnected  BrokerState = "connected"
	BrokerConnecting BrokerState = "connecting"
	BrokerDown       BrokerState = "down"
	// BrokerReplay: there is no broker; a recorded timeline plays.
	BrokerReplay BrokerState = "replay"
)

// BrokerEvent reports the connection state.
type BrokerEvent struct {
	Type  EventType   `json:"type"`
	State BrokerState `json:"state"`
	Error string      `json:"error,omitempty"`
	// Node is the node in use, host:port, while connected.
	Node string `json:"node,omitempty"`
	// Said is the state in words, in each language the page speaks.
	Said words.Said `json:"said,omitempty"`
}

// NewBrokerEvent is a connection state, said in words.
func NewBrokerEvent(state BrokerState, node, err string) BrokerEvent {
	return BrokerEvent{Type: TypeBroker, State: state, Node: node, Error: err, Said: words.InEvery(BrokerSaid(state, node))}
}

// BrokerSaid says a connection state: "RabbitMQ connected to NODE",
// "RabbitMQ down, reconnecting"...
func BrokerSaid(state BrokerState, node string) words.Sentence {
	if state == BrokerConnected && node != "" {
		return words.Say("broker.node", "node", node)
	}
	return words.Say("broker." + string(state))
}

// QueueEvent carries a queue's depth after it changed.
type QueueEvent struct {
	Type  EventType `json:"type"`
	Queue QueueInfo `json:"queue"`
}

// QueueGoneEvent says a queue rabbitboard showed no longer exists.
type QueueGoneEvent struct {
	Type  EventType `json:"type"`
	Queue string    `json:"queue"`
}

// ReceiverEvent carries a receiver's settings, state and counters.
type ReceiverEvent struct {
	Type     EventType    `json:"type"`
	Receiver ReceiverInfo `json:"receiver"`
}

// ReceiverRemovedEvent says a receiver was removed and its column can go.
type ReceiverRemovedEvent struct {
	Type     EventType `json:"type"`
	Receiver string    `json:"receiver"`
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

// EventCounters are Counters as deliveries and settlements carry them:
// the counts that are 0 are left out, as nothing that is not set is sent.
type EventCounters struct {
	Received    int64 `json:"received"`
	Acked       int64 `json:"acked,omitempty"`
	Unacked     int64 `json:"unacked,omitempty"`
	Undecodable int64 `json:"undecodable,omitempty"`
}

// DeliveryEvent is one message handed to a receiver.
type DeliveryEvent struct {
	Type        EventType `json:"type"`
	Receiver    string    `json:"receiver"`
	Queue       string    `json:"queue"`
	Seq         int64     `json:"seq"`
	DeliveryTag uint64    `json:"delivery_tag,omitempty"` // 0: not traced (another program's)
	Redelivered bool      `json:"redelivered,omitempty"`
	Exchange    string    `json:"exchange"`
	RoutingKey  string    `json:"routing_key"`
	Content
	// Get: another program took the message with basic.get (or with a
	// consumer the broker did not list yet: the trace cannot tell).
	Get bool `json:"get,omitempty"`
	// Offset is a stream message's place in the log.
	Offset   *int64        `json:"offset,omitempty"`
	At       time.Time     `json:"at"`
	Counters EventCounters `json:"counters"`
}

// Content is a message as events show it, carrying only what is set.
type Content struct {
	Body string `json:"body"`
	// Encoding is "base64" for a body that is not UTF-8; "" is text.
	Encoding string `json:"encoding,omitempty"`
	// BodySize is the body's length in bytes; Truncated says Body holds
	// only the first mq.Config.PreviewBytes of it.
	BodySize  int  `json:"body_size"`
	Truncated bool `json:"truncated,omitempty"`
	// Properties and Headers are left out when none is set.
	Properties Properties     `json:"properties,omitzero"`
	Headers    map[string]any `json:"headers,omitempty"`
	// HeadersTruncated says Headers holds only some of the message's
	// headers: like bodies, they are cut at mq.Config.PreviewBytes.
	HeadersTruncated bool `json:"headers_truncated,omitempty"`
	// Undecodable says why the message's headers could not be read at all
	// (another program sent what AMQP clients cannot decode); a receiver
	// rejects such a message unless someone settles it by hand.
	Undecodable string `json:"undecodable,omitempty"`
	// UndecodableSaid is Undecodable in each language the page speaks.
	UndecodableSaid words.Said `json:"undecodable_said,omitempty"`
}

// SettledEvent says what became of a delivery: ack, nack, reject, or
// requeued when the broker took it back because the channel went away.
type SettledEvent struct {
	Type        EventType     `json:"type"`
	Receiver    string        `json:"receiver"`
	DeliveryTag uint64        `json:"delivery_tag"`
	Seq         int64         `json:"seq"`
	Outcome     Outcome       `json:"outcome"`
	Requeue     bool          `json:"requeue"`
	Counters    EventCounters `json:"counters"`
	// At is when rabbitboard settled it, or saw it settled: with the
	// delivery's at, how long the message was worked on.
	At time.Time `json:"at"`
}

// PublishedEvent summarises one publish request once the broker confirmed it.
type PublishedEvent struct {
	Type       EventType `json:"type"`
	Exchange   string    `json:"exchange"`
	RoutingKey string    `json:"routing_key"`
	Count      int       `json:"count"`
	Confirmed  int       `json:"confirmed"`
	Nacked     int       `json:"nacked"`
	Returned   int       `json:"returned"`
	// Queues are the queues its messages went to, as the route computed
	// them: each column counts what was published to its own queue.
	Queues []string `json:"queues"`
	// At is when the broker had confirmed them; SentAt when the first
	// was sent.
	At     time.Time `json:"at"`
	SentAt time.Time `json:"sent_at,omitzero"`
	// MessageID is the message_id every message was given; Stamped, when
	// none was, is the prefix of each one's own: Stamped followed by its
	// number in the publish, from 1.
	MessageID string `json:"message_id,omitempty"`
	Stamped   string `json:"stamped,omitempty"`
}

// RouteEvent comes before a publish: the queues its messages should reach,
// computed from the bindings as the broker routes. The deliveries that
// follow confirm it.
type RouteEvent struct {
	Type       EventType `json:"type"`
	Exchange   string    `json:"exchange"`
	RoutingKey string    `json:"routing_key"`
	Queues     []string  `json:"queues"`
}

// ReturnedEvent is a mandatory message that no queue took.
type ReturnedEvent struct {
	Type       EventType `json:"type"`
	Exchange   string    `json:"exchange"`
	RoutingKey string    `json:"routing_key"`
	ReplyCode  uint16    `json:"reply_code"`
	ReplyText  string    `json:"reply_text"`
	Body       string    `json:"body"`
	Encoding   string    `json:"encoding"`
	Message    string    `json:"message"`
	// MessageSaid is Message in each language the page speaks.
	MessageSaid words.Said `json:"message_said,omitempty"`
	MessageID   string     `json:"message_id,omitempty"`
	At          time.Time  `json:"at,omitzero"`
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
	// Verdict says it in English words; VerdictKey is the catalogue's
	// key of that sentence (its values: kept, lost), for other languages.
	Verdict    string `json:"verdict"`
	VerdictKey string `json:"verdict_key"`
}

// Said is the verdict as the catalogue's sentence.
func (s QueueSurvival) Said() words.Sentence {
	return words.Say(s.VerdictKey, "kept", s.Kept, "lost", s.Lost)
}

// Key is the catalogue's sentence for what a restart did to one queue.
func (s QueueSurvival) Key() string {
	switch {
	case s.Missing:
		return "survival.gone"
	case s.Lost > 0:
		return "survival.some"
	case s.Before > 0:
		return "survival.all"
	}
	return "survival.nothing"
}

// SurvivalEvent answers, after a reconnect, what survived the outage.
type SurvivalEvent struct {
	Type   EventType       `json:"type"`
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
func (LessonEvent) event()          {}

// LessonEvent is the lesson the presenter set up last: every viewer shows
// its title and what to watch until the next one. An empty Name: none.
type LessonEvent struct {
	Type  EventType `json:"type"`
	Name  string    `json:"name"`
	Title string    `json:"title,omitempty"`
	Watch string    `json:"watch,omitempty"`
	// TitleSaid and WatchSaid are the title and what to watch in every
	// language of the catalogue (Title and Watch are the lesson's own
	// English).
	TitleSaid words.Said `json:"title_said,omitempty"`
	WatchSaid words.Said `json:"watch_said,omitempty"`
	// Exchanges and Queues are what the lesson declared: the stage's
	// diagram shows them (and the queues bound to its exchanges) first.
	Exchanges []string `json:"exchanges,omitempty"`
	Queues    []string `json:"queues,omitempty"`
}

// decoders reads each event type into its struct.
var decoders = map[EventType]func([]byte) (Event, error){
	TypeBroker:          decodeAs[BrokerEvent],
	TypeQueue:           decodeAs[QueueEvent],
	TypeQueueGone:       decodeAs[QueueGoneEvent],
	TypeReceiver:        decodeAs[ReceiverEvent],
	TypeReceiverRemoved: decodeAs[ReceiverRemovedEvent],
	TypeDelivery:        decodeAs[DeliveryEvent],
	TypeSettled:         decodeAs[SettledEvent],
	TypePublished:       decodeAs[PublishedEvent],
	TypeRoute:           decodeAs[RouteEvent],
	TypeReturned:        decodeAs[ReturnedEvent],
	TypeSurvival:        decodeAs[SurvivalEvent],
	TypeTopology:        decodeAs[TopologyEvent],
	TypeObserve:         decodeAs[ObserveEvent],
	TypeObservedPublish: decodeAs[ObservedPublishEvent],
	TypeLesson:          decodeAs[LessonEvent],
	TypeConfirms:        decodeAs[ConfirmsEvent],
	TypePace:            decodeAs[PaceEvent],
}

func decodeAs[E Event](data []byte) (Event, error) {
	var e E
	err := json.Unmarshal(data, &e)
	return e, err
}

// DecodeEvent reads one event of the WebSocket contract into its struct,
// chosen by its "type".
func DecodeEvent(data []byte) (Event, error) {
	var head struct {
		Type EventType `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, err
	}
	decode, ok := decoders[head.Type]
	if !ok {
		return nil, fmt.Errorf("unknown event type %q", head.Type)
	}
	return decode(data)
}

// RecordBatchMax is the most events a batch of a recorded timeline (a
// stream message, see --record) holds, so that an event's place (its
// batch's offset times it, plus its line) is unique.
const RecordBatchMax = 1000
