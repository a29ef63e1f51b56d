package web

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rabbitboard/board"
	"rabbitboard/mq"
	"rabbitboard/words"
)

// FuzzPublishRequest: any request body, JSON or form, either decodes into
// a publication within the limits or is refused with the contract's
// status and a sentence; it never panics.
func FuzzPublishRequest(f *testing.F) {
	f.Add([]byte(`{"routing_key":"hello","body":"Task {{seq}}","count":3}`), false)
	f.Add([]byte(`{"encoding":"base64","body":"AAEC/w==","headers":{"a":{"b":[1,2.5,null]}}}`), false)
	f.Add([]byte(`{"properties":{"priority":300,"expiration":"10"}}`), false)
	f.Add([]byte(`routing_key=q&body=x&count=2&persistent=on&headers=a%3A+1%0Ab%3A+two`), true)
	f.Add([]byte(`properties.priority=9&arguments.x=1&count=-1`), true)
	limits := Limits{MaxCount: 100, MaxBody: 64}
	limits.defaults()
	f.Fuzz(func(t *testing.T, body []byte, form bool) {
		r := httptest.NewRequest("POST", "/api/publish", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		var req publishRequest
		err := decode(r, limits.maxRequest(), &req)
		var pub mq.Publication
		if err == nil {
			pub, err = req.publication(limits)
		}
		if err != nil {
			status, code, said := errorStatus(err)
			var me *board.Error
			if (status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge && status != http.StatusTooManyRequests) || code == board.CodeInternal ||
				!errors.As(err, &me) || !words.Has(me.Said.Key) {
				t.Fatalf("refusal %d %s %s", status, code, said.In(words.English))
			}
			return
		}
		if pub.Count < 1 || pub.Count > limits.MaxCount || len(pub.Body) > limits.MaxBody || len(pub.Headers) > limits.MaxHeaders {
			t.Fatalf("accepted out of limits: count %d, body %d, headers %d", pub.Count, len(pub.Body), len(pub.Headers))
		}
		if req.Encoding == "base64" {
			want, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Body))
			if !bytes.Equal(want, pub.Body) {
				t.Fatalf("base64 body %q became %q", req.Body, pub.Body)
			}
		}
	})
}

// FuzzDecodeForm: every form decodes into every request type or is
// refused as invalid input; it never panics.
func FuzzDecodeForm(f *testing.F) {
	f.Add("name=q&durable=on&arguments.x-message-ttl=60000&arguments.x-queue-type=quorum")
	f.Add("queue=q&prefetch=1&ack=manual&work_ms=300&dot_ms=99999999999999999999")
	f.Add("requeue=maybe")
	f.Fuzz(func(t *testing.T, query string) {
		for _, dst := range []any{&publishRequest{}, &board.QueueSpec{}, &board.ReceiverSpec{}, &struct {
			Requeue *bool `json:"requeue"`
		}{}} {
			r := httptest.NewRequest("POST", "/", strings.NewReader(query))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := decode(r, 1<<20, dst); err != nil {
				if status, code, _ := errorStatus(err); status != http.StatusBadRequest || code != board.CodeInvalid || err.Error() == "" {
					t.Fatalf("%q: %v", query, err)
				}
			}
		}
	})
}
