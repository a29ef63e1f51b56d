package board

import "rabbitboard/words"

// TypePace tells every viewer the pace of rabbitboard's receivers.
const TypePace EventType = "pace"

// PaceEvent is the pace at which rabbitboard's own receivers are given
// messages: 1 is full speed, 0.5 and 0.25 slow motion, 0 holds them.
type PaceEvent struct {
	Type EventType `json:"type"`
	Pace float64   `json:"pace"`
	// Said is PaceSaid in each language the page speaks.
	Said words.Said `json:"said,omitempty"`
}

// PaceSaid says a pace to everyone: full speed, slow motion at 0.5x or
// 0.25x, or held.
func PaceSaid(pace float64) words.Sentence {
	switch pace {
	case 1:
		return words.Say("done.pace_full")
	case 0:
		return words.Say("done.pace_held")
	}
	return words.Say("done.pace_slow", "pace", pace)
}

func (PaceEvent) event() {}

// Paces are the paces offered.
var Paces = []float64{1, 0.5, 0.25, 0}
