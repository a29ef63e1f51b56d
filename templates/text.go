package templates

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
)

// Text is every sentence the page shows, by key, for the server's page and
// for the page's script alike (the page carries it as JSON): one place to
// change a word, and to translate it. "{name}" marks a value.
var Text = map[string]string{
	"page.stream":            "stream (a log: read, never taken; needs durable)",
	"page.max_bytes":         "Keep at most (bytes, streams)",
	"page.max_age":           "Keep for (streams: 7D, 12h, 30m)",
	"page.offset":            "Start in a stream",
	"page.offset_help":       "Streams only: where this receiver starts reading: first, last, next (the default), an offset such as 50, or a time such as 10m (ten minutes ago). A stream reader needs a prefetch above 0 and manual or interactive ack.",
	"page.read_log":          "Read the log",
	"receiver.position":      "at offset {offset} · started from {start}",
	"receiver.from":          "starts from {start}",
	"card.offset":            "offset {offset}",
	"stream.title":           "Stream '{name}'",
	"stream.back":            "Back to the dashboard",
	"stream.intro":           "A stream keeps its messages in order, each at an offset. Readers take nothing away: each says where it starts and reads at its own pace, so looking here changes nothing.",
	"stream.empty":           "The stream holds no messages yet.",
	"stream.bounds":          "It holds offsets {first} to {last}: {count} messages.",
	"stream.retention":       "It keeps them {what}.",
	"stream.retention_none":  "No retention is set: it keeps them until the disk fills.",
	"stream.keep_bytes":      "up to {size} in all",
	"stream.keep_age":        "for {age}",
	"stream.from":            "From offset",
	"stream.from_help":       "the last 20",
	"stream.show":            "Show",
	"stream.th_offset":       "Offset",
	"stream.th_body":         "Body",
	"stream.th_at":           "Published",
	"stream.readers":         "Programs reading it over the stream protocol (port 5552)",
	"stream.reader":          "{name} ({connection}): at offset {offset} by the broker's count, {consumed} messages sent to it, {lag} behind the end",
	"stream.readers_none":    "No program reads it over the stream protocol now.",
	"stream.readers_unknown": "The stream plugin's listing did not answer ({error}): enable rabbitmq_stream_management to see them.",
	"broker.connected":       "RabbitMQ connected",
	"broker.node":            "RabbitMQ connected to {node}",
	"broker.connecting":      "RabbitMQ connecting",
	"broker.down":            "RabbitMQ down, reconnecting",
	"live.off":               "live updates: reload to refresh",
	"live.on":                "live",
	"live.reconnecting":      "reconnecting…",

	"receivers.empty":   "No receivers yet. Declare a queue, add two receivers to it, and publish a few messages to see how RabbitMQ shares them out.",
	"receiver.settings": "prefetch {prefetch} · ack {ack} · work {work_ms} ms + {dot_ms} ms/dot",
	"receiver.older":    "{n} older messages not shown",
	"state.consuming":   "consuming",
	"state.working":     "working",
	"state.paused":      "paused",
	"state.killed":      "killed",
	"state.waiting":     "waiting",
	"state.stopping":    "stopping",
	"state.gone":        "gone",

	"receiver.outside":     "prefetch {prefetch} · ack {ack}",
	"receiver.client":      "{client} · {connection} · channel {channel}",
	"receiver.outside_tag": "outside program",
	"receiver.replica":     "on replica {replica}",

	"control.resume": "Resume {name}",
	"control.pause":  "Pause {name}",
	"control.kill":   "Kill {name}",
	"control.remove": "Remove {name}",
	"control.ack":    "Ack message {seq} of {name}",
	"control.nack":   "Nack + requeue message {seq} of {name}",
	"control.reject": "Reject message {seq} of {name}",

	"card.rpc":              "reply to request {seq} of {name}: round trip {ms} ms",
	"confirms.title":        "Publisher confirms, three ways",
	"confirms.measure":      "Measure the three ways",
	"confirms.th_way":       "Waiting for confirms",
	"confirms.th_rate":      "msg/s",
	"confirms.th_latency":   "ms to confirm",
	"confirms.one_by_one":   "one by one",
	"confirms.batches":      "in batches of 100",
	"confirms.asynchronous": "asynchronously",
	"confirms.outcome":      "{nacked} of {sent} messages to {limited} were nacked: the queue was full and refuses publishes past its length. {returned} mandatory message to a key no queue has came back.",
	"timing.auto":           "taken at once (auto ack)",
	"timing.delivered":      "delivered {s} s ago",
	"timing.done_about":     "done after about {s} s",
	"timing.done":           "done",
	"timing.taken_back":     "taken back and redelivered",
	"timing.working":        "working: {s} s",
	"timing.buffer":         "waiting in the receiver's buffer (prefetch)",
	"timing.worked":         "worked {s} s, then {outcome}",
	"timing.yours":          "waiting for you to decide: {s} s",
	"timing.decided":        "{outcome} after {s} s",
	"timing.held":           "held while {state}",
	"timing.queued":         "waited {s} s in the queue",
	"timing.queued_short":   "waited under a second in the queue",
	"rate.text":             "last 60 s: {delivered} delivered, {acked} acked (dashed), {published} published (grey); now {now}/s",
	"rate.published":        "Published in the last 60 s: {n}; now {now}/s.",

	"stage.enter":            "Stage view",
	"stage.leave":            "Leave stage view",
	"activity.published":     "Published {count} to {to}: {confirmed} confirmed, to {queues}.",
	"activity.default":       "the default exchange with key '{routing_key}'",
	"activity.exchange":      "exchange '{exchange}' with key '{routing_key}'",
	"activity.nowhere":       "no queue: nothing matched, so RabbitMQ dropped them",
	"activity.unroutable":    "A publish to {to} reached no queue: nothing matched, so RabbitMQ dropped it.",
	"diagram.default":        "(default exchange)",
	"diagram.default_key":    "key = queue name",
	"diagram.default_words":  "The default exchange routes a message to the queue named by its routing key: {queues}.",
	"diagram.binding_words":  "Exchange {exchange} routes to queue {queue} ({label}).",
	"diagram.receiver_words": "{name} consumes from queue {queue}.",
	"diagram.queue":          "{name}  {messages} ready",
	"diagram.queue_title":    "{name}: {messages} ready, {consumers} consumers",
	"diagram.queue_words":    "Queue {name}: {messages} ready, {consumers} consumers.",
	"announce.lesson":        "Lesson: {title}. {watch}",
	"announce.redelivered":   "{n} redelivered to {name}.",

	"observe.off":           "Not watching other programs.",
	"observe.on":            "Watching other programs through RabbitMQ's firehose: their consumers appear as columns marked \"outside program\".",
	"observe.start":         "Watch other programs",
	"observe.stop":          "Stop watching",
	"observe.skipped":       "{n} trace events skipped: rabbitboard fell behind and the firehose queue dropped the oldest copies.",
	"observe.filter":        "Show only names containing",
	"observe.filter_button": "Filter",
	"observe.clear_gone":    "Clear gone",
	"observe.not_shown":     "{n} more consumers of other programs are not shown: the columns are capped (--max-outside).",
	"observe.help":          "rabbitboard reads copies of every publish and every delivery of this vhost from RabbitMQ's firehose (amq.rabbitmq.trace), so it takes nothing from anyone. It sees which consumer got which message, but not acks themselves: a card of a manual-ack consumer says delivered until the broker's counts prove it done (the consumer was given its next message with its prefetch full, or the channel's statistics count fewer unacked messages), so the times of done cards are as exact as those counts: to the next delivery, or to the statistics' interval (5 s by default). Several consumers on one channel of one queue look the same to the firehose and share a column.",
	"observed.line":         "{name} published “{body}” to {to}: {queues}",
	"observed.to":           "exchange '{exchange}' with key '{routing_key}'",
	"observed.default":      "queue '{routing_key}' through the default exchange",
	"observed.nowhere":      "no queue took it",

	"card.seq":          "#{seq}",
	"card.tag":          "tag {tag}",
	"card.summary":      "exchange '{exchange}' · key '{routing_key}' · {body_size} bytes {encoding}",
	"card.header":       "header {name}",
	"card.headers":      "headers",
	"card.more_headers": "more not shown",

	"flash.done":         "{what}: done.",
	"flash.no_answer":    "The dashboard did not answer: {error}",
	"flash.returned":     "Returned: {message}",
	"preset.ready":       "{title} is ready. Now publish to {to} with routing key '{routing_key}'. {watch}",
	"page.programs":      "Run the official tutorial's programs beside it (python/ in github.com/rabbitmq/rabbitmq-tutorials):",
	"preset.to_default":  "the default exchange",
	"preset.to_exchange": "exchange '{exchange}'",

	// The page's fixed words.
	"page.ack":                 "Ack",
	"page.ack_button":          "Ack",
	"page.acked":               "acked",
	"page.add_receiver":        "Add a receiver",
	"page.add_receiver_button": "Add receiver",
	"page.alternate":           "Alternate exchange",
	"page.alternate_help":      "takes what no binding takes",
	"page.arguments":           "Arguments",
	"page.auto_delete":         "auto-delete",
	"page.bind":                "Bind",
	"page.bind_queue":          "Bind a queue",
	"page.body":                "Body",
	"page.classic":             "classic (the default)",
	"page.count":               "Count",
	"page.declare":             "Declare",
	"page.declare_again":       "Declare again",
	"page.declare_exchange":    "Declare an exchange",
	"page.declare_queue":       "Declare a queue",
	"page.default":             "(default)",
	"page.delete":              "Delete",
	"page.delete_confirm":      "Delete this queue and its messages?",
	"page.dlx":                 "Dead-letter exchange",
	"page.dot_help":            "extra time for every '.' in the body",
	"page.durable":             "durable",
	"page.encoding":            "Encoding",
	"page.exchange":            "Exchange",
	"page.header_values":       "Header values, one \"name: value\" a line",
	"page.headers_args":        "Headers exchange arguments",
	"page.headers_lines":       "Headers, one \"name: value\" a line",
	"page.kill":                "Kill",
	"page.mandatory":           "mandatory",
	"page.max_length":          "Max length",
	"page.nack_button":         "Nack + requeue",
	"page.name":                "Name",
	"page.not_headers":         "(not a headers exchange)",
	"page.other_programs":      "Other programs",
	"page.pattern":             "Routing key or pattern",
	"page.pause":               "Pause",
	"page.persistent":          "persistent",
	"page.prefetch":            "Prefetch",
	"page.prefetch_help":       "0 means no limit",
	"page.properties":          "Properties and headers",
	"page.publish":             "Publish",
	"page.publish_button":      "Publish",
	"page.purge":               "Purge",
	"page.queue":               "Queue",
	"page.queue_lower":         "queue",
	"page.queue_name":          "queue name",
	"page.queues":              "Queues",
	"page.quorum":              "quorum (needs durable)",
	"page.received":            "received",
	"page.receivers_label":     "receivers",
	"page.redelivered":         "redelivered",
	"page.reject_button":       "Reject",
	"page.remove":              "Remove",
	"page.reset":               "Reset",
	"page.resume":              "Resume",
	"page.routing_key":         "Routing key",
	"page.scenarios":           "Scenarios",
	"page.scenarios_hint":      "Each sets up one lesson of the RabbitMQ tutorials and fills the publish form; Reset removes what it made.",
	"page.set_up":              "Set up",
	"page.survival":            "What survived the restart",
	"page.survival_hint":       "Only a durable queue survives a broker restart, and in it only persistent messages.",
	"page.th_after":            "After",
	"page.th_before":           "Before",
	"page.th_consumers":        "Consumers",
	"page.th_outcome":          "Outcome",
	"page.th_queue":            "Queue",
	"page.th_ready":            "Ready",
	"page.timestamp":           "timestamp",
	"page.timestamp_help":      "Sets the timestamp property to the publish time, so each card says how long its message waited in the queue.",
	"page.topology":            "Exchanges, bindings, queues, receivers",
	"page.topology_hint":       "Only the default exchange so far: a message published with routing key \"hello\" goes to the queue named hello.",
	"page.topology_label":      "topology",
	"page.ttl":                 "Message TTL (ms)",
	"page.type":                "Type",
	"page.unacked":             "unacked",
	"page.undecodable":         "undecodable",
	"page.what_seen":           "What can be seen",
	"lang.switch":              "한국어",
}

// Lang is a language the page speaks.
type Lang string

// The page's languages; English is the default.
const (
	English Lang = "en"
	Korean  Lang = "ko"
)

// Langs are the languages offered, in the order a switch lists them.
var Langs = []Lang{English, Korean}

type langKey struct{}

// WithLang makes a page rendered with ctx speak l.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

func langOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return English
}

// Tx is T in the language of the page being rendered.
func Tx(ctx context.Context, key string, values ...any) string {
	return langOf(ctx).T(key, values...)
}

// T returns the text of key in English with its values filled in, given
// as name, value pairs.
func T(key string, values ...any) string { return English.T(key, values...) }

// ParseLang names one of the page's languages ("en", "ko").
func ParseLang(name string) (Lang, bool) {
	for _, l := range Langs {
		if string(l) == name {
			return l, true
		}
	}
	return "", false
}

// own is l's own text for key, if it has one.
func (l Lang) own(key string) (string, bool) {
	if l == Korean {
		s, ok := koreanText[key]
		return s, ok
	}
	s, ok := Text[key]
	return s, ok
}

// T returns the text of key in l with its values filled in, in English
// where l has none.
func (l Lang) T(key string, values ...any) string {
	s, ok := l.own(key)
	if !ok {
		s, ok = Text[key]
	}
	if !ok {
		return key
	}
	for i := 0; i+1 < len(values); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(values[i])+"}", fmt.Sprint(values[i+1]))
	}
	return s
}

// Preset is a scenario's "title" or "watch" in l: the catalogue's
// "preset.NAME.title" or ".watch", else the scenario's own (English) words.
func (l Lang) Preset(name, what, english string) string {
	if s, ok := l.own("preset." + name + "." + what); ok {
		return s
	}
	return english
}

// ScenarioReady says that a scenario is set up, where to publish and what
// to watch, in l.
func (l Lang) ScenarioReady(name, title, watch, exchange, routingKey string) string {
	to := l.T("preset.to_default")
	if exchange != "" {
		to = l.T("preset.to_exchange", "exchange", exchange)
	}
	return l.T("preset.ready", "title", l.Preset(name, "title", title), "to", to, "routing_key", routingKey, "watch", l.Preset(name, "watch", watch))
}

// textJSON is the catalogue in the page's language as its script reads
// it: every key, in English where the language has no text of its own.
func textJSON(ctx context.Context) string {
	l := langOf(ctx)
	text := Text
	if l == Korean {
		text = make(map[string]string, len(Text)+len(koreanText))
		maps.Copy(text, Text)
		maps.Copy(text, koreanText)
	}
	data, _ := json.Marshal(text)
	return string(data)
}
