package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"

	"rabbitboard/board"
	"rabbitboard/words"
)

// Replicas is what the handlers need of the other replicas of a group
// (see package replicas); nil without one.
type Replicas interface {
	Self() string
	Replicas() []board.ReplicaInfo
	// Call sends a call to a replica and returns its answer.
	Call(ctx context.Context, replica string, call []byte) ([]byte, error)
	// Dropped counts the messages from the broker not acted on.
	Dropped() int64
}

// forwardedCall is a control call on a receiver another replica runs, as
// it travels to that replica: one of the receiver-control calls and nothing
// else, with the caller's authority carried for the owner to check again.
type forwardedCall struct {
	Receiver string `json:"receiver"`
	// Action is pause, resume, kill or delete; or ack, nack or reject
	// with Tag.
	Action      string `json:"action"`
	Tag         string `json:"tag,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"`
	Lang        string `json:"lang,omitempty"`
	// Token is the presenter's token when the caller's request carried it
	// (or its session cookie): the owner checks it against its own.
	Token string `json:"token,omitempty"`
}

// forwardedAnswer is the owner's answer: its status, a JSON body and the
// outcome's sentence. Nothing else of the owner's answer travels: no
// cookie, redirect or other header reaches the browser from another
// replica.
type forwardedAnswer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
	Flash  string          `json:"flash,omitempty"`
	OK     bool            `json:"ok,omitempty"`
}

// forwardedActions are the calls a replica passes on to a receiver's owner.
var forwardedActions = []string{
	string(board.ActionPause), string(board.ActionResume), string(board.ActionKill), string(board.ActionDelete),
	string(board.OutcomeAck), string(board.OutcomeNack), string(board.OutcomeReject),
}

// maxForwardedBody is the most of a request body a call carries: control
// calls send a few bytes of JSON or form at most.
const maxForwardedBody = 4 << 10

// ownedElsewhere passes a control call on a receiver that another replica
// runs to that replica and answers with its answer; calls about this
// replica's receivers, or ids no replica is known to run, go to h. action
// is the call's (for a settle, its outcome is read from the path).
func (s *Server) ownedElsewhere(action board.Action, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.cfg.Replicas
		id := r.PathValue("id")
		if c == nil {
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
			respondError(w, r, badRequest("err.forward_large", "max", maxForwardedBody))
			return
		}
		call := forwardedCall{Receiver: id, Action: string(action), ContentType: r.Header.Get("Content-Type"), Body: body, Lang: string(requestLang(r))}
		if action == "" {
			call.Action, call.Tag = r.PathValue("outcome"), r.PathValue("tag")
		}
		if s.cfg.Access.Token != "" && s.cfg.Access.presenter(r) {
			call.Token = s.cfg.Access.Token
		}
		data, _ := json.Marshal(call)
		data, err = c.Call(r.Context(), owner, data)
		if errors.Is(err, board.ErrNoReplica) {
			// Its replica is gone: nobody runs that receiver any more.
			h(w, r)
			return
		}
		var answer forwardedAnswer
		if err == nil {
			err = json.Unmarshal(data, &answer)
		}
		if err == nil && (answer.Status < 200 || answer.Status > 599 || (len(answer.Body) > 0 && !json.Valid(answer.Body))) {
			err = board.Fail(board.CodeUnavailable, "err.replica_answer", "replica", owner)
		}
		if err != nil {
			respondError(w, r, err)
			return
		}
		if wantsRedirect(r) {
			redirectWithFlash(w, r, flash{OK: answer.OK, Text: answer.Flash})
			return
		}
		if answer.Flash != "" {
			w.Header().Set(flashHeader, url.PathEscape(answer.Flash))
			w.Header().Set(flashOKHeader, strconv.FormatBool(answer.OK))
		}
		if len(answer.Body) == 0 {
			w.WriteHeader(answer.Status)
			return
		}
		writeJSON(w, answer.Status, answer.Body)
	}
}

// ServeForwarded answers a control call that the replica sender passed on
// (the sealed message says who sent it): only the receiver-control calls,
// through this replica's own access check with the caller's token, in the
// language the caller's request asked for.
func (s *Server) ServeForwarded(sender string, data []byte) []byte {
	answer := func(status int, body errorBody) []byte {
		b, _ := json.Marshal(body)
		a, _ := json.Marshal(forwardedAnswer{Status: status, Body: b, Flash: body.Error})
		return a
	}
	var call forwardedCall
	if err := json.Unmarshal(data, &call); err != nil || !slices.Contains(forwardedActions, call.Action) {
		return answer(http.StatusBadRequest, errorBody{board.Fail(board.CodeInvalid, "err.replica_call", "replica", sender).In(words.Match(call.Lang)), board.CodeInvalid})
	}
	path := "/api/receivers/" + url.PathEscape(call.Receiver) + "/" + call.Action
	if call.Tag != "" || board.Outcome(call.Action).Chosen() {
		path = "/api/receivers/" + url.PathEscape(call.Receiver) + "/deliveries/" + url.PathEscape(call.Tag) + "/" + call.Action
	}
	r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, path, bytes.NewReader(call.Body))
	r.Header.Set("Accept", "application/json")
	if call.ContentType != "" {
		r.Header.Set("Content-Type", call.ContentType)
	}
	if l, ok := words.ParseLang(call.Lang); ok {
		r.Header.Set("Accept-Language", string(l))
	}
	if call.Token != "" {
		r.Header.Set("Authorization", "Bearer "+call.Token)
	}
	rec := httptest.NewRecorder()
	s.cfg.Access.guard(sniffJSON(s.mux)).ServeHTTP(rec, r)
	text, _ := url.PathUnescape(rec.Header().Get(flashHeader))
	a := forwardedAnswer{Status: rec.Code, Body: rec.Body.Bytes(), Flash: text, OK: rec.Header().Get(flashOKHeader) == "true"}
	if rec.Code >= 400 {
		var e errorBody
		if json.Unmarshal(rec.Body.Bytes(), &e) == nil {
			a.Flash = e.Error
		}
	}
	if !json.Valid(a.Body) {
		a.Body = nil
	}
	out, _ := json.Marshal(a)
	return out
}

// listReplicas is GET /api/replicas: the live replicas, this one included;
// without a cluster, this one alone.
func (s *Server) listReplicas(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Replicas != nil {
		writeJSON(w, http.StatusOK, s.cfg.Replicas.Replicas())
		return
	}
	writeJSON(w, http.StatusOK, []board.ReplicaInfo{{ID: s.cfg.ReplicaID, Addr: s.Addr(), Started: s.started, Receivers: len(s.cfg.Broker.Receivers())}})
}
