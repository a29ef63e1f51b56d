package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rabbitboard/internal/testkit"
	"rabbitboard/mq"
)

// worker is the work queue tutorial's worker.py, run by python3 with pika:
// another program, as a student runs it in a terminal.
type worker struct {
	cmd *exec.Cmd
	mu  sync.Mutex
	got []string // the bodies it printed
}

func startWorker(t *testing.T, queue string, args ...string) *worker {
	t.Helper()
	w := &worker{cmd: exec.Command("/usr/bin/python3", append([]string{"testdata/worker.py", queue}, args...)...)}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = w.cmd.Stdout
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	ready := make(chan struct{})
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if lines.Text() == "ready" {
				close(ready)
				continue
			}
			w.mu.Lock()
			w.got = append(w.got, lines.Text())
			w.mu.Unlock()
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("worker.py did not start: %v", w.printed())
	}
	return w
}

func (w *worker) printed() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

func newTask(t *testing.T, queue, body string) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "testdata/new_task.py", queue, body).CombinedOutput(); err != nil {
		t.Fatalf("new_task.py: %v\n%s", err, out)
	}
}

// vhostNow reads the vhost as the management API shows it.
func vhostNow(t *testing.T) (tracing bool, description string, tags any) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:15672/api/vhosts/%2F", nil)
	req.SetBasicAuth("guest", "guest")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Tracing     bool   `json:"tracing"`
		Description string `json:"description"`
		Tags        any    `json:"tags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v.Tracing, v.Description, v.Tags
}

// tracingOff switches the firehose off now and when the test ends.
func tracingOff(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
}

func (s *stack) outside(t *testing.T) []mq.ReceiverInfo {
	var all []mq.ReceiverInfo
	s.mustCall(t, "GET", "/api/receivers", nil, http.StatusOK, &all)
	return slices.DeleteFunc(all, func(r mq.ReceiverInfo) bool { return r.Kind != mq.KindOutside })
}

func (s *stack) outsideOn(t *testing.T, queue string, n int) []mq.ReceiverInfo {
	t.Helper()
	var on []mq.ReceiverInfo
	testkit.WaitFor(t, 15*time.Second, "outside consumers on "+queue, func() bool {
		on = slices.DeleteFunc(s.outside(t), func(r mq.ReceiverInfo) bool { return r.Queue != queue || r.State != mq.StateConsuming })
		return len(on) == n
	})
	return on
}

// Two tutorial workers (prefetch 1, manual ack) and six tasks from
// new_task.py: each worker is a column holding exactly what it printed,
// with its prefetch and ack mode; unacked falls back to 0; the queue keeps
// exactly its two consumers; the six publishes show with their routed
// queue, rabbitboard's own publish does not show as another program's; a
// killed worker turns gone and the message it held shows redelivered to
// the other; tracing is left off as it was found, the vhost's description
// and tags untouched.
func TestObserveTutorialWorkers(t *testing.T) {
	tracingOff(t)
	_, description, tags := vhostNow(t)
	s := startStackWith(t, options{management: true})
	v := s.viewer(t)
	q := s.queue(t, mq.QueueSpec{Name: "rb-web-observe-tasks", Durable: true})

	var st mq.ObserveEvent
	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": true}, http.StatusOK, &st)
	if !st.Enabled || st.Tracing != mq.TracingOn {
		t.Fatalf("observe answered %+v", st)
	}
	if on, _, _ := vhostNow(t); !on {
		t.Fatal("tracing is not on at the broker")
	}

	a := startWorker(t, q)
	s.outsideOn(t, q, 1)
	b := startWorker(t, q)
	columns := s.outsideOn(t, q, 2)
	for _, c := range columns {
		if c.Prefetch != 1 || c.Ack != mq.AckManual || !strings.HasPrefix(c.Name, "pika 127.0.0.1:") || !strings.HasPrefix(c.Client, "Pika Python Client Library ") || c.Connection == "" {
			t.Fatalf("outside column %+v", c)
		}
	}
	tasks := []string{"Task 1.", "Task 2.", "Task 3.", "Task 4.", "Task 5.", "Task 6."}
	for _, task := range tasks {
		newTask(t, q, task)
	}
	testkit.WaitFor(t, 10*time.Second, "the workers to print six tasks", func() bool { return len(a.printed())+len(b.printed()) == 6 })
	shown := func() map[string][]string {
		m := map[string][]string{}
		for _, d := range v.of("delivery", "") {
			m[d["receiver"].(string)] = append(m[d["receiver"].(string)], d["body"].(string))
		}
		return m
	}
	testkit.WaitFor(t, 5*time.Second, "six deliveries on the page", func() bool { return len(shown()[columns[0].ID])+len(shown()[columns[1].ID]) == 6 })
	byColumn := shown()
	for _, w := range []*worker{a, b} {
		got := w.printed()
		if !slices.Equal(got, byColumn[columns[0].ID]) && !slices.Equal(got, byColumn[columns[1].ID]) {
			t.Fatalf("a worker printed %v; the columns hold %v and %v", got, byColumn[columns[0].ID], byColumn[columns[1].ID])
		}
	}
	if slices.Equal(byColumn[columns[0].ID], byColumn[columns[1].ID]) {
		t.Fatalf("both columns hold %v", byColumn[columns[0].ID])
	}
	testkit.WaitFor(t, 20*time.Second, "unacked back to 0", func() bool {
		for _, c := range s.outsideOn(t, q, 2) {
			if c.Unacked != 0 || c.Received != 3 {
				return false
			}
		}
		return true
	})
	var info mq.QueueInfo
	s.mustCall(t, "GET", "/api/queues/"+q, nil, http.StatusOK, &info)
	if info.Consumers != 2 || info.Messages != 0 {
		t.Fatalf("queue %+v, want 2 consumers and no message", info)
	}

	// The six publishes, with where they went; not rabbitboard's own.
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": "rb-web-observe-nowhere", "body": "from the page"}, http.StatusOK, nil)
	time.Sleep(500 * time.Millisecond)
	var published []string
	for _, p := range v.of("observed_publish", "") {
		if p["body"] == "from the page" {
			t.Fatal("rabbitboard's own publish shows as another program's")
		}
		if p["routing_key"] == q {
			routed, _ := json.Marshal(p["routed_queues"])
			client, _, _ := strings.Cut(p["connection"].(string), " -> ")
			if string(routed) != `["`+q+`"]` || !strings.HasSuffix(p["name"].(string), " "+client) {
				t.Fatalf("observed publish %v", p)
			}
			published = append(published, p["body"].(string))
		}
	}
	if !slices.Equal(published, tasks) {
		t.Fatalf("observed publishes %v, want %v", published, tasks)
	}

	// Kill a worker that holds a message: its column turns gone and the
	// other gets the message, redelivered.
	newTask(t, q, "Task long..........")
	newTask(t, q, "Task other..........")
	testkit.WaitFor(t, 5*time.Second, "both long tasks taken", func() bool { return len(a.printed())+len(b.printed()) == 8 })
	held := a.printed()[len(a.printed())-1]
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	var aID, bID string
	for _, c := range columns {
		if slices.Contains(byColumn[c.ID], a.printed()[0]) {
			aID = c.ID
		} else {
			bID = c.ID
		}
	}
	testkit.WaitFor(t, 10*time.Second, "the killed worker's column gone", func() bool {
		for _, c := range s.outside(t) {
			if c.ID == aID {
				return c.State == mq.StateGone
			}
		}
		return false
	})
	testkit.WaitFor(t, 10*time.Second, "the held message redelivered to the other worker", func() bool {
		for _, d := range v.of("delivery", bID) {
			if d["body"] == held && d["redelivered"] == true {
				return true
			}
		}
		return false
	})

	s.mustCall(t, "POST", "/api/observe", map[string]any{"enabled": false}, http.StatusOK, &st)
	if st.Enabled || len(s.outside(t)) != 0 {
		t.Fatalf("after stopping: %+v, %d outside receivers", st, len(s.outside(t)))
	}
	on, d, tg := vhostNow(t)
	tagsJSON, _ := json.Marshal(tags)
	tgJSON, _ := json.Marshal(tg)
	if on || d != description || string(tagsJSON) != string(tgJSON) {
		t.Fatalf("vhost after: tracing %v, description %q, tags %s; want off, %q, %s", on, d, tgJSON, description, tagsJSON)
	}
}
