package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"rabbitboard/board"
)

// ApplyRemote records and broadcasts an event that the replica sender
// sent. Even sealed with the cluster's key it is input: it is decoded into
// its type (one reading of it: the type the check sees is the type shown),
// checked against what that replica may say and the local limits, and
// broadcast as this replica encodes it, never as the bytes that came.
func (s *State) ApplyRemote(sender string, data []byte) {
	ev, err := board.DecodeEvent(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		err = s.checkRemoteLocked(sender, ev)
	}
	if err == nil {
		data, err = json.Marshal(ev)
	}
	if err == nil && len(data) > maxRemoteEvent {
		err = errTooLarge
	}
	if err != nil {
		s.remoteDropped++
		return
	}
	s.applyLocked(ev, data)
}

// The limits on what another replica's event may carry: names as AMQP
// allows them, bodies and headers as a preview (base64 makes 4 KiB 5.4),
// receivers as one replica may run, the whole as a large delivery.
const (
	maxRemoteName      = 255
	maxRemoteText      = 2 << 10
	maxRemotePreview   = 8 << 10
	maxRemoteReceivers = 128
	maxRemoteEvent     = 32 << 10
)

var (
	errNotShared   = errors.New("not an event replicas share")
	errNotSenders  = errors.New("about a receiver the sender does not run")
	errTooLarge    = errors.New("larger than the limits")
	errTooManyRecv = errors.New("more receivers than one replica may run")
)

// checkRemoteLocked says whether the replica sender may say ev: only the
// events replicas share, only about its own receivers (ids that carry its
// prefix, deliveries and settlements for receivers it announced), within
// the limits.
func (s *State) checkRemoteLocked(sender string, ev board.Event) error {
	own := func(id string) bool {
		rest, ok := strings.CutPrefix(id, sender+"-")
		return ok && rest != "" && len(id) <= 64
	}
	known := func(id string) bool { info, ok := s.receivers[id]; return ok && info.Replica == sender }
	switch e := ev.(type) {
	case board.ReceiverEvent:
		info := e.Receiver
		if !own(info.ID) || info.Replica != sender {
			return errNotSenders
		}
		if over(maxRemoteName, info.Name, info.Queue, info.Client, info.Connection, info.ConsumerTag, string(info.Ack), info.Kind, string(info.State)) || len(info.Error) > maxRemoteText {
			return errTooLarge
		}
		if _, ok := s.receivers[info.ID]; !ok && s.countLocked(sender) >= maxRemoteReceivers {
			return errTooManyRecv
		}
	case board.ReceiverRemovedEvent:
		if !own(e.Receiver) {
			return errNotSenders
		}
	case board.DeliveryEvent:
		if !known(e.Receiver) {
			return errNotSenders
		}
		if over(maxRemoteName, e.Queue, e.Exchange, e.RoutingKey) || len(e.Body) > maxRemotePreview {
			return errTooLarge
		}
	case board.SettledEvent:
		if !known(e.Receiver) {
			return errNotSenders
		}
	case board.PublishedEvent:
		if over(maxRemoteName, e.Exchange, e.RoutingKey) {
			return errTooLarge
		}
	case board.RouteEvent:
		if over(maxRemoteName, append([]string{e.Exchange, e.RoutingKey}, e.Queues...)...) || len(e.Queues) > 1000 {
			return errTooLarge
		}
	case board.ReturnedEvent:
		if over(maxRemoteName, e.Exchange, e.RoutingKey, e.ReplyText) || len(e.Body) > maxRemotePreview || len(e.Message) > maxRemoteText {
			return errTooLarge
		}
	case board.ObservedPublishEvent:
		if over(maxRemoteName, append([]string{e.Exchange, e.RoutingKey, e.Connection, e.Name}, e.RoutedQueues...)...) || len(e.Body) > maxRemotePreview || len(e.RoutedQueues) > 1000 {
			return errTooLarge
		}
	case board.LessonEvent:
		if over(maxRemoteName, e.Name) || len(e.Title) > maxRemoteText || len(e.Watch) > maxRemoteText {
			return errTooLarge
		}
	default:
		return errNotShared
	}
	return nil
}

// over says whether any of texts is longer than limit bytes.
func over(limit int, texts ...string) bool {
	return slices.ContainsFunc(texts, func(t string) bool { return len(t) > limit })
}

// countLocked counts the receivers a replica runs, as far as this one
// knows.
func (s *State) countLocked(replica string) int {
	n := 0
	for _, info := range s.receivers {
		if info.Replica == replica {
			n++
		}
	}
	return n
}

// eventType reads the type of an event this replica encoded: every event
// starts with it.
func eventType(data []byte) board.EventType {
	rest, ok := bytes.CutPrefix(data, []byte(`{"type":"`))
	if !ok {
		return ""
	}
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return board.EventType(rest[:end])
}

// RemoteDropped counts the other replicas' events left out.
func (s *State) RemoteDropped() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remoteDropped
}

// ReplicaGone marks the receivers of a replica that stopped or died gone:
// the broker gives back what they held.
func (s *State) ReplicaGone(replica string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.order {
		info := s.receivers[id]
		if info.Replica != replica || info.State == board.StateGone {
			continue
		}
		info.State = board.StateGone
		ev := board.ReceiverEvent{Type: board.TypeReceiver, Receiver: info}
		data, _ := json.Marshal(ev)
		s.applyLocked(ev, data)
	}
}
