package board

import "time"

// Stream start positions, as a receiver's offset names them.
const (
	OffsetFirst = "first"
	OffsetLast  = "last"
	OffsetNext  = "next"
)

// IsStream says whether queue arguments make a stream.
func IsStream(args map[string]any) bool { return args["x-queue-type"] == "stream" }

// StreamMessage is one entry of a stream's log.
type StreamMessage struct {
	Offset int64 `json:"offset"`
	Content
	// At is the message's timestamp property, when its publisher set one.
	At *time.Time `json:"at,omitempty"`
}

// StreamLog is a stretch of a stream, read without taking anything: the
// first and last offsets the log holds, and the messages from an offset.
type StreamLog struct {
	Stream string `json:"stream"`
	// First and Last are nil for an empty stream.
	First     *int64          `json:"first"`
	Last      *int64          `json:"last"`
	Arguments map[string]any  `json:"arguments"`
	Messages  []StreamMessage `json:"messages"`
}

// StreamReader is a program reading a stream over the stream protocol
// (port 5552), as the management plugin's stream plugin lists it: its
// position (offset) and what it was sent are the broker's own figures.
type StreamReader struct {
	Stream     string `json:"stream"`
	Name       string `json:"name"`
	Connection string `json:"connection"`
	Offset     int64  `json:"offset"`
	Lag        int64  `json:"offset_lag"`
	Consumed   int64  `json:"consumed"`
}
