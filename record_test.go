package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"rabbitboard/internal/testkit"
)

// timelineOf is a dashboard's timeline as GET /api/timeline says it.
func timelineOf(t *testing.T, d *testkit.Dashboard) string {
	t.Helper()
	resp, err := http.Get(d.URL + "/api/timeline")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

// deliveriesIn counts the lesson's deliveries in a timeline.
func deliveriesIn(timeline, body string) int { return strings.Count(timeline, `"body":"`+body) }

// With --record, two replicas keep one timeline in a RabbitMQ stream: both
// show the same events, numbered alike; a replica started again shows the
// events from before it stopped; the stream keeps them as long as
// --record-retention says.
func TestRecordSharedTimeline(t *testing.T) {
	stream := "rb-record-" + strings.ToLower(rand.Text()[:8])
	ch := testkit.Channel(t)
	t.Cleanup(func() { _, _ = ch.QueueDelete(stream, false, false, false) })
	_, bin, ds := startReplicas(t, 2, "--cluster-secret", "record-"+rand.Text(), "--record", stream, "--record-retention", "2h")
	freshQueue(t, ds[0].URL, "rb-record-q")
	post(t, ds[0].URL+"/api/receivers", map[string]any{"queue": "rb-record-q", "name": "recorded", "ack": "auto"}, nil)
	for i := range 4 {
		post(t, ds[1].URL+"/api/publish", map[string]any{"routing_key": "rb-record-q", "body": fmt.Sprintf("Kept %d", i+1)}, nil)
	}
	testkit.WaitFor(t, 10*time.Second, "both replicas' timelines to hold the 4 deliveries, alike", func() bool {
		a, b := timelineOf(t, ds[0]), timelineOf(t, ds[1])
		return deliveriesIn(a, "Kept ") == 4 && a == b
	})
	before := timelineOf(t, ds[0])

	// The second replica stops and starts again: the stream gives it the
	// timeline back, with the same numbers.
	ds[1].Stop()
	again, err := testkit.Start(bin, "--addr", "127.0.0.1:0", "--management-url", "-", "--record", stream)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(again.Stop)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasPrefix(timelineOf(t, again), before) {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted replica's timeline does not begin with the one before:\n%.2000s\n---- before:\n%.2000s", timelineOf(t, again), before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Its retention, as the broker's management API lists it.
	var info struct {
		Arguments map[string]any `json:"arguments"`
	}
	testkit.ManagementGet(t, "/api/queues/%2F/"+stream, &info)
	if info.Arguments["x-max-age"] != "7200s" || info.Arguments["x-queue-type"] != "stream" {
		t.Fatalf("the stream is declared with %v, want x-max-age 7200s", info.Arguments)
	}
}
