package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// startBinary builds rabbitboard and runs it with args until the test ends.
func startBinary(t *testing.T, args ...string) *testkit.Dashboard {
	t.Helper()
	bin, err := testkit.Build(".", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := testkit.Start(bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Cmd.Process.Kill() })
	return d
}

func post(t *testing.T, url string, body any, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

// SIGTERM with a receiver in the middle of its work: the message goes back
// to the queue unacked, viewers get a close frame, the process exits 0
// within 5 s.
func TestGracefulShutdown(t *testing.T) {
	d := startBinary(t, "--addr", "127.0.0.1:0", "--management-url", "-")
	base := d.URL

	q := "rb-test-graceful-shutdown"
	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	_, _ = ch.QueueDelete(q, false, false, false)
	defer ch.QueueDelete(q, false, false, false)
	post(t, base+"/api/queues", map[string]any{"name": q}, nil)
	var r struct{ ID string }
	post(t, base+"/api/receivers", map[string]any{"queue": q, "prefetch": 1, "ack": "manual", "work_ms": 60000}, &r)
	post(t, base+"/api/publish", map[string]any{"routing_key": q, "body": "long job"}, nil)
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(base + "/api/receivers/" + r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var info struct{ Unacked int }
		_ = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if info.Unacked == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the receiver never took the job")
		}
		time.Sleep(20 * time.Millisecond)
	}
	viewer, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if _, _, err := viewer.ReadMessage(); err != nil { // the snapshot
		t.Fatal(err)
	}

	signalled := time.Now()
	if err := d.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- d.Cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit: %v, want status 0", err)
		}
		t.Logf("exited %v after SIGTERM", time.Since(signalled))
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5 s after SIGTERM")
	}
	var closeErr error
	for closeErr == nil {
		_, _, closeErr = viewer.ReadMessage()
	}
	if !websocket.IsCloseError(closeErr, websocket.CloseGoingAway) {
		t.Errorf("viewer ended with %v, want a going-away close frame", closeErr)
	}
	info, err := ch.QueueDeclarePassive(q, false, false, false, false, nil)
	if err != nil || info.Messages != 1 {
		t.Fatalf("queue holds %d (%v), want the unfinished job back", info.Messages, err)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"ADDR": "0.0.0.0:9000", "MAX_COUNT": "50"}
	c, err := parse([]string{"--max-body", "1000"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || c.addr != "0.0.0.0:9000" || c.limits.MaxCount != 50 || c.limits.MaxBody != 1000 || c.amqpURL != "amqp://guest:guest@localhost:5672/" {
		t.Fatalf("parsed %+v, %v", c, err)
	}
	if _, err := parse([]string{"extra"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("a stray argument was accepted")
	}
}

// Listening beyond this machine without a token makes one, says it once
// with a link to open, and never logs it; it guards every change.
func TestGeneratedPresenterToken(t *testing.T) {
	out := &testkit.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "0.0.0.0:0", "--management-url", "-"}, func(string) string { return "" }, out)
	}()
	link := regexp.MustCompile(`http://\S+:(\d+)/\?token=(\S+)`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil; time.Sleep(20 * time.Millisecond) {
		if m = link.FindStringSubmatch(out.String()); m == nil && time.Now().After(deadline) {
			cancel()
			t.Fatalf("no link with a token in:\n%s", out.String())
		}
	}
	port, token := m[1], m[2]
	base := "http://127.0.0.1:" + port
	status := func(auth string) int {
		req, _ := http.NewRequest("POST", base+"/api/queues", strings.NewReader(`{"name":"rb-test-token"}`))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status(""); got != 401 {
		t.Errorf("without the token: %d, want 401", got)
	}
	for deadline := time.Now().Add(5 * time.Second); status(token) != 201; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the token never let a declare through")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "time=") && strings.Contains(line, token) {
			t.Errorf("a log line holds the token: %s", line)
		}
	}
	if n := strings.Count(out.String(), token); n != 1 {
		t.Errorf("the token is printed %d times, want once", n)
	}
	conn, err := amqp.Dial("amqp://guest:guest@127.0.0.1:5672/")
	if err == nil {
		ch, _ := conn.Channel()
		_, _ = ch.QueueDelete("rb-test-token", false, false, false)
		conn.Close()
	}
}
