// Package refusal says in the catalogue's words why RabbitMQ refused an
// operation: a channel or connection exception (406, 403, 404, 405...)
// becomes a *board.Error whose sentence names what differs or is missing
// and what to do, in every language.
package refusal

import (
	"errors"
	"regexp"
	"strings"

	"rabbitboard/board"
	"rabbitboard/words"

	amqp "github.com/rabbitmq/amqp091-go"
)

// QueueDownError: the queue's node is down, so the queue is there but
// unavailable (a classic queue in a cluster). It is an *Error too.
type QueueDownError struct{ err *board.Error }

func (e *QueueDownError) Error() string { return e.err.Error() }
func (e *QueueDownError) Unwrap() error { return e.err }

var (
	inequivalentArg = regexp.MustCompile(`inequivalent arg '([^']*)' for (queue|exchange) '([^']*)' in vhost '[^']*': received (.*) but current is (.*)$`)
	reservedName    = regexp.MustCompile(`(queue|exchange) name '([^']*)' contains reserved prefix 'amq\.\*'`)
	noSuch          = regexp.MustCompile(`no (queue|exchange) '([^']*)' in vhost`)
	exclusiveQueue  = regexp.MustCompile(`cannot obtain exclusive access to locked queue '([^']*)'`)
	homeNodeDown    = regexp.MustCompile(`home node '([^']*)' of durable queue '([^']*)' in vhost '[^']*' is down or inaccessible`)
)

// Explain turns a broker refusal into an *Error with a sentence saying what
// happened and what to do. Other errors pass through unchanged.
func Explain(err error) error {
	// ErrClosed is an *amqp.Error too (the client's own, code 504): the
	// connection or channel went, not a refusal.
	if errors.Is(err, amqp.ErrClosed) {
		return board.ErrUnavailable
	}
	var ae *amqp.Error
	if !errors.As(err, &ae) {
		return err
	}
	name, text := replyName(ae.Code), ae.Reason
	if m := homeNodeDown.FindStringSubmatch(text); ae.Code == amqp.NotFound && m != nil {
		return &QueueDownError{board.Fail(board.CodeUnavailable, "err.queue_down", "queue", m[2], "node", m[1])}
	}
	if !ae.Server || name == "" {
		return board.Fail(board.CodeUnavailable, "err.broke", "reason", text)
	}
	msg := words.Say("err.refused", "reason", text)
	switch {
	case ae.Code == amqp.PreconditionFailed && inequivalentArg.MatchString(text):
		m := inequivalentArg.FindStringSubmatch(text)
		msg = words.Say("err.inequivalent", "differs", differs(m[2], m[3], m[1], brokerValue(m[4]), brokerValue(m[5])), "kind", KindWord(m[2]))
	case ae.Code == amqp.AccessRefused && reservedName.MatchString(text):
		m := reservedName.FindStringSubmatch(text)
		msg = words.Say("err.reserved", "name", m[2], "kind", KindWord(m[1]))
	case ae.Code == amqp.AccessRefused:
		msg = words.Say("err.access", "reason", text)
	case ae.Code == amqp.NotFound && noSuch.MatchString(text):
		m := noSuch.FindStringSubmatch(text)
		msg = words.Say("err.no_such", "kind", KindWord(m[1]), "name", m[2])
	case ae.Code == amqp.ResourceLocked && exclusiveQueue.MatchString(text):
		m := exclusiveQueue.FindStringSubmatch(text)
		msg = words.Say("err.locked", "queue", m[1])
	case ae.Code == amqp.PreconditionFailed:
		msg = words.Say("err.settings", "reason", text)
	}
	return &board.Error{Code: name, Said: msg}
}

// KindWord is "queue" or "exchange" as a word of the catalogue.
func KindWord(kind string) words.Sentence { return words.Say("word." + kind) }

// brokerValue reads a value as the broker's refusal quotes it ("none",
// "'true'", "the value 'quorum' of type 'longstr'"): "" for none.
func brokerValue(s string) string {
	if m := quotedValue.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	if s == "none" {
		return ""
	}
	return strings.Trim(s, "'")
}

var quotedValue = regexp.MustCompile(`^the value '(.*)' of type '[^']*'$`)

// differs says in plain words how an existing queue or exchange differs
// from what was asked: never the broker's type names.
func differs(kind, name, setting, asked, current string) words.Sentence {
	switch setting {
	case "x-queue-type":
		return words.Say("err.differs_type", "queue", name, "current", queueType(current), "asked", queueType(asked))
	case "durable", "auto_delete", "exclusive", "internal":
		key := "err.differs_on"
		if current != "true" {
			key = "err.differs_off"
		}
		return words.Say(key, "kind", KindWord(kind), "name", name, "flag", words.Say("word."+setting))
	case "type":
		return words.Say("err.differs_exchange", "exchange", name, "current", current, "asked", asked)
	}
	return words.Say("err.differs", "kind", KindWord(kind), "name", name, "setting", setting, "current", orNone(current), "asked", orNone(asked))
}

func queueType(t string) words.Sentence {
	switch t {
	case "", "classic":
		return words.Say("qtype.classic")
	case "quorum", "stream":
		return words.Say("qtype." + t)
	}
	return words.Say("qtype.other", "type", t)
}

func orNone(v string) any {
	if v == "" {
		return words.Say("word.none")
	}
	return v
}

func replyName(code int) board.Code {
	switch code {
	case amqp.PreconditionFailed:
		return board.CodePreconditionFailed
	case amqp.AccessRefused:
		return board.CodeAccessRefused
	case amqp.NotFound:
		return board.CodeBrokerNotFound
	case amqp.ResourceLocked:
		return board.CodeResourceLocked
	case amqp.NotAllowed:
		return board.CodeNotAllowed
	case amqp.CommandInvalid:
		return board.CodeCommandInvalid
	}
	return ""
}
