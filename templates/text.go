package templates

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Text is every sentence the page shows, by key, for the server's page and
// for the page's script alike (the page carries it as JSON): one place to
// change a word, and to translate it. "{name}" marks a value.
var Text = map[string]string{
	"broker.connected":  "RabbitMQ connected",
	"broker.node":       "RabbitMQ connected to {node}",
	"broker.connecting": "RabbitMQ connecting",
	"broker.down":       "RabbitMQ down, reconnecting",
	"live.off":          "live updates: reload to refresh",
	"live.on":           "live",
	"live.reconnecting": "reconnecting…",

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

	"timing.auto":         "taken at once (auto ack)",
	"timing.working":      "working: {s} s",
	"timing.buffer":       "waiting in the receiver's buffer (prefetch)",
	"timing.worked":       "worked {s} s, then {outcome}",
	"timing.yours":        "waiting for you to decide: {s} s",
	"timing.decided":      "{outcome} after {s} s",
	"timing.held":         "held while {state}",
	"timing.queued":       "waited {s} s in the queue",
	"timing.queued_short": "waited under a second in the queue",
	"rate.text":           "last 60 s: {delivered} delivered, {acked} acked; now {now}/s",
	"rate.published":      "Published in the last 60 s: {n}; now {now}/s.",

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

	"observe.off":      "Not watching other programs.",
	"observe.on":       "Watching other programs through RabbitMQ's firehose: their consumers appear as columns marked \"outside program\".",
	"observe.start":    "Watch other programs",
	"observe.stop":     "Stop watching",
	"observe.skipped":  "{n} trace events skipped: rabbitboard fell behind and the firehose queue dropped the oldest copies.",
	"observe.help":     "rabbitboard reads copies of every publish and every delivery of this vhost from RabbitMQ's firehose (amq.rabbitmq.trace), so it takes nothing from anyone. It sees which consumer got which message, but not acks themselves: a column's unacked count comes from the broker's channel statistics, which lag by up to about 10 seconds. Several consumers on one channel of one queue look the same to the firehose and share a column.",
	"observed.line":    "{name} published “{body}” to {to}: {queues}",
	"observed.to":      "exchange '{exchange}' with key '{routing_key}'",
	"observed.default": "queue '{routing_key}' through the default exchange",
	"observed.nowhere": "no queue took it",

	"card.seq":          "#{seq}",
	"card.tag":          "tag {tag}",
	"card.summary":      "exchange '{exchange}' · key '{routing_key}' · {body_size} bytes {encoding}",
	"card.header":       "header {name}",
	"card.headers":      "headers",
	"card.more_headers": "more not shown",

	"flash.done":      "{what}: done.",
	"flash.no_answer": "The dashboard did not answer: {error}",
	"flash.returned":  "Returned: {message}",
	"preset.ready":    "{title} is ready: press Publish. {watch}",
}

// T returns the text of key with its values filled in, given as name,
// value pairs.
func T(key string, values ...any) string {
	s, ok := Text[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(values); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(values[i])+"}", fmt.Sprint(values[i+1]))
	}
	return s
}

// textJSON is the catalogue as the page's script reads it.
func textJSON() string {
	data, _ := json.Marshal(Text)
	return string(data)
}
