// Package seal authenticates and encrypts the messages rabbitboard's
// replicas exchange on the broker.
//
// Anyone with an AMQP login on the vhost can read the replicas' exchange
// and publish to it or to a replica's queue, so nothing that arrives there
// is believed for its format alone. Every message is sealed with AES-256-GCM
// under a key derived (HKDF-SHA256) from the cluster's secret and name: the
// body is encrypted, and the body, the message's type, sender, correlation
// id, destination and time are authenticated together. A message that was
// altered, sealed with another key or for another destination, is older (or
// newer) than the window, or was seen before, does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Window is how far a message's time may be from now, either way.
const Window = 15 * time.Second

// Header is what a message says of itself outside its body, all
// authenticated with it: its Type, its Sender, its correlation id, and where
// it was published to (exchange and routing key).
type Header struct {
	Type, Sender, CorrelationID string
	Exchange, RoutingKey        string
}

// Why a message did not open.
var (
	ErrForged   = errors.New("the message is not sealed with this cluster's key")
	ErrStale    = errors.New("the message's time is outside the window")
	ErrReplayed = errors.New("the message was seen before")
)

const (
	version   = 1
	nonceSize = 12
	// overhead is the version, the time (Unix ms) and the nonce.
	overhead = 1 + 8 + nonceSize
)

// Sealer seals and opens one cluster's messages. It is safe for concurrent
// use.
type Sealer struct {
	aead  cipher.AEAD
	label string // the cluster's name, in every message's authenticated data
	now   func() time.Time

	mu   sync.Mutex
	seen map[[nonceSize]byte]int64 // nonce -> its message's time, within the window

	dropped atomic.Int64
}

// New returns the Sealer of a cluster's messages under secret.
func New(secret, cluster string) (*Sealer, error) {
	if secret == "" {
		return nil, errors.New("a cluster needs a secret")
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "rabbitboard replicas v1 "+cluster, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, label: cluster, now: time.Now, seen: map[[nonceSize]byte]int64{}}, nil
}

// Seal returns body sealed for h.
func (s *Sealer) Seal(h Header, body []byte) []byte {
	out := make([]byte, overhead, overhead+len(body)+s.aead.Overhead())
	out[0] = version
	binary.BigEndian.PutUint64(out[1:9], uint64(s.now().UnixMilli()))
	_, _ = rand.Read(out[9:overhead])
	return s.aead.Seal(out, out[9:overhead], body, s.additional(h, out[:9]))
}

// Open returns the body of a message sealed for h, or why it does not
// open; every failure is counted in Dropped.
func (s *Sealer) Open(h Header, sealed []byte) ([]byte, error) {
	body, err := s.open(h, sealed)
	if err != nil {
		s.dropped.Add(1)
	}
	return body, err
}

func (s *Sealer) open(h Header, sealed []byte) ([]byte, error) {
	if len(sealed) < overhead+s.aead.Overhead() || sealed[0] != version {
		return nil, ErrForged
	}
	body, err := s.aead.Open(nil, sealed[9:overhead], sealed[overhead:], s.additional(h, sealed[:9]))
	if err != nil {
		return nil, ErrForged
	}
	at := int64(binary.BigEndian.Uint64(sealed[1:9]))
	now := s.now().UnixMilli()
	if at < now-Window.Milliseconds() || at > now+Window.Milliseconds() {
		return nil, ErrStale
	}
	var nonce [nonceSize]byte
	copy(nonce[:], sealed[9:overhead])
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[nonce]; ok {
		return nil, ErrReplayed
	}
	s.seen[nonce] = at
	return body, nil
}

// Forget lets go of the nonces of messages too old to open anyway; call it
// now and then (a replica does at every heartbeat).
func (s *Sealer) Forget() {
	oldest := s.now().Add(-Window).UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, at := range s.seen {
		if at < oldest {
			delete(s.seen, n)
		}
	}
}

// Dropped counts the messages that did not open.
func (s *Sealer) Dropped() int64 { return s.dropped.Load() }

// additional is the data authenticated beside the body: the cluster, the
// header's fields (each length-prefixed, so no two headers read alike) and
// the message's version and time.
func (s *Sealer) additional(h Header, prefix []byte) []byte {
	ad := make([]byte, 0, 64+len(s.label)+len(h.Type)+len(h.Sender)+len(h.CorrelationID)+len(h.Exchange)+len(h.RoutingKey))
	for _, f := range []string{s.label, h.Type, h.Sender, h.CorrelationID, h.Exchange, h.RoutingKey} {
		ad = binary.BigEndian.AppendUint32(ad, uint32(len(f)))
		ad = append(ad, f...)
	}
	return append(ad, prefix...)
}
