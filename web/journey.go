package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"
	"rabbitboard/words"
)

// JourneyStep is one thing that happened to a message, with its time.
type JourneyStep struct {
	At time.Time `json:"at"`
	// Step is what happened: published, routed, returned, expired (or
	// another x-death reason: rejected, maxlen, delivery_limit),
	// dead_lettered, delivered, ack, nack, reject, requeued.
	Step       string `json:"step"`
	Exchange   string `json:"exchange,omitempty"`
	RoutingKey string `json:"routing_key,omitempty"`
	Queue      string `json:"queue,omitempty"`
	// Queues a publish was routed to.
	Queues   []string `json:"queues,omitempty"`
	Receiver string   `json:"receiver,omitempty"`
	// Attempt counts the message's deliveries, from 1; a settled step has
	// the attempt it settles.
	Attempt int `json:"attempt,omitempty"`
	// Second: the broker gives this time to the second only (x-death).
	Second bool `json:"second,omitempty"`
	// Said is the step in a sentence, in each language.
	Said words.Said `json:"said"`
}

// Journey is a message's story, as far as the timeline kept it.
type Journey struct {
	MessageID string        `json:"message_id"`
	Steps     []JourneyStep `json:"steps"`
	// Unknown says what the timeline cannot tell about it.
	Unknown []words.Said `json:"unknown,omitempty"`
}

// journeyOf follows message id through the timeline's entries; name says a
// receiver's name and whether it is another program's.
func journeyOf(id string, entries []timelineEntry, name func(receiver string) (string, bool)) Journey {
	j := Journey{MessageID: id, Steps: []JourneyStep{}}
	delivered := map[string]int{} // receiver/seq -> step index
	deaths := map[string]bool{}   // the x-death entries told already
	outside := false
	var published time.Time
	names := map[string]string{} // receivers' names, as the timeline says them
	name = namedBy(names, name)
	for _, e := range entries {
		if !bytes.HasPrefix(e.data, []byte(`{"type":"receiver",`)) && !mentions(e.data, id) {
			continue
		}
		ev, err := board.DecodeEvent(e.data)
		if err != nil {
			continue
		}
		switch ev := ev.(type) {
		case board.ReceiverEvent:
			names[ev.Receiver.ID] = ev.Receiver.Name
		case board.PublishedEvent:
			if !publishedAs(ev, id) {
				continue
			}
			published = cmpTime(ev.SentAt, e.at)
			j.add(JourneyStep{At: published, Step: "published", Exchange: ev.Exchange, RoutingKey: ev.RoutingKey},
				"journey.published", "exchange", exchangeName(ev.Exchange), "key", ev.RoutingKey)
			j.routed(published, ev.Queues, ev.Returned > 0 && ev.Count == 1)
		case board.ObservedPublishEvent:
			if ev.Properties.MessageID != id {
				continue
			}
			published = e.at
			j.add(JourneyStep{At: e.at, Step: "published", Exchange: ev.Exchange, RoutingKey: ev.RoutingKey},
				"journey.published_outside", "exchange", exchangeName(ev.Exchange), "key", ev.RoutingKey, "connection", cmp.Or(ev.Name, ev.Connection))
			j.routed(e.at, ev.RoutedQueues, false)
		case board.ReturnedEvent:
			if ev.MessageID == id {
				j.add(JourneyStep{At: e.at, Step: "returned", Exchange: ev.Exchange, RoutingKey: ev.RoutingKey},
					"journey.returned", "reason", ev.ReplyText)
			}
		case board.DeliveryEvent:
			if ev.Properties.MessageID != id {
				continue
			}
			j.deaths(ev, deaths, published)
			who, other := name(ev.Receiver)
			outside = outside || other
			delivered[ev.Receiver+"/"+strconv.FormatInt(ev.Seq, 10)] = len(j.Steps)
			j.delivered(e.at, ev, who, len(delivered), published)
		case board.SettledEvent:
			if i, ok := delivered[ev.Receiver+"/"+strconv.FormatInt(ev.Seq, 10)]; ok {
				who, _ := name(ev.Receiver)
				j.add(JourneyStep{At: e.at, Step: string(ev.Outcome), Receiver: ev.Receiver, Attempt: j.Steps[i].Attempt}, "journey."+string(ev.Outcome), "receiver", who)
			}
		}
	}
	if published.IsZero() {
		j.Unknown = append(j.Unknown, words.InEvery(words.Say("journey.unknown_publish")))
	}
	if outside {
		j.Unknown = append(j.Unknown, words.InEvery(words.Say("journey.unknown_outside")))
	}
	j.order()
	return j
}

// order puts the steps in time order. A step the broker times to the
// second only is not put before the step it follows; a message taken back
// from a receiver was back in the queue before its next delivery, though
// rabbitboard may hear of the first after the second (the receiver's
// channel closes while the broker already delivers it again): it is told
// at the time of that delivery, before it.
func (j *Journey) order() {
	for i := 1; i < len(j.Steps); i++ {
		if j.Steps[i].Second && j.Steps[i].At.Before(j.Steps[i-1].At) {
			j.Steps[i].At = j.Steps[i-1].At
		}
	}
	for i, s := range j.Steps {
		if s.Step != string(board.OutcomeRequeued) {
			continue
		}
		for _, next := range j.Steps {
			if next.Step == "delivered" && next.Attempt > s.Attempt && next.At.Before(s.At) {
				j.Steps[i].At = next.At
				break
			}
		}
	}
	slices.SortStableFunc(j.Steps, func(a, b JourneyStep) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		switch {
		case a.Step == string(board.OutcomeRequeued) && b.Step == "delivered":
			return -1
		case b.Step == string(board.OutcomeRequeued) && a.Step == "delivered":
			return 1
		}
		return 0
	})
}

// namedBy names a receiver as it is now, else as the timeline said it.
func namedBy(said map[string]string, now func(string) (string, bool)) func(string) (string, bool) {
	return func(id string) (string, bool) {
		name, outside := now(id)
		if name == id && said[id] != "" {
			name = said[id]
		}
		return name, outside
	}
}

// mentions is a quick look before decoding: the event names id.
func mentions(data []byte, id string) bool {
	return bytes.Contains(data, []byte(`"settled"`)) || // names the delivery by its receiver and number
		bytes.Contains(data, []byte(strconv.Quote(id))) ||
		bytes.Contains(data, []byte(`"stamped":"`))
}

// publishedAs says whether a publish of rabbitboard's gave its message id.
func publishedAs(ev board.PublishedEvent, id string) bool {
	if ev.MessageID != "" {
		return ev.MessageID == id
	}
	n, err := strconv.Atoi(strings.TrimPrefix(id, ev.Stamped))
	return ev.Stamped != "" && strings.HasPrefix(id, ev.Stamped) && err == nil && n >= 1 && n <= ev.Count
}

func (j *Journey) add(step JourneyStep, key string, args ...any) {
	step.Said = words.InEvery(words.Say(key, args...))
	j.Steps = append(j.Steps, step)
}

// delivered tells a message's attempt-th delivery, and after the first
// how long it waited since it was published.
func (j *Journey) delivered(at time.Time, ev board.DeliveryEvent, who string, attempt int, published time.Time) {
	key := "journey.delivered"
	if ev.Redelivered {
		key = "journey.redelivered"
	}
	waited := ""
	if !published.IsZero() && attempt == 1 {
		waited = at.Sub(published).Round(time.Millisecond).String()
		key += "_waited"
	}
	j.add(JourneyStep{At: at, Step: "delivered", Queue: ev.Queue, Receiver: ev.Receiver, Attempt: attempt},
		key, "queue", ev.Queue, "receiver", who, "attempt", attempt, "waited", waited)
}

// routed says where a publish went.
func (j *Journey) routed(at time.Time, queues []string, returned bool) {
	switch {
	case len(queues) > 0:
		j.add(JourneyStep{At: at, Step: "routed", Queues: queues}, "journey.routed", "queues", strings.Join(queues, ", "))
	case !returned:
		j.add(JourneyStep{At: at, Step: "routed"}, "journey.dropped")
	}
}

// deaths adds what a delivery's x-death header tells, oldest first: each
// time the message died in a queue (expired, rejected...) and where it was
// dead-lettered to. An entry names the exchange and routing keys the
// message had when it came into that queue, so where a death sent it is
// the next entry's, and for the newest the delivery's own.
func (j *Journey) deaths(ev board.DeliveryEvent, told map[string]bool, published time.Time) {
	list, _ := ev.Headers["x-death"].([]any)
	for i := len(list) - 1; i >= 0; i-- { // the broker puts the newest first
		d, _ := list[i].(map[string]any)
		queue, reason := str(d["queue"]), str(d["reason"])
		seen := queue + "/" + reason + "/" + str(d["count"])
		if told[seen] {
			continue
		}
		told[seen] = true
		at, _ := time.Parse(time.RFC3339, str(d["time"]))
		at = cmpTime(maxTime(at, published), published)
		j.add(JourneyStep{At: at, Step: reason, Queue: queue, Second: true}, "journey.died_"+deathReason(reason), "queue", queue)
		exchange, keys := ev.Exchange, []string{ev.RoutingKey}
		if i > 0 {
			next, _ := list[i-1].(map[string]any)
			exchange, keys = str(next["exchange"]), nil
			for _, k := range asList(next["routing-keys"]) {
				keys = append(keys, str(k))
			}
		}
		j.add(JourneyStep{At: at, Step: "dead_lettered", Exchange: exchange, RoutingKey: strings.Join(keys, ", "), Queue: queue, Second: true},
			"journey.dead_lettered", "exchange", exchangeName(exchange), "keys", strings.Join(keys, ", "))
	}
}

func deathReason(reason string) string {
	switch reason {
	case "expired", "rejected", "maxlen", "delivery_limit":
		return reason
	}
	return "other"
}

func exchangeName(name string) string {
	if name == "" {
		return "(default)"
	}
	return name
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// getJourney answers a message's journey: GET /api/journey?message_id=ID.
func (s *Server) getJourney(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("message_id")
	if id == "" {
		respondError(w, r, badRequest("err.journey_id"))
		return
	}
	name := func(receiver string) (string, bool) {
		info, ok := s.cfg.State.Receiver(receiver)
		if !ok {
			return receiver, false
		}
		return info.Name, info.Kind == board.KindOutside
	}
	j := journeyOf(id, s.cfg.State.Timeline(0, time.Time{}, time.Time{}), name)
	if len(j.Steps) == 0 {
		respondError(w, r, board.Fail(board.CodeNotFound, "err.journey_none", "id", id))
		return
	}
	writeJSON(w, http.StatusOK, j)
}
