package templates

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"rabbitboard/board"

	"github.com/a-h/templ"
)

// The page's script fills the same components it gets as <template>
// elements: fields marked data-f take text, data-show toggles hidden,
// data-v sets an input's value, data-enable enables an input, and the
// placeholders below in a form's action are replaced by the values they
// name.
const (
	idPlaceholder  = "{id}"
	tagPlaceholder = "{tag}"
)

func receiverPath(id string, action board.Action) templ.SafeURL {
	return templ.URL("/api/receivers/" + url.PathEscape(id) + "/" + string(action))
}

func settlePath(id, tag string, outcome board.Outcome) templ.SafeURL {
	return templ.URL("/api/receivers/" + url.PathEscape(id) + "/deliveries/" + url.PathEscape(tag) + "/" + string(outcome))
}

func itoa[T ~int | ~int64 | ~uint64 | ~uint8](n T) string { return fmt.Sprint(n) }

// ColumnView is a receiver's column head.
type ColumnView struct {
	ID, Name, Queue, Settings, Error string
	Colour                           int
	State                            board.ReceiverState
	StateLabel                       string
	Received, Acked, Unacked         int64
	Undecodable                      int64
	// Resumable: paused or killed, so it offers Resume instead of Pause.
	Resumable bool
	Controls  bool
	// Outside: another program's consumer, observed; Client says whose.
	Outside bool
	Client  string
	// Replica says which replica of a cluster runs it.
	Replica string
	// Position says where a stream receiver reads.
	Position string
	// Fed says which bindings feed its queue, besides the default exchange.
	Fed string
}

func columnView(l Lang, r board.ReceiverInfo, bindings []board.BindingSpec, presenter bool) ColumnView {
	v := ColumnView{
		ID: r.ID, Name: r.Name, Queue: r.Queue, Error: r.ErrorSaid.In(l, r.Error), Colour: r.Colour, State: r.State,
		Settings:   l.T("receiver.settings", "prefetch", r.Prefetch, "ack", r.Ack, "work_ms", r.WorkMS, "dot_ms", r.DotMS),
		StateLabel: l.T("state." + string(displayState(r))),
		Received:   r.Received, Acked: r.Acked, Unacked: r.Unacked, Undecodable: r.Undecodable,
		Resumable: r.State == board.StatePaused || r.State == board.StateKilled,
		Controls:  presenter,
	}
	if r.Replica != "" {
		v.Replica = l.T("receiver.replica", "replica", r.Replica)
	}
	var routes []string
	for _, b := range bindings {
		if b.Queue == r.Queue && b.Exchange != "" {
			routes = append(routes, l.T("receiver.route", "exchange", b.Exchange, "label", b.Label))
		}
	}
	if len(routes) > 0 {
		v.Fed = l.T("receiver.fed", "routes", strings.Join(routes, ", "))
	}
	switch {
	case r.Start != "" && r.Offset != nil:
		v.Position = l.T("receiver.position", "offset", *r.Offset, "start", r.Start)
	case r.Start != "":
		v.Position = l.T("receiver.from", "start", r.Start)
	}
	if r.Kind == board.KindOutside {
		v.Outside = true
		v.Settings = l.T("receiver.outside", "prefetch", r.Prefetch, "ack", r.Ack)
		v.Client = l.T("receiver.client", "client", r.Client, "connection", r.Connection, "channel", r.Channel)
	}
	return v
}

// displayState is the receiver's state as the column says it: a manual
// receiver of rabbitboard's holding messages while consuming is working on
// them (another program's is only known to hold them). (The
// page's script says it the same way, in displayState.)
func displayState(r board.ReceiverInfo) string {
	if r.Ack == board.AckManual && r.Unacked > 0 && r.State == board.StateConsuming && r.Kind != board.KindOutside {
		return "working"
	}
	return string(r.State)
}

// CardView is one delivery's card.
type CardView struct {
	ID, Tag     string // the receiver's id and the delivery tag, for paths
	Receiver    string // the receiver's name, for the buttons' names
	Seq         string
	Body        string
	Undecodable string
	Summary     string
	Redelivered bool
	Get         bool
	Outcome     board.Outcome
	Props       [][2]string
	// Offset is a stream message's place in the log, in words.
	Offset string
	// Controls offers Ack, Nack and Reject (interactive, unsettled, and
	// shown to the presenter).
	Controls bool
	// Again offers the presenter to publish the message again (a card
	// whose body or headers were cut short cannot be).
	Again bool
	// MessageID, when the message has one, offers its journey.
	MessageID string
}

func cardView(l Lang, r board.ReceiverInfo, d board.DeliveryEvent, outcome board.Outcome, presenter bool) CardView {
	offset := ""
	if d.Offset != nil {
		offset = l.T("card.offset", "offset", *d.Offset)
	}
	return CardView{
		Offset: offset, ID: r.ID, Receiver: r.Name, Tag: itoa(d.DeliveryTag), Seq: itoa(d.Seq), Body: cardBody(d), Undecodable: d.UndecodableSaid.In(l, d.Undecodable),
		Summary:     l.T("card.summary", "exchange", d.Exchange, "routing_key", d.RoutingKey, "body_size", d.BodySize, "encoding", l.T("encoding."+cmp.Or(d.Encoding, "text"))),
		Redelivered: d.Redelivered, Get: isGet(r, d), Outcome: outcome, Props: props(l, d),
		Controls:  presenter && r.Ack == board.AckInteractive && outcome == "",
		Again:     presenter && !d.Truncated && !d.HeadersTruncated && d.Undecodable == "",
		MessageID: d.Properties.MessageID,
	}
}

// journeyURL is where a message's journey is told.
func journeyURL(id string) templ.SafeURL {
	return templ.URL("/api/journey?message_id=" + url.QueryEscape(id))
}

// isGet says whether a card is marked basic.get: traced before the broker
// listed a consumer for it, and still no consumer of that channel and queue
// explains it (as the script's isGet).
func isGet(r board.ReceiverInfo, d board.DeliveryEvent) bool { return d.Get && r.ConsumerTag == "" }

// cardBody marks a body cut short with "…", as the script does.
func cardBody(d board.DeliveryEvent) string {
	if d.Truncated {
		return d.Body + "…"
	}
	return d.Body
}

// props lists a delivery's properties that are set, in the order of the
// event's fields, then its headers by name: the order the page's script
// draws them in.
func props(l Lang, d board.DeliveryEvent) [][2]string {
	var out [][2]string
	add := func(v reflect.Value, t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous || name == "" || v.Field(i).IsZero() {
				continue
			}
			out = append(out, [2]string{name, fmt.Sprint(v.Field(i).Interface())})
		}
	}
	add(reflect.ValueOf(d.Properties.PublishProperties), reflect.TypeFor[board.PublishProperties]())
	add(reflect.ValueOf(d.Properties), reflect.TypeFor[board.Properties]())
	for _, k := range slices.Sorted(maps.Keys(d.Headers)) {
		out = append(out, [2]string{l.T("card.header", "name", k), headerText(d.Headers[k])})
	}
	if d.HeadersTruncated {
		out = append(out, [2]string{l.T("card.headers"), l.T("card.more_headers")})
	}
	return out
}

// headerText shows a header value: lists and tables as JSON.
func headerText(v any) string {
	switch v.(type) {
	case map[string]any, []any:
		data, _ := json.Marshal(v)
		return string(data)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// redeclarable says whether the survival table offers to declare a lost
// queue again: it is gone and not declared since.
func redeclarable(s board.QueueSurvival, queues []board.QueueInfo) bool {
	return s.Missing && !slices.ContainsFunc(queues, func(q board.QueueInfo) bool { return q.Name == s.Name })
}

// ObservedLine says in words what another program published and where it
// went.
func ObservedLine(l Lang, p board.ObservedPublishEvent) string {
	to := l.T("observed.to", "exchange", p.Exchange, "routing_key", p.RoutingKey)
	if p.Exchange == "" {
		to = l.T("observed.default", "routing_key", p.RoutingKey)
	}
	queues := strings.Join(p.RoutedQueues, ", ")
	if queues == "" {
		queues = l.T("observed.nowhere")
	}
	return l.T("observed.line", "name", p.Name, "body", p.Body, "to", to, "queues", queues)
}

// brokerLabel says how rabbitboard is connected, naming the node in use.
// (The page's script says it the same way, in brokerLabel.)
func brokerLabel(l Lang, b board.BrokerEvent) string {
	return board.BrokerSaid(b.State, b.Node).In(l)
}

// stageLabel names what the stage toggle does.
func stageLabel(l Lang, stage bool) string {
	if stage {
		return l.T("stage.leave")
	}
	return l.T("stage.enter")
}

// otherLang is the language the page's switch offers.
func otherLang(l Lang) Lang {
	if l == Korean {
		return English
	}
	return Korean
}

// confirmsCell is one figure of the publisher confirms lesson: a way's
// rate (messages a second) or mean latency (ms), as the script writes them.
func confirmsCell(c *board.ConfirmsEvent, way, what string) string {
	if c == nil {
		return ""
	}
	for _, s := range c.Strategies {
		if s.Name == way {
			if what == "rate" {
				return strconv.Itoa(int(s.Rate + 0.5))
			}
			return strconv.FormatFloat(s.LatencyMS, 'f', 2, 64)
		}
	}
	return ""
}

// paceWords is the pace bar's line: nothing at full speed.
func paceWords(ctx context.Context, pace float64) string {
	if pace == 1 {
		return ""
	}
	return board.PaceSaid(pace).In(langOf(ctx))
}

// paceButton names a pace on its button: "0.25x", or "Hold" for 0.
func paceButton(ctx context.Context, pace float64) string {
	if pace == 0 {
		return Tx(ctx, "pace.hold")
	}
	return fmt.Sprintf("%gx", pace)
}

// ReplayView is what the replay bar shows: whether a stretch of the
// timeline is shown again, at which speed, said in a sentence.
type ReplayView struct {
	On    bool
	Speed float64
	// At is the time of the last event shown; Shown of Total were.
	At           time.Time
	Shown, Total int
	Ended        bool
	// File names the recorded timeline played (--replay): nothing is live.
	File string
	// Speeds are the speeds offered (0: step by step).
	Speeds []float64
	// KeptSeconds is how far back the slider reaches.
	KeptSeconds int
}

// replayBanner says what the page shows in a replay: its time, and its
// speed, step or end (the page's script says it with the same words).
func replayBanner(ctx context.Context, v ReplayView) string {
	at := v.At.Local().Format("15:04:05")
	switch {
	case v.Ended:
		return Tx(ctx, "replay.banner_end", "at", at)
	case v.Speed == 0:
		return Tx(ctx, "replay.banner_step", "at", at, "shown", v.Shown, "total", v.Total)
	}
	return Tx(ctx, "replay.banner", "at", at, "speed", v.Speed)
}

// replaySpeed names a replay speed on its button: "0.5x", or "Step" for 0.
func replaySpeed(ctx context.Context, speed float64) string {
	if speed == 0 {
		return Tx(ctx, "replay.step")
	}
	return fmt.Sprintf("%gx", speed)
}
