package frameguard

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

func TestGuardHeaderFrame(t *testing.T) {
	manyNils := make([]any, MaxTableEntries+1)
	manyEntries := amqp.Table{}
	for i := 0; i <= MaxTableEntries; i++ {
		manyEntries[fmt.Sprint(i)] = nil
	}
	for _, tc := range []struct {
		name    string
		headers amqp.Table
		why     string // "" when the frame must pass unchanged
	}{
		{"flat", amqp.Table{"a": "b", "n": int32(7)}, ""},
		{"32 levels", testkit.Nested(32), ""},
		{"33 levels", testkit.Nested(33), "depth=32"},
		{"33 levels of arrays", amqp.Table{"a": testkit.NestedArray(33)}, "depth=32"},
		{"8192 values", amqp.Table{"a": manyNils[:MaxTableEntries]}, ""},
		{"8193 values", amqp.Table{"a": manyNils}, "array_values=8192"},
		{"8193 entries", manyEntries, "table_entries=8192"},
		{"unknown type", amqp.Table{"a": testkit.RawField{'Z', 0}}, "value_type=Z"},
		{"cut short", amqp.Table{"a": testkit.RawField{'I', 0, 0}}, "value_short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testkit.HeaderFrame(testkit.EncodeTable(tc.headers))
			out := guardHeaderFrame(bytes.Clone(in))
			if tc.why == "" {
				if !bytes.Equal(in, out) {
					t.Fatal("a readable frame was changed")
				}
				return
			}
			want := testkit.HeaderFrame(undecodableTable(tc.why))
			if !bytes.Equal(out, want) {
				t.Fatalf("got frame\n%q\nwant\n%q", out, want)
			}
		})
	}
}

// guardConn passes a stream of frames through byte for byte, except the
// header frame it rewrites, however the reads are sized.
func TestGuardConnStream(t *testing.T) {
	body := []byte{3, 0, 1, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', frameEnd}
	good := testkit.HeaderFrame(testkit.EncodeTable(amqp.Table{"a": "b"}))
	bad := testkit.HeaderFrame(testkit.EncodeTable(testkit.Nested(40)))
	in := bytes.Join([][]byte{good, body, bad, body}, nil)
	want := bytes.Join([][]byte{good, body, guardHeaderFrame(bytes.Clone(bad)), body}, nil)
	for _, size := range []int{1, 3, 7, 64, 4096} {
		g := &guardConn{r: bufioReader(in)}
		var got []byte
		p := make([]byte, size)
		for {
			n, err := g.Read(p)
			got = append(got, p[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("reads of %d: got %q, want %q", size, got, want)
		}
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
