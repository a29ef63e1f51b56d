package mq

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Code is an error's code in the contract: the broker's reply name when
// the broker refused, else one of rabbitboard's own.
type Code string

// The contract's error codes, every one of them.
const (
	CodeInvalid      Code = "invalid_input"
	CodeNotFound     Code = "not_found"
	CodeTooLarge     Code = "too_large"
	CodeUnauthorized Code = "unauthorized"
	CodeForbidden    Code = "forbidden"
	CodeUnavailable  Code = "broker_unavailable"
	CodeLimit        Code = "limit_reached"
	CodeInternal     Code = "internal"
	// CodeNotOwned: a control call for another program's consumer.
	CodeNotOwned Code = "not_owned"
	// CodeManagementUnavailable: the broker answers, its management
	// plugin (needed to watch other programs) does not.
	CodeManagementUnavailable Code = "management_unavailable"
	// CodeConflict is a request that does not fit the receiver's mode; it
	// answers 409 with code invalid_input.
	CodeConflict Code = "conflict"

	CodePreconditionFailed Code = "PRECONDITION_FAILED"
	CodeAccessRefused      Code = "ACCESS_REFUSED"
	CodeBrokerNotFound     Code = "NOT_FOUND"
	CodeResourceLocked     Code = "RESOURCE_LOCKED"
	CodeNotAllowed         Code = "NOT_ALLOWED"
	CodeCommandInvalid     Code = "COMMAND_INVALID"
)

// Error is a failure told in words a student understands.
type Error struct {
	Code    Code
	Message string
}

// queueDownError: the queue's node is down, so the queue is there but
// unavailable (a classic queue in a cluster). It is an *Error too.
type queueDownError struct{ err *Error }

func (e *queueDownError) Error() string { return e.err.Message }
func (e *queueDownError) Unwrap() error { return e.err }

func (e *Error) Error() string { return e.Message }

// ErrUnavailable is returned at once while there is no broker connection.
var ErrUnavailable = &Error{CodeUnavailable, "RabbitMQ is not reachable right now; rabbitboard keeps retrying, try again in a moment."}

func invalid(format string, args ...any) error {
	return &Error{CodeInvalid, fmt.Sprintf(format, args...)}
}

// capitalize starts a sentence made from an error's text.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var (
	inequivalentArg = regexp.MustCompile(`inequivalent arg '([^']*)' for (queue|exchange) '([^']*)' in vhost '[^']*': received (.*) but current is (.*)$`)
	reservedName    = regexp.MustCompile(`(queue|exchange) name '([^']*)' contains reserved prefix 'amq\.\*'`)
	noSuch          = regexp.MustCompile(`no (queue|exchange) '([^']*)' in vhost`)
	exclusiveQueue  = regexp.MustCompile(`cannot obtain exclusive access to locked queue '([^']*)'`)
	homeNodeDown    = regexp.MustCompile(`home node '([^']*)' of durable queue '([^']*)' in vhost '[^']*' is down or inaccessible`)
)

// explain turns a broker refusal into an *Error with a sentence saying what
// happened and what to do. Other errors pass through unchanged.
func explain(err error) error {
	var ae *amqp.Error
	if !errors.As(err, &ae) {
		if errors.Is(err, amqp.ErrClosed) {
			return ErrUnavailable
		}
		return err
	}
	name, text := replyName(ae.Code), ae.Reason
	if m := homeNodeDown.FindStringSubmatch(text); ae.Code == amqp.NotFound && m != nil {
		return &queueDownError{&Error{Code: CodeUnavailable, Message: fmt.Sprintf("The queue '%s' is unavailable: it is a classic queue, kept on node %s alone, and that node is down or unreachable. "+
			"It comes back with its node; a quorum queue keeps copies on several nodes and would still be serving.", m[2], m[1])}}
	}
	msg := "RabbitMQ refused: " + text
	switch {
	case ae.Code == amqp.PreconditionFailed && inequivalentArg.MatchString(text):
		m := inequivalentArg.FindStringSubmatch(text)
		msg = differs(m[2], m[3], m[1], brokerValue(m[4]), brokerValue(m[5])) +
			fmt.Sprintf(" RabbitMQ never changes an existing %s: declare it with the same settings, or delete it first and declare it again.", m[2])
	case ae.Code == amqp.AccessRefused && reservedName.MatchString(text):
		m := reservedName.FindStringSubmatch(text)
		msg = fmt.Sprintf("The name '%s' starts with 'amq.', which RabbitMQ keeps for itself: choose another %s name.", m[2], m[1])
	case ae.Code == amqp.AccessRefused:
		msg = "RabbitMQ refused access: " + text + ". The broker user lacks the permission for this."
	case ae.Code == amqp.NotFound && noSuch.MatchString(text):
		m := noSuch.FindStringSubmatch(text)
		msg = fmt.Sprintf("There is no %s '%s': declare it first.", m[1], m[2])
	case ae.Code == amqp.ResourceLocked && exclusiveQueue.MatchString(text):
		m := exclusiveQueue.FindStringSubmatch(text)
		msg = fmt.Sprintf("The queue '%s' is exclusive to another connection: only that connection may use it.", m[1])
	case ae.Code == amqp.PreconditionFailed:
		msg = "RabbitMQ refused the settings: " + text + "."
	}
	if !ae.Server || name == "" {
		return &Error{CodeUnavailable, "The connection to RabbitMQ broke (" + text + "); rabbitboard is reconnecting."}
	}
	return &Error{name, msg}
}

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
func differs(kind, name, setting, asked, current string) string {
	switch setting {
	case "x-queue-type":
		return fmt.Sprintf("The queue '%s' is %s; this asks for %s.", name, queueType(current), queueType(asked))
	case "durable", "auto_delete", "exclusive", "internal":
		word := map[string]string{"durable": "durable", "auto_delete": "auto-delete", "exclusive": "exclusive", "internal": "internal"}[setting]
		is, not := word, "not "+word
		if current != "true" {
			is, not = not, word
		}
		return fmt.Sprintf("The %s '%s' is %s; this asks for one that is %s.", kind, name, is, not)
	case "type":
		return fmt.Sprintf("The exchange '%s' is a %s exchange; this asks for a %s one.", name, current, asked)
	}
	return fmt.Sprintf("The %s '%s' has %s %s; this asks for %s.", kind, name, setting, orNone(current), orNone(asked))
}

func queueType(t string) string {
	switch t {
	case "", "classic":
		return "a classic queue"
	case "quorum":
		return "a quorum queue (as the official tutorials declare theirs)"
	case "stream":
		return "a stream"
	}
	return "a queue of type " + t
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func replyName(code int) Code {
	switch code {
	case amqp.PreconditionFailed:
		return CodePreconditionFailed
	case amqp.AccessRefused:
		return CodeAccessRefused
	case amqp.NotFound:
		return CodeBrokerNotFound
	case amqp.ResourceLocked:
		return CodeResourceLocked
	case amqp.NotAllowed:
		return CodeNotAllowed
	case amqp.CommandInvalid:
		return CodeCommandInvalid
	}
	return ""
}
