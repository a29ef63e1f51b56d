package board

import (
	"errors"
	"time"
)

// ReplicaExchangePrefix starts the name of every replica group's exchange.
const ReplicaExchangePrefix = "rabbitboard.cluster."

// ReplicaInfo describes a live replica.
type ReplicaInfo struct {
	ID string `json:"id"`
	// Addr is where it listens for HTTP.
	Addr      string    `json:"addr"`
	Started   time.Time `json:"started"`
	Receivers int       `json:"receivers"`
}

// ErrNoReplica says no live replica has that id.
var ErrNoReplica = errors.New("no live replica has that id")
