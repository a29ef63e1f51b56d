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
