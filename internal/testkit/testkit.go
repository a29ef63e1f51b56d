// Package testkit holds what rabbitboard's tests share: the broker they
// talk to, waiting for a condition, and driving rabbitmqctl.
package testkit

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// AMQPURL is the broker the tests use: AMQP_URL, or the machine's own.
func AMQPURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// NeedsBroker skips a test that needs RabbitMQ when the suite runs with
// -short: the quick run on a machine without a broker. Without -short a
// missing broker fails the test, never skips it.
func NeedsBroker(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs RabbitMQ: skipped with -short")
	}
}

// WaitFor waits until cond holds, failing the test after the timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Rabbitmqctl runs the broker's control tool and fails the test if it fails.
func Rabbitmqctl(t testing.TB, args ...string) {
	NeedsBroker(t)
	t.Helper()
	if out, err := exec.Command("rabbitmqctl", args...).CombinedOutput(); err != nil {
		t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
	}
}

// RestartBroker stops and starts the RabbitMQ application. Whatever
// happens, the broker runs again when the test ends: the next tests and CI
// need it.
func RestartBroker(t testing.TB) {
	NeedsBroker(t)
	t.Helper()
	StopBroker(t)
	Rabbitmqctl(t, "start_app")
}

// StopBroker stops the RabbitMQ application; it runs again when the test
// ends, whatever happened.
func StopBroker(t testing.TB) {
	NeedsBroker(t)
	t.Helper()
	t.Cleanup(func() { ensureBrokerRunning(t) })
	Rabbitmqctl(t, "stop_app")
}

func ensureBrokerRunning(t testing.TB) {
	if out, err := exec.Command("rabbitmqctl", "start_app").CombinedOutput(); err != nil {
		t.Errorf("restoring the broker: %v\n%s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:5672", time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("the broker is not back on 127.0.0.1:5672")
}

// SyncBuffer collects output written from several goroutines, such as a
// log.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Channel opens a connection of its own to the test broker, as another
// program would, and returns a channel on it; both close when the test
// ends.
func Channel(t testing.TB) *amqp.Channel {
	NeedsBroker(t)
	t.Helper()
	conn, err := amqp.Dial(AMQPURL())
	if err != nil {
		t.Fatalf("connecting to %s: %v", AMQPURL(), err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// Cluster starts a three-node RabbitMQ cluster beside the machine's own
// broker (scripts/cluster.sh: AMQP on 127.0.0.1:5681-5683, management on
// 15681-15683) and stops and removes it when the test ends.
func Cluster(t testing.TB, root string) {
	NeedsBroker(t)
	t.Helper()
	script := root + "/scripts/cluster.sh"
	t.Cleanup(func() {
		if out, err := exec.Command("bash", script, "stop").CombinedOutput(); err != nil {
			t.Errorf("stopping the cluster: %v\n%s", err, out)
		}
	})
	if out, err := exec.Command("bash", script, "start").CombinedOutput(); err != nil {
		t.Fatalf("starting the cluster: %v\n%s", err, out)
	}
}

// ClusterNodes are the cluster's node names and AMQP ports.
var ClusterNodes = []struct {
	Name string
	Port int
}{{"n5681@localhost", 5681}, {"n5682@localhost", 5682}, {"n5683@localhost", 5683}}

// ManagementGet reads path of the local broker's management API into out.
func ManagementGet(t testing.TB, path string, out any) {
	NeedsBroker(t)
	t.Helper()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:15672"+path, nil)
	req.SetBasicAuth("guest", "guest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// Vhost reads the default vhost as the management API shows it: whether
// its firehose is on, its description and its tags.
func Vhost(t testing.TB) (tracing bool, description string, tags any) {
	t.Helper()
	var v struct {
		Tracing     bool   `json:"tracing"`
		Description string `json:"description"`
		Tags        any    `json:"tags"`
	}
	ManagementGet(t, "/api/vhosts/%2F", &v)
	return v.Tracing, v.Description, v.Tags
}

// Tracing says whether the default vhost's firehose is on.
func Tracing(t testing.TB) bool {
	NeedsBroker(t)
	t.Helper()
	on, _, _ := Vhost(t)
	return on
}
