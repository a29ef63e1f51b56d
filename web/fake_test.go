package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rabbitboard/board"
	"rabbitboard/hub"
	"rabbitboard/mq"
	"rabbitboard/words"
)

// refusingBroker answers every call the handlers below make with err, as
// a broker that refuses would; it needs no RabbitMQ.
type refusingBroker struct {
	Broker // calls the tests do not make panic
	err    error
}

func (b refusingBroker) State() board.BrokerEvent {
	return board.BrokerEvent{State: board.BrokerConnected}
}
func (b refusingBroker) DeclareQueue(board.QueueSpec) (board.QueueInfo, error) {
	return board.QueueInfo{}, b.err
}
func (b refusingBroker) DeleteQueue(string) error       { return b.err }
func (b refusingBroker) PurgeQueue(string) (int, error) { return 0, b.err }
func (b refusingBroker) Bind(bd board.BindingSpec) (board.BindingSpec, error) {
	return bd, b.err
}
func (b refusingBroker) AddReceiver(board.ReceiverSpec) (board.ReceiverInfo, error) {
	return board.ReceiverInfo{}, b.err
}
func (b refusingBroker) Receiver(string) (*mq.Receiver, error) { return nil, b.err }
func (b refusingBroker) Publish(context.Context, mq.Publication) (board.PublishResult, error) {
	return board.PublishResult{}, b.err
}

// fakeServer is rabbitboard's handlers in front of a broker that refuses
// with err.
func fakeServer(err error) http.Handler {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(Config{Broker: refusingBroker{err: err}, State: NewState(hub.New(hub.Options{}), 10, log), Logger: log})
	return s.routes()
}

// ask sends a request in a language and returns the status and the error
// object.
func ask(t *testing.T, h http.Handler, lang, method, path, body string) (int, errorBody) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var e errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("%s %s: %d %q is not the contract's error object", method, path, w.Code, w.Body)
	}
	return w.Code, e
}

// Every refusal a broker gives reaches the user with the contract's status
// and code, in the sentence of the request's language, the same words the
// catalogue has for it; no RabbitMQ needed.
func TestRefusalsInBothLanguages(t *testing.T) {
	queue, exchange := words.Say("word.queue"), words.Say("word.exchange")
	tests := []struct {
		method, path, body string
		err                *board.Error
		status             int
		code               board.Code
	}{
		{"POST", "/api/queues", `{"name":"task_queue"}`, board.Fail(board.CodePreconditionFailed, "err.inequivalent", "kind", queue,
			"differs", words.Say("err.differs_type", "queue", "task_queue", "current", words.Say("qtype.quorum"), "asked", words.Say("qtype.classic"))),
			http.StatusConflict, board.CodePreconditionFailed},
		{"POST", "/api/queues", `{"name":"amq.x"}`, board.Fail(board.CodeAccessRefused, "err.reserved", "name", "amq.x", "kind", queue), http.StatusForbidden, board.CodeAccessRefused},
		{"POST", "/api/queues/q1/purge", ``, board.Fail(board.CodeBrokerNotFound, "err.no_such", "kind", queue, "name", "q1"), http.StatusNotFound, board.CodeBrokerNotFound},
		{"DELETE", "/api/queues/excl", ``, board.Fail(board.CodeResourceLocked, "err.locked", "queue", "excl"), http.StatusConflict, board.CodeResourceLocked},
		{"POST", "/api/bindings", `{"exchange":"logs","queue":"q"}`, board.Fail(board.CodeBrokerNotFound, "err.no_such", "kind", exchange, "name", "logs"), http.StatusNotFound, board.CodeBrokerNotFound},
		{"POST", "/api/receivers", `{"queue":"q"}`, board.Fail(board.CodeLimit, "err.receivers_max", "max", 32), http.StatusTooManyRequests, board.CodeLimit},
		{"POST", "/api/receivers/r9/pause", ``, board.Fail(board.CodeNotFound, "err.no_receiver", "receiver", `"r9"`), http.StatusNotFound, board.CodeNotFound},
		{"POST", "/api/receivers/o1/kill", ``, board.Fail(board.CodeNotOwned, "err.not_owned", "receiver", `"o1"`), http.StatusConflict, board.CodeNotOwned},
		{"POST", "/api/publish", `{"routing_key":"q","body":"x"}`, board.ErrUnavailable, http.StatusServiceUnavailable, board.CodeUnavailable},
		{"POST", "/api/publish", `{"routing_key":"q","body":"x","count":3}`, board.Fail(board.CodeUnavailable, "err.unconfirmed", "confirmed", 1, "count", 3,
			"why", words.Say("err.connection_lost"), "rest", 2), http.StatusServiceUnavailable, board.CodeUnavailable},
		{"POST", "/api/receivers", `{"queue":"s"}`, board.Fail(board.CodeConflict, "err.not_interactive", "receiver", "r1", "ack", "auto"), http.StatusConflict, board.CodeInvalid},
	}
	for _, tc := range tests {
		h := fakeServer(tc.err)
		for _, lang := range words.Langs {
			status, e := ask(t, h, string(lang), tc.method, tc.path, tc.body)
			if status != tc.status || e.Code != tc.code || e.Error != tc.err.In(lang) || strings.Contains(e.Error, "{") {
				t.Errorf("%s %s in %s: %d %s %q; want %d %s %q", tc.method, tc.path, lang, status, e.Code, e.Error, tc.status, tc.code, tc.err.In(lang))
			}
		}
	}
}

// Input the dashboard refuses before asking the broker is refused in
// words in both languages, with every number, and the broker is never
// asked (it would refuse with an internal error, which would show).
func TestInputRefusedBeforeTheBroker(t *testing.T) {
	h := fakeServer(errInternalForTest)
	tests := []struct {
		method, path, body string
		status             int
		code               board.Code
		en, ko             string
	}{
		{"POST", "/api/publish", `{"routing_key":"q","count":0}`, 400, board.CodeInvalid, "count must be at least 1.", "개수(count)는 1 이상이어야 합니다."},
		{"POST", "/api/publish", `{"routing_key":"q","count":10001}`, 429, board.CodeLimit, "count is 10001, more than the 10000 messages one publish may send.", "개수가 10001개로, 한 번에 발행할 수 있는 10000개보다 많습니다."},
		{"POST", "/api/publish", `{"routing_key":"q","encoding":"hex"}`, 400, board.CodeInvalid, `encoding must be text or base64, not "hex".`, `인코딩은 "hex"가 아니라 text 또는 base64여야 합니다.`},
		{"POST", "/api/queues", `{"name":"q",`, 400, board.CodeInvalid, "The JSON request ends too soon; check the closing brackets.", "JSON 요청이 너무 일찍 끝납니다: 닫는 괄호를 확인하세요."},
		{"POST", "/api/queues", `{"nmae":"q"}`, 400, board.CodeInvalid, `The request has a field this dashboard does not know: "nmae".`, `요청에 이 대시보드가 모르는 필드가 있습니다: "nmae".`},
		{"POST", "/api/receivers/r1/deliveries/0/ack", ``, 400, board.CodeInvalid, `The delivery tag must be a positive whole number, not "0".`, `전달 태그는 "0"이 아니라 양의 정수여야 합니다.`},
		{"POST", "/api/receivers/r1/deliveries/7/drop", ``, 404, board.CodeNotFound, "A delivery can be acked, nacked or rejected; drop is none of these.", "전달은 ack, nack, reject만 할 수 있습니다. drop은 그중 어느 것도 아닙니다."},
		{"GET", "/api/nothing", ``, 404, board.CodeNotFound, "There is no API endpoint GET /api/nothing.", "API 엔드포인트 GET /api/nothing은 없습니다."},
		{"PUT", "/api/queues", ``, 405, board.CodeInvalid, "PUT is not allowed on /api/queues; see the README for the API.", "/api/queues에는 PUT을 쓸 수 없습니다: README의 API 설명을 보세요."},
		{"POST", "/api/presets/nope", ``, 404, board.CodeNotFound, `There is no lesson "nope".`, `"nope"라는 단원은 없습니다.`},
	}
	for _, tc := range tests {
		for lang, want := range map[string]string{"en": tc.en, "ko": tc.ko} {
			status, e := ask(t, h, lang, tc.method, tc.path, tc.body)
			if status != tc.status || e.Code != tc.code || e.Error != want {
				t.Errorf("%s %s %s in %s: %d %s %q; want %d %s %q", tc.method, tc.path, tc.body, lang, status, e.Code, e.Error, tc.status, tc.code, want)
			}
		}
	}
}

var errInternalForTest = board.Fail(board.CodeInternal, "err.internal")
