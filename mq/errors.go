package mq

import (
	"errors"

	"rabbitboard/board"
)

// invalid is an input error with the catalogue's sentence key.
func invalid(key string, args ...any) error { return board.Fail(board.CodeInvalid, key, args...) }

// said is what err says, to be put in a sentence of its own: its
// catalogue sentence when it has one, else its text.
func said(err error) any {
	var me *board.Error
	if errors.As(err, &me) {
		return me.Said
	}
	return err.Error()
}
