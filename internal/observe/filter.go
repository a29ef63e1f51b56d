package observe

import (
	"slices"
	"strings"

	"rabbitboard/board"
)

// The outside columns the teacher chose: a filter on names, and clearing
// the columns of consumers that left.

// SetFilter limits observing to the queues, exchanges and
// connections whose names contain filter ("" shows everything); columns
// that no longer match leave the view.
func (o *Observer) SetFilter(filter string) board.ObserveEvent {
	o.mu.Lock()
	o.filter = filter
	o.mu.Unlock()
	o.remove(func(key consumerKey, r *outsideReceiver) bool {
		return !o.shownLocked(key.Queue, "", key.Connection, r.consumer.Name)
	})
	o.report()
	return o.Status()
}

// ClearGone removes the columns of other programs' consumers that are gone
// and says how many it removed.
func (o *Observer) ClearGone() int {
	return o.remove(func(_ consumerKey, r *outsideReceiver) bool { return r.state == board.StateGone })
}

// remove takes the outside columns that drop (called with o.mu held) out
// of the view, tells viewers, and says how many went.
func (o *Observer) remove(drop func(consumerKey, *outsideReceiver) bool) int {
	o.mu.Lock()
	var gone []string
	for key, r := range o.outside {
		if drop(key, r) {
			gone = append(gone, r.id)
			delete(o.outside, key)
		}
	}
	o.order = slices.DeleteFunc(o.order, func(k consumerKey) bool { return o.outside[k] == nil })
	o.mu.Unlock()
	for _, id := range gone {
		o.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
	}
	return len(gone)
}

// shownLocked says whether the filter lets a queue, exchange or
// connection (by the broker's name or people's) be shown.
func (o *Observer) shownLocked(queue, exchange, connection, name string) bool {
	f := o.filter
	return f == "" || (queue != "" && strings.Contains(queue, f)) || (exchange != "" && strings.Contains(exchange, f)) ||
		strings.Contains(connection, f) || (name != "" && strings.Contains(name, f))
}
