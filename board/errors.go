package board

import (
	"errors"

	"rabbitboard/words"
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
	// plugin (needed to observe other programs) does not.
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

// Error is a failure told in words a student understands: its code in the
// contract and the catalogue's sentence, said in the reader's language at
// the edge.
type Error struct {
	Code Code
	Said words.Sentence
}

// Fail makes an *Error of code with the catalogue's sentence key and the
// values it names (name, value pairs).
func Fail(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Said: words.Say(key, args...)}
}

// In says the error in l.
func (e *Error) In(l words.Lang) string { return e.Said.In(l) }

func (e *Error) Error() string { return e.Said.String() }

// ErrUnavailable is returned at once while there is no broker connection.
var ErrUnavailable = Fail(CodeUnavailable, "err.unavailable")

// SaidOf is err in each language when it is one of rabbitboard's
// sentences, else nil (a raw error from the network or the client).
func SaidOf(err error) words.Said {
	var me *Error
	if errors.As(err, &me) {
		return words.InEvery(me.Said)
	}
	return nil
}
