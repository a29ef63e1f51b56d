package seal

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func newAt(t *testing.T, secret, cluster string, now *time.Time) *Sealer {
	t.Helper()
	s, err := New(secret, cluster)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return *now }
	return s
}

func TestOpen(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h := Header{Type: "call", Sender: "abc123", CorrelationID: "c1", Exchange: "", RoutingKey: "amq.gen-x"}
	body := []byte(`{"action":"pause"}`)

	mine := newAt(t, "s3cret", "lecture", &now)
	sealed := mine.Seal(h, body)
	if bytes.Contains(sealed, body) || bytes.Contains(sealed, []byte("pause")) {
		t.Fatal("the body travels in clear")
	}

	tests := []struct {
		name   string
		opener *Sealer
		header Header
		sealed []byte
		shift  time.Duration
		want   error
	}{
		{"as sealed", newAt(t, "s3cret", "lecture", &now), h, sealed, 0, nil},
		{"within the window", newAt(t, "s3cret", "lecture", &now), h, sealed, Window - time.Millisecond, nil},
		{"another secret", newAt(t, "guess", "lecture", &now), h, sealed, 0, ErrForged},
		{"another cluster", newAt(t, "s3cret", "other", &now), h, sealed, 0, ErrForged},
		{"another type", newAt(t, "s3cret", "lecture", &now), Header{"heartbeat", h.Sender, h.CorrelationID, h.Exchange, h.RoutingKey}, sealed, 0, ErrForged},
		{"another sender", newAt(t, "s3cret", "lecture", &now), Header{h.Type, "zzz999", h.CorrelationID, h.Exchange, h.RoutingKey}, sealed, 0, ErrForged},
		{"another correlation id", newAt(t, "s3cret", "lecture", &now), Header{h.Type, h.Sender, "c2", h.Exchange, h.RoutingKey}, sealed, 0, ErrForged},
		{"another destination", newAt(t, "s3cret", "lecture", &now), Header{h.Type, h.Sender, h.CorrelationID, "", "amq.gen-y"}, sealed, 0, ErrForged},
		{"through the fanout", newAt(t, "s3cret", "lecture", &now), Header{h.Type, h.Sender, h.CorrelationID, "rabbitboard.cluster.lecture", ""}, sealed, 0, ErrForged},
		{"fields shifted between header parts", newAt(t, "s3cret", "lecture", &now), Header{h.Type + h.Sender, "", h.CorrelationID, h.Exchange, h.RoutingKey}, sealed, 0, ErrForged},
		{"a byte changed", newAt(t, "s3cret", "lecture", &now), h, flip(sealed, len(sealed)-20), 0, ErrForged},
		{"its time changed", newAt(t, "s3cret", "lecture", &now), h, flip(sealed, 5), 0, ErrForged},
		{"cut short", newAt(t, "s3cret", "lecture", &now), h, sealed[:overhead+3], 0, ErrForged},
		{"empty", newAt(t, "s3cret", "lecture", &now), h, nil, 0, ErrForged},
		{"too old", newAt(t, "s3cret", "lecture", &now), h, sealed, Window + time.Millisecond, ErrStale},
		{"from the future", newAt(t, "s3cret", "lecture", &now), h, sealed, -Window - time.Millisecond, ErrStale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := now.Add(tt.shift)
			tt.opener.now = func() time.Time { return at }
			got, err := tt.opener.Open(tt.header, tt.sealed)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open: %v, want %v", err, tt.want)
			}
			if tt.want == nil && !bytes.Equal(got, body) {
				t.Fatalf("Open = %q, want %q", got, body)
			}
			if wantDropped := int64(0); tt.want != nil {
				wantDropped = 1
				if d := tt.opener.Dropped(); d != wantDropped {
					t.Fatalf("Dropped = %d, want %d", d, wantDropped)
				}
			}
		})
	}
}

func TestReplayAndForget(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s := newAt(t, "s3cret", "lecture", &now)
	h := Header{Type: "events", Sender: "abc123", Exchange: "rabbitboard.cluster.lecture"}
	first, second := s.Seal(h, []byte("[1]")), s.Seal(h, []byte("[1]"))
	if bytes.Equal(first, second) {
		t.Fatal("two seals of one body are alike: the nonce is not fresh")
	}
	if _, err := s.Open(h, first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(h, first); !errors.Is(err, ErrReplayed) {
		t.Fatalf("a replay: %v, want ErrReplayed", err)
	}
	if _, err := s.Open(h, second); err != nil {
		t.Fatalf("the second message: %v", err)
	}
	if n := len(s.seen); n != 2 {
		t.Fatalf("%d nonces kept, want 2", n)
	}
	now = now.Add(Window + time.Second)
	s.Forget()
	if n := len(s.seen); n != 0 {
		t.Fatalf("%d nonces kept after the window, want 0", n)
	}
	if _, err := s.Open(h, first); !errors.Is(err, ErrStale) {
		t.Fatalf("a replay after the window: %v, want ErrStale", err)
	}
	if d := s.Dropped(); d != 2 {
		t.Fatalf("Dropped = %d, want 2", d)
	}
}

func TestNewNeedsSecret(t *testing.T) {
	if _, err := New("", "lecture"); err == nil {
		t.Fatal("New with no secret: no error")
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 1
	return c
}
