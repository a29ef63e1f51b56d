// Package throttle keeps log lines about the same cause from flooding the
// log: another program can send thousands of messages that each deserve
// the same warning.
package throttle

import (
	"log/slog"
	"sync"
	"time"
)

// Logger says a warning about a cause at most once per Every; the next
// line about it says how many were left unsaid in between.
type Logger struct {
	Log   *slog.Logger
	Every time.Duration

	mu     sync.Mutex
	causes map[string]*cause
	now    func() time.Time
}

type cause struct {
	last   time.Time
	unsaid int
}

// maxCauses bounds what is remembered; past it the oldest are forgotten.
const maxCauses = 1024

// Warn logs msg with args unless a warning about the same cause was logged less
// than Every ago; then it is only counted.
func (l *Logger) Warn(about string, msg string, args ...any) {
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	l.mu.Lock()
	if l.causes == nil {
		l.causes = map[string]*cause{}
	}
	c, ok := l.causes[about]
	if ok && now.Sub(c.last) < l.Every {
		c.unsaid++
		l.mu.Unlock()
		return
	}
	if !ok {
		if len(l.causes) >= maxCauses {
			l.forgetOldest()
		}
		c = &cause{}
		l.causes[about] = c
	}
	unsaid := c.unsaid
	c.last, c.unsaid = now, 0
	l.mu.Unlock()
	if unsaid > 0 {
		args = append(args, "more_like_this_since_last_said", unsaid)
	}
	l.Log.Warn(msg, args...)
}

func (l *Logger) forgetOldest() {
	var oldest string
	var at time.Time
	for k, c := range l.causes {
		if oldest == "" || c.last.Before(at) {
			oldest, at = k, c.last
		}
	}
	delete(l.causes, oldest)
}
