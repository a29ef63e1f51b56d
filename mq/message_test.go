package mq

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPreview(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		max       int
		body, enc string
		truncated bool
	}{
		{"short text", "hello", 10, "hello", "text", false},
		{"cut text", "hello world", 5, "hello", "text", true},
		{"cut through a character", "añb", 2, "a", "text", true},
		{"binary", "\xff\x00", 10, "/wA=", "base64", false},
		{"cut binary", "\xff\x00\x01\x02", 2, "/wA=", "base64", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, enc, truncated := Preview([]byte(tc.in), tc.max)
			if body != tc.body || enc != tc.enc || truncated != tc.truncated {
				t.Fatalf("Preview(%q, %d) = %q %s %v, want %q %s %v", tc.in, tc.max, body, enc, truncated, tc.body, tc.enc, tc.truncated)
			}
		})
	}
}

// FuzzPreview: whatever the body, the preview is valid text taken from its
// start, or base64 of its first bytes, and never longer than asked.
func FuzzPreview(f *testing.F) {
	f.Add([]byte("Task 1..."), 4)
	f.Add([]byte("\xff\xfe\x00"), 2)
	f.Add([]byte("añ€😀"), 5)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max < 1 || max > 1<<16 {
			return
		}
		body, enc, truncated := Preview(b, max)
		if truncated != (len(b) > max) {
			t.Fatalf("truncated=%v for %d bytes at most %d", truncated, len(b), max)
		}
		switch enc {
		case "text":
			if !utf8.ValidString(body) || !strings.HasPrefix(string(b), body) || len(body) > max {
				t.Fatalf("text preview %q of %q", body, b)
			}
		case "base64":
			raw, err := base64.StdEncoding.DecodeString(body)
			if err != nil || !bytes.HasPrefix(b, raw) || len(raw) > max || (len(raw) < max && len(raw) < len(b)) {
				t.Fatalf("base64 preview %q of %q: %v", body, b, err)
			}
		default:
			t.Fatalf("encoding %q", enc)
		}
	})
}
