// Package jsonarray joins encoded JSON values into JSON arrays of bounded
// size: how rabbitboard sends events, to viewers (a frame) and to the other
// replicas (a message), without decoding them again.
package jsonarray

import "iter"

// Arrays yields values, in order, as JSON arrays of at most max bytes each
// (an array holds at least one value, however large).
func Arrays(values [][]byte, max int) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for len(values) > 0 {
			n, size := 0, 2
			for n < len(values) && (n == 0 || size+1+len(values[n]) <= max) {
				size += len(values[n]) + 1
				n++
			}
			array := make([]byte, 0, size)
			array = append(array, '[')
			for i, v := range values[:n] {
				if i > 0 {
					array = append(array, ',')
				}
				array = append(array, v...)
			}
			if !yield(append(array, ']')) {
				return
			}
			values = values[n:]
		}
	}
}
