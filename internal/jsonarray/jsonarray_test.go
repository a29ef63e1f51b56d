package jsonarray

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Values come out in order, every array is valid JSON within the bound
// (or a single value larger than it), and none is lost.
func TestArrays(t *testing.T) {
	var values [][]byte
	for i := range 50 {
		values = append(values, []byte(`"`+strings.Repeat("x", i)+`"`))
	}
	values = append(values, []byte(`"`+strings.Repeat("y", 500)+`"`), []byte(`1`))
	var got []string
	for array := range Arrays(values, 120) {
		var vs []json.RawMessage
		if err := json.Unmarshal(array, &vs); err != nil {
			t.Fatalf("%s: %v", array, err)
		}
		if len(array) > 120 && len(vs) != 1 {
			t.Fatalf("%d bytes for %d values, over the bound", len(array), len(vs))
		}
		for _, v := range vs {
			got = append(got, string(v))
		}
	}
	var want []string
	for _, v := range values {
		want = append(want, string(v))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d values, want %d in order", len(got), len(want))
	}
	for range Arrays(nil, 10) {
		t.Fatal("no values make no array")
	}
}
