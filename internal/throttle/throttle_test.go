package throttle

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// 5,000 warnings of one cause in a second are one line; the next, after
// the interval, says how many went unsaid; another cause has its own.
func TestWarn(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	l := &Logger{Log: slog.New(slog.NewTextHandler(&out, nil)), Every: 10 * time.Second, now: func() time.Time { return now }}
	for range 5000 {
		l.Warn("undecodable q1", "a message's headers could not be decoded", "queue", "q1")
		now = now.Add(time.Millisecond / 5)
	}
	l.Warn("undecodable q2", "a message's headers could not be decoded", "queue", "q2")
	now = now.Add(10 * time.Second)
	l.Warn("undecodable q1", "a message's headers could not be decoded", "queue", "q1")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	if !strings.Contains(lines[1], "queue=q2") || !strings.Contains(lines[2], "more_like_this_since_last_said=4999") {
		t.Fatalf("lines:\n%s", out.String())
	}
}
