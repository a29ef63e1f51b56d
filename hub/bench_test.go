package hub

import (
	"bytes"
	"testing"
)

// BenchmarkBroadcast100 queues one 400-byte event for 100 viewers, as the
// delivery path does for each message (writers are not running, so this
// is the cost the broadcaster pays).
func BenchmarkBroadcast100(b *testing.B) {
	h := New(Options{MaxQueueBytes: 1 << 30})
	for range 100 {
		c := newClient(h, nil)
		h.clients[c] = struct{}{}
	}
	event := bytes.Repeat([]byte("x"), 400)
	b.ReportAllocs()
	for b.Loop() {
		h.Broadcast(event)
	}
}
