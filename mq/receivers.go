package mq

import (
	"fmt"
	"hash/fnv"
	"slices"
	"time"
	"unicode/utf8"

	"rabbitboard/words"
)

// AckMode is how a receiver acks what it gets.
type AckMode string

// The ack modes of a receiver.
const (
	AckAuto        AckMode = "auto"
	AckManual      AckMode = "manual"
	AckInteractive AckMode = "interactive"
)

// ReceiverState is what a receiver is doing.
type ReceiverState string

// The states of a receiver.
const (
	StateConsuming ReceiverState = "consuming"
	StatePaused    ReceiverState = "paused"
	StateKilled    ReceiverState = "killed"
	StateWaiting   ReceiverState = "waiting"
	StateStopping  ReceiverState = "stopping"
	// StateGone: another program's consumer that left the broker.
	StateGone    ReceiverState = "gone"
	stateRemoved ReceiverState = "removed" // wanted only: it is then gone
)

// Action is something done to a receiver, as the API names it.
type Action string

// The actions on a receiver. ActionDelete removes it once it finishes the message in hand.
const (
	ActionPause    Action = "pause"
	ActionResume   Action = "resume"
	ActionKill     Action = "kill"
	ActionDelete   Action = "delete"
	actionShutdown Action = "shutdown" // the broker closing: leave at once
	actionRepace   Action = "repace"   // the pace went below 1 or back: consume in the mode it needs
)

// Actions are the actions the API offers.
var Actions = []Action{ActionPause, ActionResume, ActionKill, ActionDelete}

// Outcome is what became of a delivery.
type Outcome string

// The outcomes of a delivery; the first three are also what an
// interactive receiver's user may choose.
const (
	OutcomeAck      Outcome = "ack"
	OutcomeNack     Outcome = "nack"
	OutcomeReject   Outcome = "reject"
	OutcomeRequeued Outcome = "requeued" // the channel closed and the broker took it back
)

// Chosen says whether someone may settle a delivery with this outcome.
func (o Outcome) Chosen() bool {
	return o == OutcomeAck || o == OutcomeNack || o == OutcomeReject
}

// ReceiverSpec is what a receiver is created with.
type ReceiverSpec struct {
	Queue    string  `json:"queue"`
	Name     string  `json:"name"`
	Prefetch int     `json:"prefetch"`
	Ack      AckMode `json:"ack"`
	WorkMS   int     `json:"work_ms"`
	DotMS    int     `json:"dot_ms"`
	// Reply makes the receiver an RPC server: "fibonacci" answers each
	// request that names a reply_to with fib(n) of its body, with the
	// request's correlation_id, once its work is done, then acks.
	Reply string `json:"reply,omitempty"`
	// Offset is where a receiver on a stream starts reading: first, last,
	// next (the default), an offset, or a time ("10m" ago, RFC 3339).
	Offset string `json:"offset,omitempty"`
}

// ReplyFibonacci is the RPC tutorial's server: it answers n with fib(n).
const ReplyFibonacci = "fibonacci"

// ReceiverInfo is a receiver as the API and the page show it.
type ReceiverInfo struct {
	ID string `json:"id"`
	ReceiverSpec
	// Colour is which of the page's eight colours marks the receiver.
	Colour int           `json:"colour"`
	State  ReceiverState `json:"state"`
	Counters
	// Error says why a waiting receiver waits.
	Error string `json:"error,omitempty"`
	// ErrorSaid is Error in each language the page speaks.
	ErrorSaid words.Said `json:"error_said,omitempty"`
	// Kind is KindOwn for rabbitboard's receivers, KindOutside for the
	// consumers of other programs it watches, which also say whose they
	// are: the client's product, the broker's name of the connection, the
	// channel and the consumer tags.
	Kind        string `json:"kind"`
	Client      string `json:"client,omitempty"`
	Connection  string `json:"connection,omitempty"`
	Channel     int    `json:"channel,omitempty"`
	ConsumerTag string `json:"consumer_tag,omitempty"`
	// Replica is the id of the replica that runs it, in a cluster.
	Replica string `json:"replica,omitempty"`
	// Start is where a receiver on a stream started (the spec's offset);
	// Offset is its position: the offset of the last message it got.
	Start  string `json:"start,omitempty"`
	Offset *int64 `json:"offset,omitempty"`
}

// colourFor picks a receiver's colour from its name, so the same name has
// the same colour in every run; a colour another receiver has is passed
// over for the next free one (the same names in the same order get the
// same colours).
func colourFor(name string, taken map[int]bool) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	first := int(h.Sum32() % 8)
	for i := range 8 {
		if c := (first + i) % 8; !taken[c] {
			return c
		}
	}
	return first
}

// idPrefix starts the ids of this replica's receivers: ids are unique
// across the replicas of a cluster.
func (b *Broker) idPrefix() string {
	if b.cfg.Replica == "" {
		return ""
	}
	return b.cfg.Replica + "-"
}

func (s *ReceiverSpec) validate() error {
	if err := checkName("queue", s.Queue); err != nil {
		return err
	}
	switch s.Ack {
	case "":
		s.Ack = AckAuto
	case AckAuto, AckManual, AckInteractive:
	default:
		return invalid("err.ack", "value", fmt.Sprintf("%q", s.Ack))
	}
	switch {
	case s.Prefetch < 0 || s.Prefetch > 65535:
		return invalid("err.prefetch")
	case s.WorkMS < 0 || s.WorkMS > 600000:
		return invalid("err.work_ms")
	case s.DotMS < 0 || s.DotMS > 60000:
		return invalid("err.dot_ms")
	case utf8.RuneCountInString(s.Name) > 100 || !utf8.ValidString(s.Name):
		return invalid("err.receiver_name")
	case s.Reply != "" && s.Reply != ReplyFibonacci:
		return invalid("err.reply", "want", fmt.Sprintf("%q", ReplyFibonacci), "value", fmt.Sprintf("%q", s.Reply))
	case s.Reply != "" && s.Ack != AckManual:
		return invalid("err.rpc_ack")
	}
	if s.Queue == DirectReplyTo && (s.Ack != AckAuto || s.Offset != "") {
		return invalid("err.reply_to_ack", "queue", DirectReplyTo)
	}
	if s.Offset != "" {
		if _, err := streamStart(s.Offset, time.Now()); err != nil {
			return err
		}
		if s.Ack == AckAuto || s.Prefetch == 0 {
			return invalid("err.stream_ack")
		}
	}
	return nil
}

// Receiver returns a receiver by id.
func (b *Broker) Receiver(id string) (*Receiver, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.receivers[id]
	if !ok && b.obs.isOutside(id) {
		return nil, Fail(CodeNotOwned, "err.not_owned", "receiver", fmt.Sprintf("%q", id))
	}
	if !ok {
		return nil, Fail(CodeNotFound, "err.no_receiver", "receiver", fmt.Sprintf("%q", id))
	}
	return r, nil
}

// Receivers lists rabbitboard's receivers in the order they were added,
// then the outside ones it watches.
func (b *Broker) Receivers() []ReceiverInfo {
	return append(b.ownReceivers(), b.obs.outsideInfos()...)
}

func (b *Broker) ownReceivers() []ReceiverInfo {
	b.mu.Lock()
	rs := make([]*Receiver, 0, len(b.order))
	for _, id := range b.order {
		rs = append(rs, b.receivers[id])
	}
	b.mu.Unlock()
	out := make([]ReceiverInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Info())
	}
	return out
}

func (b *Broker) forget(id string) {
	b.mu.Lock()
	delete(b.receivers, id)
	b.order = slices.DeleteFunc(b.order, func(s string) bool { return s == id })
	b.mu.Unlock()
	b.cfg.Events(ReceiverRemovedEvent{Type: TypeReceiverRemoved, Receiver: id})
}
