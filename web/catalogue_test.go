package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"

	"github.com/gorilla/websocket"
)

// raw sends a request exactly as given and returns the status and the
// error object of the answer.
func (s *stack) raw(t testing.TB, method, path, contentType, body string, headers map[string]string) (int, errorBody) {
	t.Helper()
	status, data := s.fetch(t, method, path, contentType, body, headers)
	var e errorBody
	_ = json.Unmarshal(data, &e)
	return status, e
}

// fetch sends a request exactly as given and returns the status and body.
// A "Host" header names the host the request says it is for.
func (s *stack) fetch(t testing.TB, method, path, contentType, body string, headers map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if host, ok := headers["Host"]; ok {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return resp.StatusCode, nil // a WebSocket: nothing to read to its end
	}
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// hangul matches a Korean syllable.
var hangul = regexp.MustCompile(`\p{Hangul}`)

// nestedJSON is an object nesting objects depth levels deep.
func nestedJSON(depth int) map[string]any {
	m := map[string]any{"leaf": "x"}
	for range depth {
		m = map[string]any{"n": m}
	}
	return m
}

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// Bad input of every kind gets the contract's status and code with a
// sentence, the dashboard keeps serving, and a publish right after still
// succeeds on the same broker connection.
func TestBadInputCatalogue(t *testing.T) {
	s := startStackWith(t, options{limits: Limits{MaxCount: 100, MaxBody: 1024}, maxReceivers: 4})
	q := s.queue(t, board.QueueSpec{})
	interactive := s.receiver(t, board.ReceiverSpec{Queue: q, Ack: board.AckInteractive})
	manual := s.receiver(t, board.ReceiverSpec{Queue: q, Ack: board.AckManual})
	s.receiver(t, board.ReceiverSpec{Queue: q})
	s.receiver(t, board.ReceiverSpec{Queue: q}) // the fourth: the limit
	const form = "application/x-www-form-urlencoded"
	const js = "application/json"
	manyHeaders := map[string]any{}
	for i := range 65 {
		manyHeaders[fmt.Sprint("h", i)] = i
	}
	pub := func(fields map[string]any) string {
		m := map[string]any{"routing_key": q}
		for k, v := range fields {
			m[k] = v
		}
		return jsonOf(m)
	}
	for _, tc := range []struct {
		name, method, path, ct, body string
		headers                      map[string]string
		status                       int
		code                         board.Code
	}{
		{"malformed JSON", "POST", "/api/publish", js, `{"routing_key":`, nil, 400, "invalid_input"},
		{"not an object", "POST", "/api/publish", js, `[1,2]`, nil, 400, "invalid_input"},
		{"two objects", "POST", "/api/publish", js, `{} {}`, nil, 400, "invalid_input"},
		{"wrong type", "POST", "/api/publish", js, `{"count":"ten"}`, nil, 400, "invalid_input"},
		{"unknown field", "POST", "/api/publish", js, `{"routing_ky":"x"}`, nil, 400, "invalid_input"},
		{"count zero", "POST", "/api/publish", js, pub(map[string]any{"count": 0}), nil, 400, "invalid_input"},
		{"negative count", "POST", "/api/publish", js, pub(map[string]any{"count": -5}), nil, 400, "invalid_input"},
		{"count over the limit", "POST", "/api/publish", js, pub(map[string]any{"count": 101}), nil, 429, "limit_reached"},
		{"huge count", "POST", "/api/publish", js, pub(map[string]any{"count": 1e15}), nil, 429, "limit_reached"},
		{"count beyond int64", "POST", "/api/publish", js, `{"count":1e30}`, nil, 400, "invalid_input"},
		{"bad base64", "POST", "/api/publish", js, pub(map[string]any{"encoding": "base64", "body": "%%%"}), nil, 400, "invalid_input"},
		{"unknown encoding", "POST", "/api/publish", js, pub(map[string]any{"encoding": "hex"}), nil, 400, "invalid_input"},
		{"bad expiration", "POST", "/api/publish", js, pub(map[string]any{"properties": map[string]any{"expiration": "soon"}}), nil, 400, "invalid_input"},
		{"priority over 255", "POST", "/api/publish", js, pub(map[string]any{"properties": map[string]any{"priority": 300}}), nil, 400, "invalid_input"},
		{"unknown exchange", "POST", "/api/publish", js, pub(map[string]any{"exchange": "rb-nope"}), nil, 404, "NOT_FOUND"},
		{"body over the limit", "POST", "/api/publish", js, pub(map[string]any{"body": strings.Repeat("x", 1025)}), nil, 413, "too_large"},
		{"request over the limit", "POST", "/api/publish", js, pub(map[string]any{"body": strings.Repeat("x", 200<<10)}), nil, 413, "too_large"},
		{"too many headers", "POST", "/api/publish", js, pub(map[string]any{"headers": manyHeaders}), nil, 413, "too_large"},
		{"256-byte routing key", "POST", "/api/publish", js, pub(map[string]any{"routing_key": strings.Repeat("k", 256)}), nil, 400, "invalid_input"},
		{"256-byte header name", "POST", "/api/publish", js, pub(map[string]any{"headers": map[string]any{strings.Repeat("h", 256): "v"}}), nil, 400, "invalid_input"},
		{"headers nested 40 deep", "POST", "/api/publish", js, pub(map[string]any{"headers": nestedJSON(40)}), nil, 400, "invalid_input"},
		{"256-byte content type", "POST", "/api/publish", js, pub(map[string]any{"properties": map[string]any{"content_type": strings.Repeat("c", 256)}}), nil, 400, "invalid_input"},
		{"routing key not UTF-8", "POST", "/api/publish", form, "routing_key=%FF%FE&body=x", map[string]string{"Accept": js}, 400, "invalid_input"},
		{"publish to the firehose", "POST", "/api/publish", js, pub(map[string]any{"exchange": "amq.rabbitmq.trace"}), nil, 403, "ACCESS_REFUSED"},
		{"form with a bad count", "POST", "/api/publish", form, "routing_key=" + q + "&count=many", map[string]string{"Accept": js}, 400, "invalid_input"},
		{"redeclare differently", "POST", "/api/queues", js, jsonOf(map[string]any{"name": q, "durable": true}), nil, 409, "PRECONDITION_FAILED"},
		{"amq.* name", "POST", "/api/queues", js, `{"name":"amq.mine"}`, nil, 403, "ACCESS_REFUSED"},
		{"empty name", "POST", "/api/queues", js, `{"name":""}`, nil, 400, "invalid_input"},
		{"256-byte name", "POST", "/api/queues", js, jsonOf(map[string]any{"name": strings.Repeat("q", 256)}), nil, 400, "invalid_input"},
		{"TTL as text", "POST", "/api/queues", js, `{"name":"rb-web-ttl-text","arguments":{"x-message-ttl":"soon"}}`, nil, 409, "PRECONDITION_FAILED"},
		{"delete an unknown queue", "DELETE", "/api/queues/rb-no-such-queue", "", "", nil, 404, "NOT_FOUND"},
		{"purge an unknown queue", "POST", "/api/queues/rb-no-such-queue/purge", "", "", nil, 404, "NOT_FOUND"},
		{"receiver on an unknown queue", "POST", "/api/receivers", js, `{"queue":"rb-no-such-queue"}`, nil, 404, "NOT_FOUND"},
		{"unknown ack mode", "POST", "/api/receivers", js, jsonOf(map[string]any{"queue": q, "ack": "sometimes"}), nil, 400, "invalid_input"},
		{"negative prefetch", "POST", "/api/receivers", js, jsonOf(map[string]any{"queue": q, "prefetch": -1}), nil, 400, "invalid_input"},
		{"prefetch over 65535", "POST", "/api/receivers", js, jsonOf(map[string]any{"queue": q, "prefetch": 70000}), nil, 400, "invalid_input"},
		{"negative work_ms", "POST", "/api/receivers", js, jsonOf(map[string]any{"queue": q, "work_ms": -1}), nil, 400, "invalid_input"},
		{"too many receivers", "POST", "/api/receivers", js, jsonOf(map[string]any{"queue": q}), nil, 429, "limit_reached"},
		{"unknown receiver", "POST", "/api/receivers/r999/pause", "", "", nil, 404, "not_found"},
		{"unknown delivery tag", "POST", "/api/receivers/" + interactive.ID + "/deliveries/77/ack", "", "", nil, 404, "not_found"},
		{"settle on a manual receiver", "POST", "/api/receivers/" + manual.ID + "/deliveries/1/ack", "", "", nil, 409, "invalid_input"},
		{"delivery tag not a number", "POST", "/api/receivers/" + interactive.ID + "/deliveries/abc/ack", "", "", nil, 400, "invalid_input"},
		{"unknown settle outcome", "POST", "/api/receivers/" + interactive.ID + "/deliveries/1/forget", "", "", nil, 404, "not_found"},
		{"unknown exchange type", "POST", "/api/exchanges", js, `{"name":"rb-web-weird","type":"x-weird"}`, nil, 400, "invalid_input"},
		{"amq.* exchange", "POST", "/api/exchanges", js, `{"name":"amq.mine","type":"direct"}`, nil, 403, "ACCESS_REFUSED"},
		{"delete a built-in exchange", "DELETE", "/api/exchanges/amq.direct", "", "", nil, 403, "ACCESS_REFUSED"},
		{"bind to an unknown exchange", "POST", "/api/bindings", js, jsonOf(map[string]any{"exchange": "rb-nope", "queue": q}), nil, 404, "NOT_FOUND"},
		{"binding key not UTF-8", "POST", "/api/bindings", form, "exchange=amq.direct&queue=" + q + "&routing_key=%C3%28", map[string]string{"Accept": js}, 400, "invalid_input"},
		{"256-byte binding argument name", "POST", "/api/bindings", js, jsonOf(map[string]any{"exchange": "amq.headers", "queue": q, "arguments": map[string]any{strings.Repeat("a", 256): 1}}), nil, 400, "invalid_input"},
		{"256-byte queue argument name", "POST", "/api/queues", js, jsonOf(map[string]any{"name": "rb-web-long-arg", "arguments": map[string]any{strings.Repeat("x", 256): 1}}), nil, 400, "invalid_input"},
		{"bind with a bad x-match", "POST", "/api/bindings", js, jsonOf(map[string]any{"exchange": "amq.headers", "queue": q, "arguments": map[string]any{"x-match": "some"}}), nil, 400, "invalid_input"},
		{"unknown lesson", "POST", "/api/presets/nope", "", "", nil, 404, "not_found"},
		{"wrong method", "PUT", "/api/publish", "", "", nil, 405, "invalid_input"},
		{"unknown endpoint", "GET", "/api/nothing", "", "", nil, 404, "not_found"},
		{"foreign origin", "POST", "/api/publish", js, pub(nil), map[string]string{"Origin": "http://evil.example"}, 403, "forbidden"},
		{"origin null", "POST", "/api/publish", js, pub(nil), map[string]string{"Origin": "null"}, 403, "forbidden"},
		{"cross-site fetch", "POST", "/api/queues", js, `{"name":"rb-web-csrf"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := s.raw(t, tc.method, tc.path, tc.ct, tc.body, tc.headers)
			if status != tc.status || e.Code != tc.code || len(e.Error) < 20 {
				t.Fatalf("%d %+v, want %d with code %s and a sentence", status, e, tc.status, tc.code)
			}
			// The same request from a browser that asks for Korean: the
			// same status and code, the sentence in Korean.
			headers := map[string]string{"Accept-Language": "ko-KR,ko;q=0.9"}
			for k, v := range tc.headers {
				headers[k] = v
			}
			status, ko := s.raw(t, tc.method, tc.path, tc.ct, tc.body, headers)
			if status != tc.status || ko.Code != tc.code || !hangul.MatchString(ko.Error) {
				t.Errorf("in Korean: %d %+v, want %d with code %s and a Korean sentence for %q", status, ko, tc.status, tc.code, e.Error)
			}
			var res board.PublishResult
			s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "still here"}, 200, &res)
			if res.Confirmed != 1 {
				t.Fatalf("publish after the error: %+v", res)
			}
		})
	}
	_ = s.broker.DeleteQueue("rb-web-ttl-text")

	t.Run("websocket from a foreign origin", func(t *testing.T) {
		_, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.url, "http")+"/ws", http.Header{"Origin": {"http://evil.example"}})
		if err == nil || resp == nil || resp.StatusCode != 403 {
			t.Fatalf("dial from a foreign origin: %v, want 403", err)
		}
	})
	t.Run("websocket frame over the read limit", func(t *testing.T) {
		v := s.viewer(t)
		_ = v.conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 5<<10))) // the server may close midway
		select {
		case <-v.done:
		case <-time.After(5 * time.Second):
			t.Fatal("the connection stayed open")
		}
		s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "still here"}, 200, nil)
	})
}

func TestPresenterToken(t *testing.T) {
	const token = "presenter-secret"
	s := startStackWith(t, options{access: Access{Token: token}})
	q := s.queue(t, board.QueueSpec{}) // as the presenter
	body := jsonOf(map[string]any{"routing_key": q})
	const js = "application/json"
	for _, tc := range []struct {
		name    string
		headers map[string]string
		status  int
		code    board.Code
	}{
		{"no token", nil, 401, "unauthorized"},
		{"wrong token", map[string]string{"Authorization": "Bearer guess"}, 403, "forbidden"},
		{"wrong cookie", map[string]string{"Cookie": sessionCookie + "=guess"}, 403, "forbidden"},
		{"right token", map[string]string{"Authorization": "Bearer " + token}, 200, ""},
		{"the token as a cookie", map[string]string{"Cookie": sessionCookie + "=" + token}, 403, "forbidden"},
		{"right cookie", map[string]string{"Cookie": sessionCookie + "=" + s.session(t, token)}, 200, ""},
		{"right cookie beside a proxy's Basic", map[string]string{"Cookie": sessionCookie + "=" + s.session(t, token), "Authorization": "Basic dXNlcjpwYXNz"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := s.raw(t, "POST", "/api/publish", js, body, tc.headers)
			if status != tc.status || e.Code != tc.code {
				t.Fatalf("%d %+v, want %d %s", status, e, tc.status, tc.code)
			}
		})
	}
	page := func(headers map[string]string) string {
		status, data := s.fetch(t, "GET", "/", "", "", headers)
		if status != 200 {
			t.Fatalf("page: %d", status)
		}
		return string(data)
	}
	if p := page(nil); strings.Contains(p, `action="/api/publish"`) || !strings.Contains(p, `data-presenter="false"`) {
		t.Error("a viewer's page has controls")
	}
	if p := page(map[string]string{"Cookie": sessionCookie + "=" + s.session(t, token)}); !strings.Contains(p, `action="/api/publish"`) {
		t.Error("the presenter's page has no publish form")
	}
	// Viewers see how many watch; only the presenter sees the process's insides.
	for _, tc := range []struct {
		headers map[string]string
		inside  bool
	}{{nil, false}, {map[string]string{"Authorization": "Bearer " + token}, true}} {
		_, data := s.fetch(t, "GET", "/api/stats", "", "", tc.headers)
		var stats map[string]any
		if err := json.Unmarshal(data, &stats); err != nil {
			t.Fatal(err)
		}
		_, heap := stats["heap_bytes"]
		_, goroutines := stats["goroutines"]
		if _, viewers := stats["viewers"]; !viewers || heap != tc.inside || goroutines != tc.inside {
			t.Errorf("stats %v with %v", stats, tc.headers)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.url + "/?token=guess")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("/?token=guess answered %d, want 403", resp.StatusCode)
	}
}

// session opens /?token= as the presenter's link does: it sets the session
// cookie, which is not the token, and takes the token out of the address.
func (s *stack) session(t *testing.T, token string) string {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.url + "/?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cs := resp.Cookies()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" || len(cs) != 1 || cs[0].Name != sessionCookie || !cs[0].HttpOnly ||
		cs[0].Value == "" || strings.Contains(cs[0].Value, token) {
		t.Fatalf("/?token= answered %d %v %v", resp.StatusCode, resp.Header.Get("Location"), cs)
	}
	return cs[0].Value
}

func TestPrivateDashboard(t *testing.T) {
	s := startStackWith(t, options{access: Access{Token: "p", Private: true}})
	for _, path := range []string{"/", "/api/queues", "/api/receivers", "/ws", "/static/app.js"} {
		s.token = ""
		if status, e := s.raw(t, "GET", path, "", "", nil); status != 401 || e.Code != "unauthorized" {
			t.Errorf("GET %s without the token: %d %+v, want 401", path, status, e)
		}
		if status, _ := s.raw(t, "GET", path, "", "", map[string]string{"Authorization": "Bearer p"}); path != "/ws" && status != 200 {
			t.Errorf("GET %s with the token: %d", path, status)
		}
	}
}

// A page of another site whose name an attacker points at 127.0.0.1 (DNS
// rebinding) sends its own name as Host: on a loopback listener only the
// loopback names and the configured ones are served, /ws included.
func TestHostAllowlist(t *testing.T) {
	s := startStackWith(t, options{allowedHosts: []string{"dash.example"}})
	port := s.url[strings.LastIndex(s.url, ":")+1:]
	send := func(method, path, host string, headers map[string]string, body string) (int, errorBody) {
		return s.raw(t, method, path, "", body, mergeHeaders(headers, map[string]string{"Host": host}))
	}
	upgrade := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
	declare := `{"name":"rb-web-rebinding"}`
	t.Cleanup(func() { _ = s.broker.DeleteQueue("rb-web-rebinding") })
	for _, tc := range []struct {
		name, method, path, host string
		headers                  map[string]string
		body                     string
		status                   int
	}{
		{"rebinding declare", "POST", "/api/queues", "evil.example:" + port, map[string]string{"Origin": "http://evil.example:" + port, "Content-Type": "application/json"}, declare, 421},
		{"rebinding delete", "DELETE", "/api/queues/rb-web-rebinding", "evil.example:" + port, map[string]string{"Origin": "http://evil.example:" + port}, "", 421},
		{"rebinding page", "GET", "/", "evil.example:" + port, nil, "", 421},
		{"rebinding /ws", "GET", "/ws", "evil.example:" + port, mergeHeaders(upgrade, map[string]string{"Origin": "http://evil.example:" + port}), "", 421},
		{"rebinding without a port", "GET", "/api/queues", "evil.example", nil, "", 421},
		{"localhost", "GET", "/api/queues", "localhost:" + port, nil, "", 200},
		{"127.0.0.1", "GET", "/api/queues", "127.0.0.1:" + port, nil, "", 200},
		{"[::1]", "GET", "/api/queues", "[::1]:" + port, nil, "", 200},
		{"a configured name in capitals", "GET", "/api/queues", "Dash.Example:" + port, nil, "", 200},
		{"a configured name", "POST", "/api/queues", "dash.example:" + port, map[string]string{"Origin": "http://dash.example:" + port, "Content-Type": "application/json"}, declare, 201},
		{"/ws by a configured name", "GET", "/ws", "dash.example:" + port, mergeHeaders(upgrade, map[string]string{"Origin": "http://dash.example:" + port}), "", 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := send(tc.method, tc.path, tc.host, tc.headers, tc.body)
			if status != tc.status {
				t.Fatalf("%d %+v, want %d", status, e, tc.status)
			}
			if status == 421 && (e.Code != "forbidden" || !strings.Contains(e.Error, "localhost")) {
				t.Fatalf("refusal %+v", e)
			}
		})
	}
}

func mergeHeaders(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
