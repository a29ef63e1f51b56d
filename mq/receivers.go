package mq

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"rabbitboard/board"
)

// stateRemoved is a receiver's wanted state only: it is then gone.
const stateRemoved board.ReceiverState = "removed"

// The actions rabbitboard takes itself.
const (
	actionShutdown board.Action = "shutdown" // the broker closing: leave at once
	actionRepace   board.Action = "repace"   // the pace went below 1 or back: consume in the mode it needs
)

// idPrefix starts the ids of this replica's receivers: ids are unique
// across the replicas of a group.
func (b *Broker) idPrefix() string {
	if b.cfg.Replica == "" {
		return ""
	}
	return b.cfg.Replica + "-"
}

// validateReceiver checks a receiver spec and fills in its defaults.
func validateReceiver(s *board.ReceiverSpec) error {
	if err := checkName("queue", s.Queue); err != nil {
		return err
	}
	switch s.Ack {
	case "":
		s.Ack = board.AckAuto
	case board.AckAuto, board.AckManual, board.AckInteractive:
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
	case s.Reply != "" && s.Reply != board.ReplyFibonacci:
		return invalid("err.reply", "want", fmt.Sprintf("%q", board.ReplyFibonacci), "value", fmt.Sprintf("%q", s.Reply))
	case s.Reply != "" && s.Ack != board.AckManual:
		return invalid("err.rpc_ack")
	}
	if s.Queue == DirectReplyTo && (s.Ack != board.AckAuto || s.Offset != "") {
		return invalid("err.reply_to_ack", "queue", DirectReplyTo)
	}
	if s.Offset != "" {
		if _, err := streamStart(s.Offset, time.Now()); err != nil {
			return err
		}
		if s.Ack == board.AckAuto || s.Prefetch == 0 {
			return invalid("err.stream_ack")
		}
	}
	return nil
}

// Receiver returns a receiver by id.
func (b *Broker) Receiver(id string) (*Receiver, error) {
	b.own.mu.Lock()
	defer b.own.mu.Unlock()
	r, ok := b.own.receivers[id]
	if !ok && b.obs.IsOutside(id) {
		return nil, board.Fail(board.CodeNotOwned, "err.not_owned", "receiver", fmt.Sprintf("%q", id))
	}
	if !ok {
		return nil, board.Fail(board.CodeNotFound, "err.no_receiver", "receiver", fmt.Sprintf("%q", id))
	}
	return r, nil
}

// Receivers lists rabbitboard's receivers in the order they were added,
// then the outside ones it observes.
func (b *Broker) Receivers() []board.ReceiverInfo {
	return append(b.ownReceivers(), b.obs.Receivers()...)
}

func (b *Broker) ownReceivers() []board.ReceiverInfo {
	b.own.mu.Lock()
	rs := make([]*Receiver, 0, len(b.own.order))
	for _, id := range b.own.order {
		rs = append(rs, b.own.receivers[id])
	}
	b.own.mu.Unlock()
	out := make([]board.ReceiverInfo, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Info())
	}
	return out
}

func (b *Broker) forget(id string) {
	b.own.mu.Lock()
	delete(b.own.receivers, id)
	b.own.order = slices.DeleteFunc(b.own.order, func(s string) bool { return s == id })
	b.own.mu.Unlock()
	b.cfg.Events(board.ReceiverRemovedEvent{Type: board.TypeReceiverRemoved, Receiver: id})
}
