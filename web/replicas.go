package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"

	"rabbitboard/mq"
)

// Cluster is what the handlers need of the other replicas of a cluster
// (see mq.Cluster); nil without one.
type Cluster interface {
	Self() string
	Replicas() []mq.ReplicaInfo
	// Call sends a call to a replica and returns its answer.
	Call(ctx context.Context, replica string, call []byte) ([]byte, error)
}

// forwardedCall is a request for a receiver another replica runs, as it
// travels to that replica. The replica that took the request checked its
// access; the owner trusts its cluster.
type forwardedCall struct {
	Method      string `json:"method"`
	Path        string `json:"path"` // with its query
	ContentType string `json:"content_type,omitempty"`
	Accept      string `json:"accept,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// forwardedAnswer is the owner's answer, as it would have written it.
type forwardedAnswer struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
}

// forwardedKey marks a request that came from another replica: it is
// answered here, never passed on again.
type forwardedKey struct{}

// maxForwardedBody is the most of a request body a call carries: control
// calls send a few bytes of JSON or form at most.
const maxForwardedBody = 64 << 10

// ownedElsewhere passes a request about a receiver that another replica
// runs to that replica and answers with its answer; requests about this
// replica's receivers, or ids no replica is known to run, go to h.
func (s *Server) ownedElsewhere(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.cfg.Cluster
		id := r.PathValue("id")
		if c == nil || r.Context().Value(forwardedKey{}) != nil {
			h(w, r)
			return
		}
		owner := s.cfg.State.Owner(id)
		if owner == "" || owner == c.Self() {
			h(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxForwardedBody))
		if err != nil {
			respondError(w, r, badRequest("The request's body is larger than a control call takes (%d bytes at most).", maxForwardedBody))
			return
		}
		call, _ := json.Marshal(forwardedCall{Method: r.Method, Path: r.URL.RequestURI(), ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept"), Body: body})
		data, err := c.Call(r.Context(), owner, call)
		if errors.Is(err, mq.ErrNoReplica) {
			// Its replica is gone: nobody runs that receiver any more.
			h(w, r)
			return
		}
		var answer forwardedAnswer
		if err == nil {
			err = json.Unmarshal(data, &answer)
		}
		if err != nil {
			respondError(w, r, err)
			return
		}
		for k, vs := range answer.Header {
			w.Header()[k] = vs
		}
		w.WriteHeader(answer.Status)
		_, _ = w.Write(answer.Body)
	}
}

// ServeForwarded answers a call another replica passed on, through the
// same handlers as a request made here.
func (s *Server) ServeForwarded(data []byte) []byte {
	var call forwardedCall
	if err := json.Unmarshal(data, &call); err != nil {
		a, _ := json.Marshal(forwardedAnswer{Status: http.StatusBadRequest})
		return a
	}
	ctx := context.WithValue(context.Background(), forwardedKey{}, true)
	r := httptest.NewRequestWithContext(ctx, call.Method, call.Path, bytes.NewReader(call.Body))
	if call.ContentType != "" {
		r.Header.Set("Content-Type", call.ContentType)
	}
	if call.Accept != "" {
		r.Header.Set("Accept", call.Accept)
	}
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	a, _ := json.Marshal(forwardedAnswer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()})
	return a
}

// listReplicas is GET /api/replicas: the live replicas, this one included;
// without a cluster, this one alone.
func (s *Server) listReplicas(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Cluster != nil {
		writeJSON(w, http.StatusOK, s.cfg.Cluster.Replicas())
		return
	}
	writeJSON(w, http.StatusOK, []mq.ReplicaInfo{{ID: s.cfg.ReplicaID, Addr: s.Addr(), Started: s.started, Receivers: len(s.cfg.Broker.Receivers())}})
}
