package main

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

// --observe without the management API: the terminal, the panel and the
// 503 of POST /api/observe name what is missing and the command that
// fixes it; once the API answers, observing starts by itself.
func TestObserveWaitsForManagement(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // closed until the test opens it again: the plugin is off
	const fix = "rabbitmq-plugins enable rabbitmq_management"

	d := startBinary(t, "--addr", "127.0.0.1:0", "--observe", "--management-url", "http://"+addr)
	testkit.WaitFor(t, 10*time.Second, "the terminal to say what is missing", func() bool { return strings.Contains(d.Log.String(), fix) })
	var st board.ObserveEvent
	getJSON(t, d.URL+"/api/observe", &st)
	if st.Enabled || !strings.Contains(st.Error, fix) {
		t.Fatalf("the panel's status: %+v", st)
	}
	status, body := authed(t, "POST", d.URL+"/api/observe", "", map[string]any{"enabled": true})
	if status != http.StatusServiceUnavailable || body["code"] != string(board.CodeManagementUnavailable) || !strings.Contains(body["error"].(string), fix) {
		t.Fatalf("POST /api/observe: %d %v", status, body)
	}

	// The plugin "comes up": a proxy to the real one on that address.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse("http://127.0.0.1:15672")
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	up := time.Now()
	testkit.WaitFor(t, 5*time.Second, "observing to start by itself", func() bool {
		var st board.ObserveEvent
		getJSON(t, d.URL+"/api/observe", &st)
		return st.Enabled && st.Error == ""
	})
	t.Logf("observing started %v after the management API answered", time.Since(up).Round(100*time.Millisecond))
}
