package main

import (
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

// startObserving runs a rabbitboard with --observe and waits until it
// observes.
func startObserving(t *testing.T, bin string) *testkit.Dashboard {
	t.Helper()
	testkit.NeedsBroker(t)
	d, err := testkit.Start(bin, "--addr", "127.0.0.1:0", "--observe")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Cmd.Process.Kill(); _ = d.Cmd.Wait() })
	testkit.WaitFor(t, 15*time.Second, d.URL+" to observe", func() bool {
		var st struct {
			Enabled bool
			Tracing string
		}
		getJSON(t, d.URL+"/api/observe", &st)
		return st.Enabled && st.Tracing == "on"
	})
	return d
}

// Tracing is left as rabbitboard found it: after a observing rabbitboard is
// killed (SIGKILL: it cleans nothing up), the next one to start clears it;
// two observing rabbitboards stopped one after the other, or both at once,
// leave it off, ten times each; tracing an operator switched on stays on.
func TestTracingLeftAsFound(t *testing.T) {
	testkit.Rabbitmqctl(t, "trace_off", "-p", "/")
	t.Cleanup(func() { testkit.Rabbitmqctl(t, "trace_off", "-p", "/") })
	ch := testkit.Channel(t)
	t.Cleanup(func() { _, _ = ch.QueueDelete("rabbitboard.observe.switched-on", false, false, false) })
	bin, err := testkit.Build(".", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	killed := startObserving(t, bin)
	_ = killed.Cmd.Process.Kill()
	_ = killed.Cmd.Wait()
	if !testkit.Tracing(t) {
		t.Fatal("tracing is off right after the kill: the test shows nothing")
	}
	next, err := testkit.Start(bin, "--addr", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the next rabbitboard to switch tracing off", func() bool { return !testkit.Tracing(t) })
	next.Stop()

	for run := range 10 {
		a, b := startObserving(t, bin), startObserving(t, bin)
		if run%2 == 0 {
			a.Stop()
			if !testkit.Tracing(t) {
				t.Fatalf("run %d: tracing went off while B still observes\nA:\n%s\nB:\n%s", run, a.Log.String(), b.Log.String())
			}
			b.Stop()
		} else {
			var wg sync.WaitGroup
			for _, d := range []*testkit.Dashboard{a, b} {
				wg.Go(d.Stop)
			}
			wg.Wait()
		}
		if testkit.Tracing(t) {
			t.Fatalf("run %d (%s): tracing left on", run, map[bool]string{true: "in turn", false: "at once"}[run%2 == 0])
		}
		if _, err := ch.QueueDeclarePassive("rabbitboard.observe.switched-on", true, false, false, false, nil); err == nil {
			t.Fatalf("run %d: the marker is left behind", run)
		} else if e, ok := err.(*amqp.Error); !ok || e.Code != amqp.NotFound {
			t.Fatal(err)
		}
		ch = testkit.Channel(t) // the passive declare's 404 closed it
	}

	testkit.Rabbitmqctl(t, "trace_on", "-p", "/")
	operators := startObserving(t, bin)
	operators.Stop()
	if !testkit.Tracing(t) {
		t.Fatal("tracing an operator switched on went off")
	}
}
