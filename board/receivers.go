package board

import (
	"hash/fnv"

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
	StateGone ReceiverState = "gone"
)

// Action is something done to a receiver, as the API names it.
type Action string

// The actions on a receiver. ActionDelete removes it once it finishes the message in hand.
const (
	ActionPause  Action = "pause"
	ActionResume Action = "resume"
	ActionKill   Action = "kill"
	ActionDelete Action = "delete"
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
	// consumers of other programs it observes, which also say whose they
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

// ColourFor picks a receiver's colour from its name, so the same name has
// the same colour in every run; a colour another receiver has is passed
// over for the next free one (the same names in the same order get the
// same colours).
func ColourFor(name string, taken map[int]bool) int {
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
