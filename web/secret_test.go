package web

import (
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"rabbitboard/board"
	"rabbitboard/mq"

	"rabbitboard/internal/testkit"
)

// The AMQP password never shows: not in the page, the API, the WebSocket,
// a log line or an error, whatever the URL looks like.
func TestPasswordNeverShows(t *testing.T) {
	const user, password = "rabbitboard-test", "S3cret:p@ss/w%rd?"
	_ = exec.Command("rabbitmqctl", "delete_user", user).Run()
	testkit.Rabbitmqctl(t, "add_user", user, password)
	t.Cleanup(func() { _ = exec.Command("rabbitmqctl", "delete_user", user).Run() })
	testkit.Rabbitmqctl(t, "set_permissions", "-p", "/", user, ".*", ".*", ".*")

	u := url.URL{Scheme: "amqp", User: url.UserPassword(user, password), Host: "127.0.0.1:5672", Path: "/"}
	forms := map[string]bool{password: true, url.QueryEscape(password): true, url.PathEscape(password): true, u.User.String(): true}
	leaks := func(where, text string) {
		t.Helper()
		for f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("%s shows the password (as %q):\n%s", where, f, text)
			}
		}
	}

	logs := &testkit.SyncBuffer{}
	s := startStackWith(t, options{amqpURL: u.String(), log: logs})
	q := s.queue(t, board.QueueSpec{})
	v := s.viewer(t)
	for _, path := range []string{"/", "/healthz", "/api/queues", "/api/receivers"} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		leaks("GET "+path, string(body))
	}
	for _, body := range []string{`{"name":"amq.x"}`, `{"name":"` + q + `","durable":true}`} {
		_, e := s.raw(t, "POST", "/api/queues", "application/json", body, nil)
		leaks("an error", e.Error)
	}
	testkit.WaitFor(t, 5*time.Second, "the snapshot", func() bool { return len(v.of("snapshot", "")) == 1 })

	// A wrong vhost: the broker refuses the connection, and the refusal is
	// shown to everyone and logged.
	badVhost := u
	badVhost.Path = "/no-such-vhost"
	down := startStackWith(t, options{amqpURL: badVhost.String(), log: logs, skipWait: true})
	testkit.WaitFor(t, 5*time.Second, "the refusal", func() bool { return down.broker.State().Error != "" })
	leaks("the broker state", down.broker.State().Error)
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(down.url, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, snap, _ := conn.ReadMessage()
	conn.Close()
	leaks("the snapshot", string(snap))

	// A cluster's list whose first node does not answer: rabbitboard moves
	// on to the next, and neither URL's password shows.
	unreachable := u
	unreachable.Host = "127.0.0.1:1"
	list := startStackWith(t, options{amqpURL: unreachable.String() + "," + u.String(), log: logs})
	if st := list.broker.State(); st.Node != "127.0.0.1:5672" {
		t.Errorf("on node %q, want the second", st.Node)
	}
	if resp, err := http.Get(list.url + "/healthz"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		leaks("the cluster's health", string(body))
		if !strings.Contains(string(body), `"node":"127.0.0.1:5672"`) {
			t.Errorf("health %s does not name the node", body)
		}
	}
	leaks("the cluster's URL as logged", mq.Redact(unreachable.String()+","+u.String()))

	// A URL that does not parse is refused without repeating it.
	bad := mq.New(mq.Config{URL: "amqp://" + user + ":" + password + "@127.0.0.1:notaport/"})
	if err := bad.Open(); err == nil {
		t.Error("an unparsable URL was accepted")
	} else {
		leaks("the URL error", err.Error())
	}
	leaks("the log", logs.String())
	if !strings.Contains(logs.String(), "connected to RabbitMQ") {
		t.Errorf("the log %q does not show the connection; the test would prove nothing", logs.String())
	}
}
