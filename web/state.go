package web

import (
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/words"
)

// Viewers is what the state needs of the WebSocket hub.
type Viewers interface {
	Broadcast(event []byte)
	BroadcastDelivery(event []byte, brief hub.Brief)
	Join(conn *websocket.Conn, first [][]byte, deliveries hub.Deliveries) *hub.Client
	FirstFrameBudget() int
	Stats() hub.Stats
}

// recentDelivery is a delivery kept for late joiners, with what became of
// it, and its event as it was broadcast: a snapshot reuses those bytes.
type recentDelivery struct {
	board.DeliveryEvent
	Settled   board.Outcome `json:"settled,omitempty"`
	SettledAt time.Time     `json:"settled_at,omitzero"`
	data      []byte
	suffix    []byte // how it was settled, to end data with in a snapshot
}

// recentRing keeps a receiver's latest deliveries in a ring of fixed size,
// a new one taking the oldest one's place: at thousands of deliveries a
// second, a slice trimmed now and then allocated more than anything else
// on the delivery path.
type recentRing struct {
	buf   []recentDelivery
	start int // where the oldest is, once buf is full
}

func (r *recentRing) add(d recentDelivery, size int) {
	switch {
	case size <= 0:
		return
	case len(r.buf) < size:
		r.buf = append(r.buf, d)
	default:
		r.buf[r.start] = d
		r.start = (r.start + 1) % len(r.buf)
	}
}

func (r *recentRing) len() int {
	if r == nil {
		return 0
	}
	return len(r.buf)
}

// at is the i-th delivery kept, from the oldest.
func (r *recentRing) at(i int) *recentDelivery { return &r.buf[(r.start+i)%len(r.buf)] }

// State is what every viewer sees: the broker, the queues, the receivers and
// their recent deliveries. Each event updates it and is broadcast under one
// lock, so a viewer that joins gets a snapshot and then exactly the events
// after it.
type State struct {
	viewers Viewers
	history int
	log     *slog.Logger

	mu        sync.Mutex
	broker    board.BrokerEvent
	queues    map[string]board.QueueInfo
	receivers map[string]board.ReceiverInfo
	order     []string
	recent    map[string]*recentRing // per receiver
	survival  *board.SurvivalEvent   // what the last broker outage kept and lost
	topology  board.TopologyEvent
	observe   board.ObserveEvent
	observed  []board.ObservedPublishEvent // the latest publishes of other programs
	lesson    board.LessonEvent            // the lesson set up last
	pace      float64                      // the pace of rabbitboard's receivers
	timeline  timeline                     // every event sent, kept for a while
	replay    *replayer                    // shows a stretch of the timeline again
	recorder  Recorder                     // keeps the timeline in a stream, when recording
	confirms  *board.ConfirmsEvent         // the publisher confirms lesson's last measurement
	rates     rates                        // what the charts count, each second of the last minute
	activity  json.RawMessage              // the publish the lesson bar says, as it was broadcast

	// forward, in a cluster of replicas, sends this replica's shared events
	// to the others; self is this replica's id.
	forward       func(event []byte)
	self          string
	remoteDropped int64 // other replicas' events left out
}

// shared are the events replicas send each other: what is about receivers
// and publishes. Each replica reports the broker, queues and topology from
// its own connection.
var shared = map[board.EventType]bool{
	board.TypeReceiver: true, board.TypeReceiverRemoved: true, board.TypeDelivery: true, board.TypeSettled: true,
	board.TypePublished: true, board.TypeReturned: true, board.TypeRoute: true, board.TypeObservedPublish: true,
	board.TypeLesson: true,
}

// Share makes the state one replica's of a cluster: forward gets each of
// its shared events, encoded; ApplyRemote takes the others'.
func (s *State) Share(self string, forward func(event []byte)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.self, s.forward = self, forward
}

// NewState returns an empty State that keeps history deliveries per receiver.
func NewState(viewers Viewers, history int, log *slog.Logger) *State {
	return &State{
		viewers: viewers, history: history, log: log,
		broker:    board.NewBrokerEvent(board.BrokerConnecting, "", ""),
		observe:   board.ObserveEvent{Type: board.TypeObserve, Tracing: board.TracingUnknown},
		pace:      1,
		replay:    newReplayer(viewers),
		timeline:  timeline{events: DefaultTimelineEvents, age: DefaultTimelineAge},
		queues:    map[string]board.QueueInfo{},
		receivers: map[string]board.ReceiverInfo{},
		recent:    map[string]*recentRing{},
		rates:     rates{},
	}
}

// Apply records an event and broadcasts it. It is mq's event sink: it
// never blocks on a viewer.
func (s *State) Apply(ev board.Event) {
	data, err := encode(ev)
	if err != nil {
		s.log.Error("cannot encode event", "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applyLocked(ev, data)
	if s.recorder != nil {
		// The stream is the timeline: this replica records its own
		// events, and reads everyone's back.
		s.recorder.Add(data, time.Now())
	}
	if s.forward != nil && shared[eventType(data)] { // the type this replica wrote first
		s.forward(data)
	}
}

// encode encodes an event as json.Marshal does; an event that appends
// its own JSON (the delivery event, sent thousands of times a second)
// does so without reflection.
func encode(ev board.Event) ([]byte, error) {
	if a, ok := ev.(interface {
		AppendJSON([]byte) ([]byte, error)
	}); ok {
		return a.AppendJSON(make([]byte, 0, 512))
	}
	return json.Marshal(ev)
}

// endLesson takes a lesson that was reset off every viewer's screen, if
// it is the one shown.
func (s *State) endLesson(name string) {
	s.mu.Lock()
	current := s.lesson.Name
	s.mu.Unlock()
	if current == name {
		s.Apply(board.LessonEvent{Type: board.TypeLesson})
	}
}

// Owner is the replica that runs a receiver, as far as this one knows.
func (s *State) Owner(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receivers[id].Replica
}

// Receiver is a receiver every viewer sees.
func (s *State) Receiver(id string) (board.ReceiverInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info, ok := s.receivers[id]
	return info, ok
}

// Receivers are the receivers every viewer sees, in order.
func (s *State) Receivers() []board.ReceiverInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.receiversLocked()
}

func (s *State) receiversLocked() []board.ReceiverInfo {
	list := make([]board.ReceiverInfo, 0, len(s.order))
	for _, id := range s.order {
		list = append(list, s.receivers[id])
	}
	return list
}

// OwnEvents are the events that make up this replica's part of the
// dashboard, for a replica that just appeared: each of its receivers'
// recent deliveries, with what became of them, then the receiver itself.
func (s *State) OwnEvents() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var events [][]byte
	for _, id := range s.order {
		info := s.receivers[id]
		if info.Replica != s.self || s.self == "" {
			continue
		}
		r := s.recent[id]
		for i := range r.len() {
			d := r.at(i)
			events = append(events, d.data)
			if d.Settled != "" {
				settled, _ := json.Marshal(board.SettledEvent{Type: board.TypeSettled, Receiver: id, DeliveryTag: d.DeliveryTag, Seq: d.Seq, Outcome: d.Settled, At: d.SettledAt})
				events = append(events, settled)
			}
		}
		ev, _ := json.Marshal(board.ReceiverEvent{Type: board.TypeReceiver, Receiver: info})
		events = append(events, ev)
	}
	return events
}

// applyLocked records an event and broadcasts its encoding.
func (s *State) applyLocked(ev board.Event, data []byte) {
	s.rates.count(ev, s.receivers)
	switch e := ev.(type) {
	case board.BrokerEvent:
		s.broker = e
	case board.QueueEvent:
		s.queues[e.Queue.Name] = e.Queue
	case board.QueueGoneEvent:
		delete(s.queues, e.Queue)
	case board.ReceiverEvent:
		s.setReceiver(e.Receiver)
	case board.ReceiverRemovedEvent:
		delete(s.receivers, e.Receiver)
		delete(s.recent, e.Receiver)
		s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == e.Receiver })
	case board.DeliveryEvent:
		s.updateCounters(e.Receiver, e.Counters)
		if info, ok := s.receivers[e.Receiver]; ok && e.Offset != nil {
			info.Offset = e.Offset
			s.receivers[e.Receiver] = info
		}
		r := s.recent[e.Receiver]
		if r == nil {
			r = &recentRing{}
			s.recent[e.Receiver] = r
		}
		r.add(recentDelivery{DeliveryEvent: e, data: data}, s.history)
	case board.SurvivalEvent:
		s.survival = &e
	case board.TopologyEvent:
		s.topology = e
	case board.ObserveEvent:
		s.observe = e
	case board.PaceEvent:
		s.pace = e.Pace
	case board.LessonEvent:
		s.lesson = e
	case board.ConfirmsEvent:
		s.confirms = &e
	case board.PublishedEvent:
		s.activity = data
	case board.RouteEvent:
		if len(e.Queues) == 0 {
			s.activity = data // the lesson bar says it reached no queue
		}
	case board.ObservedPublishEvent:
		s.activity = data
		s.observed = append(s.observed, e)
		if len(s.observed) > 2*observedKept {
			s.observed = append(s.observed[:0:0], s.observed[len(s.observed)-observedKept:]...)
		}
	case board.SettledEvent:
		s.updateCounters(e.Receiver, e.Counters)
		r := s.recent[e.Receiver]
		for i := r.len() - 1; i >= 0; i-- {
			if d := r.at(i); d.Seq == e.Seq {
				d.Settled, d.SettledAt = e.Outcome, e.At
				d.suffix = settledSuffix(e.Outcome, e.At)
				break
			}
		}
	}
	if s.recorder == nil {
		s.timeline.add(data, time.Now())
	}
	if d, ok := ev.(hub.Brief); ok { // a delivery; the interface holds it already, no copy is made
		s.viewers.BroadcastDelivery(data, d)
		return
	}
	s.viewers.Broadcast(data)
}

func (s *State) setReceiver(info board.ReceiverInfo) {
	if _, ok := s.receivers[info.ID]; !ok {
		s.order = append(s.order, info.ID)
	}
	s.receivers[info.ID] = info
}

func (s *State) updateCounters(id string, c board.EventCounters) {
	if info, ok := s.receivers[id]; ok {
		info.Counters = board.Counters(c)
		s.receivers[id] = info
	}
}

// Snapshot is the state as one event, the first a viewer gets.
type Snapshot struct {
	Type      board.EventType      `json:"type"`
	Broker    board.BrokerEvent    `json:"broker"`
	Queues    []board.QueueInfo    `json:"queues"`
	Receivers []board.ReceiverInfo `json:"receivers"`
	Recent    []recentDelivery     `json:"recent,omitempty"` // Join writes it from the broadcast bytes
	Survival  *board.SurvivalEvent `json:"survival"`
	Exchanges []board.ExchangeSpec `json:"exchanges"`
	Bindings  []board.BindingSpec  `json:"bindings"`
	Observe   board.ObserveEvent   `json:"observe"`
	// Observed are the latest publishes of other programs, oldest first.
	Observed []board.ObservedPublishEvent `json:"observed"`
	// Lesson is the lesson set up last (an empty name: none).
	Lesson board.LessonEvent `json:"lesson"`
	// Confirms is the publisher confirms lesson's last measurement.
	Confirms *board.ConfirmsEvent `json:"confirms,omitempty"`
	// Pace is the pace of rabbitboard's receivers (1: full speed), and
	// PaceSaid it in each language.
	Pace     float64    `json:"pace"`
	PaceSaid words.Said `json:"pace_said"`
	// At is the server's time: a page measures its clock against it.
	At time.Time `json:"at"`
	// Rates are the charts' counts of the last minute.
	Rates Rates `json:"rates"`
	// Activity is the last publish the lesson bar says (a published,
	// route or observed_publish event).
	Activity json.RawMessage `json:"activity,omitempty"`
	// Replay, while a stretch of the timeline is shown again, says which.
	Replay *ReplayEvent `json:"replay,omitempty"`
}

// observedKept is how many publishes of other programs a late joiner sees.
const observedKept = 10

// snapshotLocked is the state without its recent deliveries.
func (s *State) snapshotLocked() Snapshot {
	snap := Snapshot{Type: board.TypeSnapshot, Broker: s.broker, Survival: s.survival, Queues: []board.QueueInfo{},
		Exchanges: s.topology.Exchanges, Bindings: s.topology.Bindings, Observe: s.observe, Lesson: s.lesson, Confirms: s.confirms, Pace: s.pace, PaceSaid: words.InEvery(board.PaceSaid(s.pace)),
		Observed: append([]board.ObservedPublishEvent{}, s.observed[max(0, len(s.observed)-observedKept):]...),
		At:       time.Now(), Activity: s.activity, Replay: s.replay.status()}
	snap.Rates = s.rates.snapshot(snap.At)
	if snap.Exchanges == nil {
		snap.Exchanges, snap.Bindings = []board.ExchangeSpec{}, []board.BindingSpec{}
	}
	names := make([]string, 0, len(s.queues))
	for name := range s.queues {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		snap.Queues = append(snap.Queues, s.queues[name])
	}
	snap.Receivers = s.receiversLocked()
	return snap
}

// Snapshot returns a copy of the current state.
func (s *State) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snapshotLocked()
	for _, id := range s.order {
		r := s.recent[id]
		for i := range r.len() {
			snap.Recent = append(snap.Recent, *r.at(i))
		}
	}
	return snap
}

// Join adds a viewer: its first frame is the snapshot, then every event.
// The snapshot is built under the lock but not encoded whole: its recent
// deliveries are the bytes each was broadcast as, shared by every viewer
// that joins, so joining costs neither an encoding of the whole state nor
// a copy of it per viewer. Only the newest deliveries that fit the hub's
// first-frame budget go in, shared out evenly between the receivers.
func (s *State) Join(conn *websocket.Conn, deliveries hub.Deliveries) (*hub.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.snapshotLocked()
	head, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	pieces := [][]byte{head[:len(head)-1], []byte(`,"recent":[`)}
	budget := s.viewers.FirstFrameBudget() - len(head)
	per := budget / max(1, len(s.order))
	n := 0
	for _, id := range s.order {
		r := s.recent[id]
		from, size := r.len(), 0
		for from > 0 && size+len(r.at(from-1).data)+32 <= per {
			from--
			size += len(r.at(from).data) + 32
		}
		for i := from; i < r.len(); i++ {
			d := r.at(i)
			if n > 0 {
				pieces = append(pieces, comma)
			}
			n++
			if d.Settled == "" {
				pieces = append(pieces, d.data)
				continue
			}
			pieces = append(pieces, d.data[:len(d.data)-1], d.suffix)
		}
	}
	pieces = append(pieces, []byte("]}"))
	var client *hub.Client
	s.replay.join(pieces, budget-per*len(s.order), func(first [][]byte) { client = s.viewers.Join(conn, first, deliveries) })
	return client, nil
}

var comma = []byte{','}

// settledSuffix ends a recent delivery's event with what became of it
// and when.
func settledSuffix(outcome board.Outcome, at time.Time) []byte {
	o, _ := json.Marshal(outcome)
	b := append([]byte(`,"settled":`), o...)
	if !at.IsZero() {
		t, _ := at.MarshalJSON()
		b = append(append(b, `,"settled_at":`...), t...)
	}
	return append(b, '}')
}
