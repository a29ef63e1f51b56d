package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/board"
	"rabbitboard/internal/testkit"
)

func TestHealth(t *testing.T) {
	s := startStack(t, Limits{})
	var got map[string]string
	if status := s.call(t, "GET", "/healthz", nil, &got); status != 200 || got["status"] != "ok" || got["broker"] != "connected" {
		t.Fatalf("healthz %d %v", status, got)
	}
}

// The seed's round-robin lesson over the API, as every viewer sees it, and
// a viewer that joins afterwards gets it all in its snapshot.
func TestRoundRobinLiveAndSnapshot(t *testing.T) {
	s := startStack(t, Limits{})
	early := s.viewer(t)
	q := s.queue(t, board.QueueSpec{})
	a := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker A"})
	b := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker B"})
	var res board.PublishResult
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "Task {{seq}}", "count": 10}, 200, &res)
	if res != (board.PublishResult{Published: 10, Confirmed: 10}) {
		t.Fatalf("publish answered %+v", res)
	}
	testkit.WaitFor(t, 5*time.Second, "10 deliveries at the early viewer", func() bool { return len(early.of("delivery", "")) == 10 })
	split := func(evs []map[string]any) map[any][]any {
		m := map[any][]any{}
		for _, e := range evs {
			m[e["receiver"]] = append(m[e["receiver"]], e["body"])
		}
		return m
	}
	got := split(early.of("delivery", ""))
	odd := fmt.Sprint([]any{"Task 1", "Task 3", "Task 5", "Task 7", "Task 9"})
	even := fmt.Sprint([]any{"Task 2", "Task 4", "Task 6", "Task 8", "Task 10"})
	ga, gb := fmt.Sprint(got[a.ID]), fmt.Sprint(got[b.ID])
	if !(ga == odd && gb == even) && !(ga == even && gb == odd) {
		t.Fatalf("A got %s, B got %s: want alternating halves", ga, gb)
	}

	late := s.viewer(t)
	testkit.WaitFor(t, 5*time.Second, "the late viewer's snapshot", func() bool { return len(late.of("snapshot", "")) == 1 })
	snap := late.of("snapshot", "")[0]
	if late.frames < 1 || late.events[0]["type"] != "snapshot" {
		t.Fatalf("first event %v, want the snapshot", late.events[0])
	}
	recent := snap["recent"].([]any)
	receivers := snap["receivers"].([]any)
	if len(recent) != 10 || len(receivers) != 2 {
		t.Fatalf("snapshot has %d recent and %d receivers, want 10 and 2", len(recent), len(receivers))
	}
	if got := split(toMaps(recent)); fmt.Sprint(got[a.ID]) != ga || fmt.Sprint(got[b.ID]) != gb {
		t.Fatalf("snapshot deliveries %v differ from the live ones", got)
	}
	for _, r := range receivers {
		rm := r.(map[string]any)
		if rm["received"] != 5.0 || rm["acked"] != 5.0 || rm["unacked"] != 0.0 || rm["state"] != "consuming" {
			t.Errorf("snapshot receiver %v, want 5 received and acked, consuming", rm)
		}
	}
}

func toMaps(xs []any) []map[string]any {
	out := make([]map[string]any, len(xs))
	for i, x := range xs {
		out[i] = x.(map[string]any)
	}
	return out
}

// Properties, headers and a binary body arrive intact at a receiver.
func TestPublishPropertiesAndBinary(t *testing.T) {
	s := startStack(t, Limits{})
	v := s.viewer(t)
	q := s.queue(t, board.QueueSpec{Durable: true})
	r := s.receiver(t, board.ReceiverSpec{Queue: q})
	s.mustCall(t, "POST", "/api/publish", map[string]any{
		"routing_key": q, "persistent": true,
		"properties": map[string]any{"content_type": "application/json", "message_id": "order-7", "priority": 5},
		"headers":    map[string]any{"tenant": "acme", "attempt": 2},
		"body":       `{"order":7}`,
	}, 200, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "encoding": "base64", "body": "AAEC/w=="}, 200, nil)
	testkit.WaitFor(t, 5*time.Second, "2 deliveries", func() bool { return len(v.of("delivery", r.ID)) == 2 })
	d := v.of("delivery", r.ID)
	props := d[0]["properties"].(map[string]any)
	headers := d[0]["headers"].(map[string]any)
	if d[0]["body"] != `{"order":7}` || d[0]["encoding"] != nil || props["delivery_mode"] != 2.0 ||
		props["content_type"] != "application/json" || props["message_id"] != "order-7" || props["priority"] != 5.0 ||
		headers["tenant"] != "acme" || headers["attempt"] != 2.0 {
		t.Errorf("first delivery %v", d[0])
	}
	if d[1]["body"] != "AAEC/w==" || d[1]["encoding"] != "base64" || d[1]["body_size"] != 4.0 {
		t.Errorf("binary delivery %v, want base64 AAEC/w== of 4 bytes", d[1])
	}
}

// A viewer of brief deliveries gets each delivery with only who got which
// message, in what order and how to ack it, and every other event as
// everyone does; a viewer of full ones beside it still gets every field.
func TestBriefDeliveries(t *testing.T) {
	s := startStack(t, Limits{})
	brief, full := s.viewerAt(t, "/ws?deliveries=brief"), s.viewerAt(t, "/ws?deliveries=full")
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Name: "worker", Ack: board.AckInteractive})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "Task 1",
		"properties": map[string]any{"message_id": "order-7"}, "headers": map[string]any{"tenant": "acme"}}, 200, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "encoding": "base64", "body": "AAEC/w=="}, 200, nil)
	testkit.WaitFor(t, 5*time.Second, "2 deliveries at both viewers", func() bool {
		return len(brief.of("delivery", r.ID)) == 2 && len(full.of("delivery", r.ID)) == 2
	})
	got := brief.of("delivery", r.ID)
	want := []map[string]any{
		{"type": "delivery", "receiver": r.ID, "queue": q, "seq": 1.0, "delivery_tag": 1.0, "body": "Task 1"},
		{"type": "delivery", "receiver": r.ID, "queue": q, "seq": 2.0, "delivery_tag": 2.0, "body": "AAEC/w==", "encoding": "base64"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("brief deliveries\n%v\nwant\n%v", got, want)
	}
	if f := full.of("delivery", r.ID)[0]; f["at"] == nil || f["counters"] == nil || f["properties"].(map[string]any)["message_id"] != "order-7" || f["headers"] == nil {
		t.Fatalf("the full viewer's delivery %v lacks fields", f)
	}
	s.mustCall(t, "POST", fmt.Sprintf("/api/receivers/%s/deliveries/%v/ack", r.ID, got[0]["delivery_tag"]), nil, 200, nil)
	testkit.WaitFor(t, 5*time.Second, "the ack at both viewers", func() bool {
		return len(brief.of("settled", r.ID)) == 1 && len(full.of("settled", r.ID)) == 1
	})
	if b, f := brief.of("settled", r.ID)[0], full.of("settled", r.ID)[0]; fmt.Sprint(b) != fmt.Sprint(f) || b["outcome"] != "ack" {
		t.Fatalf("settled %v at the brief viewer, %v at the full one", b, f)
	}
	if n := len(brief.of("snapshot", "")); n != 1 {
		t.Fatalf("the brief viewer got %d snapshots, want 1", n)
	}
	var e struct{ Error, Code string }
	if code := s.call(t, "GET", "/ws?deliveries=short", nil, &e); code != 400 || e.Code != "invalid_input" || !strings.Contains(e.Error, "'short'") {
		t.Fatalf("/ws?deliveries=short answered %d %+v, want 400 naming the value", code, e)
	}
}

// A plain form post (JavaScript off) answers 303 back to the page, which
// shows the outcome once.
func TestFormPostRedirectsWithOutcome(t *testing.T) {
	s := startStack(t, Limits{})
	q := s.queue(t, board.QueueSpec{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(s.url+"/api/publish", url.Values{"routing_key": {q}, "body": {"from a form"}, "count": {"3"}, "persistent": {"on"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("form post answered %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	info, err := s.broker.InspectQueue(q)
	if err != nil || info.Messages != 3 {
		t.Fatalf("queue has %d messages (%v), want 3", info.Messages, err)
	}
	page := func(cookies []*http.Cookie) string {
		req, _ := http.NewRequest("GET", s.url+"/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return b.String()
	}
	want := fmt.Sprintf("Published 3 of 3 to queue &#39;%s&#39; through the default exchange: 3 confirmed by the broker.", q)
	if body := page(resp.Cookies()); !strings.Contains(body, want) {
		t.Fatalf("page after the post does not say %q", want)
	}
}

// The classic Python tutorial clients (pika) and rabbitboard understand
// each other.
func TestPikaInterop(t *testing.T) {
	s := startStack(t, Limits{})
	v := s.viewer(t)
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q})
	send := `
import pika, sys
connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
channel.basic_publish(exchange="", routing_key=sys.argv[1], body="hello from pika",
                      properties=pika.BasicProperties(delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE))
connection.close()
`
	if out, err := exec.Command("/usr/bin/python3", "-c", send, q).CombinedOutput(); err != nil {
		t.Fatalf("pika sender: %v\n%s", err, out)
	}
	testkit.WaitFor(t, 5*time.Second, "pika's message in the receiver", func() bool { return len(v.of("delivery", r.ID)) == 1 })
	d := v.of("delivery", r.ID)[0]
	if d["body"] != "hello from pika" || d["properties"].(map[string]any)["delivery_mode"] != 2.0 {
		t.Fatalf("delivery %v", d)
	}

	s.mustCall(t, "DELETE", "/api/receivers/"+r.ID, nil, http.StatusNoContent, nil)
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "hello to pika"}, 200, nil)
	recv := `
import pika, sys
connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
method, properties, body = connection.channel().basic_get(queue=sys.argv[1], auto_ack=True)
print(body.decode())
connection.close()
`
	out, err := exec.Command("/usr/bin/python3", "-c", recv, q).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello to pika" {
		t.Fatalf("pika receiver printed %q (%v), want the message", out, err)
	}
}

// A mandatory message that no binding takes comes back: the answer counts
// it and every viewer gets the returned event, in words.
func TestMandatoryPublishIsReturned(t *testing.T) {
	s := startStack(t, Limits{})
	v := s.viewer(t)
	const ex = "rb-web-logs"
	s.call(t, "DELETE", "/api/exchanges/"+ex, nil, nil)
	s.mustCall(t, "POST", "/api/exchanges", map[string]any{"name": ex, "type": "direct"}, http.StatusCreated, nil)
	t.Cleanup(func() { _ = s.broker.DeleteExchange(ex) })
	var res board.PublishResult
	s.mustCall(t, "POST", "/api/publish", map[string]any{"exchange": ex, "routing_key": "x", "body": "lost?", "mandatory": true}, 200, &res)
	if res.Published != 1 || res.Confirmed != 1 || res.Returned != 1 {
		t.Fatalf("publish answered %+v, want 1 published, confirmed and returned", res)
	}
	testkit.WaitFor(t, 5*time.Second, "the returned event", func() bool { return len(v.of("returned", "")) == 1 })
	e := v.of("returned", "")[0]
	if e["message"] != "No binding of exchange 'rb-web-logs' matches key 'x', so no queue took the message." || e["body"] != "lost?" || e["reply_text"] != "NO_ROUTE" {
		t.Fatalf("returned event %v", e)
	}
}

// Removing a receiver in the middle of long work answers at once with 202:
// it finishes and acks the message in hand, then goes.
func TestRemoveDuringLongWork(t *testing.T) {
	s := startStack(t, Limits{})
	v := s.viewer(t)
	q := s.queue(t, board.QueueSpec{})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Prefetch: 1, Ack: board.AckManual, WorkMS: 3000})
	s.mustCall(t, "POST", "/api/publish", map[string]any{"routing_key": q, "body": "long"}, 200, nil)
	testkit.WaitFor(t, 5*time.Second, "the message in hand", func() bool { return len(v.of("delivery", r.ID)) == 1 })
	var info board.ReceiverInfo
	s.mustCall(t, "DELETE", "/api/receivers/"+r.ID, nil, http.StatusAccepted, &info)
	if info.State != board.StateStopping {
		t.Fatalf("state %q, want stopping", info.State)
	}
	testkit.WaitFor(t, 5*time.Second, "the removal", func() bool { return len(v.of("receiver_removed", "")) == 1 })
	settled := v.of("settled", r.ID)
	if len(settled) != 1 || settled[0]["outcome"] != "ack" {
		t.Fatalf("settled %v, want the message acked", settled)
	}
	if q, err := s.broker.InspectQueue(q); err != nil || q.Messages != 0 {
		t.Fatalf("queue %+v %v, want it empty", q, err)
	}
}

// With the management plugin reachable, the lists hold every queue and
// exchange of the vhost, also those another program declared.
func TestListsFromTheManagementPlugin(t *testing.T) {
	s := startStackWith(t, options{management: true})
	conn, err := amqp.Dial(testkit.AMQPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, _ := conn.Channel()
	const q, ex = "rb-web-outside-queue", "rb-web-outside-exchange"
	if _, err := ch.QueueDeclare(q, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.QueueDelete(q, false, false, false)
	if err := ch.ExchangeDeclare(ex, "fanout", false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.ExchangeDelete(ex, false, false)
	if err := ch.QueueBind(q, "", ex, false, nil); err != nil {
		t.Fatal(err)
	}
	var queues []board.QueueInfo
	s.mustCall(t, "GET", "/api/queues", nil, 200, &queues)
	var exchanges []board.ExchangeSpec
	s.mustCall(t, "GET", "/api/exchanges", nil, 200, &exchanges)
	var bindings []board.BindingSpec
	s.mustCall(t, "GET", "/api/bindings", nil, 200, &bindings)
	has := func(n int, match func(i int) bool) bool {
		for i := range n {
			if match(i) {
				return true
			}
		}
		return false
	}
	if !has(len(queues), func(i int) bool { return queues[i].Name == q }) {
		t.Errorf("GET /api/queues lacks %s (is the management plugin enabled? the test command enables it)", q)
	}
	if !has(len(exchanges), func(i int) bool { return exchanges[i].Name == ex && exchanges[i].Type == "fanout" }) {
		t.Errorf("GET /api/exchanges lacks %s", ex)
	}
	if !has(len(bindings), func(i int) bool { return bindings[i].Exchange == ex && bindings[i].Queue == q }) {
		t.Errorf("GET /api/bindings lacks %s -> %s", ex, q)
	}
}

// A pika client publishes a message whose headers nest 40 tables deep: the
// broker takes it, and rabbitboard shows it as undecodable to every viewer,
// rejects it to the dead-letter queue, and never loses its connection.
func TestPikaPoisonMessage(t *testing.T) {
	s := startStack(t, Limits{})
	v := s.viewer(t)
	dead := s.queue(t, board.QueueSpec{Name: "rb-web-poison-dead"})
	q := s.queue(t, board.QueueSpec{Name: "rb-web-poison", Arguments: map[string]any{"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dead}})
	r := s.receiver(t, board.ReceiverSpec{Queue: q, Prefetch: 1, Ack: board.AckManual})
	send := `
import pika, sys
headers = {"leaf": "x"}
for _ in range(40):
    headers = {"n": headers}
connection = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1"))
channel = connection.channel()
channel.confirm_delivery()
channel.basic_publish(exchange="", routing_key=sys.argv[1], body="poison from pika",
                      properties=pika.BasicProperties(headers=headers))
channel.basic_publish(exchange="", routing_key=sys.argv[1], body="fine from pika")
connection.close()
`
	if out, err := exec.Command("/usr/bin/python3", "-c", send, q).CombinedOutput(); err != nil {
		t.Fatalf("pika sender: %v\n%s", err, out)
	}
	testkit.WaitFor(t, 5*time.Second, "both of pika's messages", func() bool { return len(v.of("delivery", r.ID)) == 2 })
	ds := v.of("delivery", r.ID)
	if ds[0]["body"] != "poison from pika" || ds[0]["undecodable"] != "Its headers cannot be decoded: tables nest deeper than 32 levels." || ds[0]["redelivered"] != nil {
		t.Fatalf("first delivery %v", ds[0])
	}
	if said, _ := ds[0]["undecodable_said"].(map[string]any); said["ko"] != "헤더를 디코딩할 수 없습니다: 테이블이 32단계보다 깊게 중첩되어 있습니다." {
		t.Fatalf("the Korean page is told %v", ds[0]["undecodable_said"])
	}
	if ds[1]["body"] != "fine from pika" || ds[1]["undecodable"] != nil {
		t.Fatalf("second delivery %v", ds[1])
	}
	testkit.WaitFor(t, 5*time.Second, "the poison message dead-lettered and the other acked", func() bool {
		st := v.of("settled", r.ID)
		if len(st) != 2 || st[0]["outcome"] != "reject" || st[0]["requeue"] != false || st[1]["outcome"] != "ack" {
			return false
		}
		dq, err := s.broker.InspectQueue(dead)
		return err == nil && dq.Messages == 1
	})
	if n := len(v.of("broker", "")); n != 0 {
		t.Fatalf("%d broker events: the connection dropped", n)
	}
	var info board.ReceiverInfo
	s.mustCall(t, "GET", "/api/receivers/"+r.ID, nil, http.StatusOK, &info)
	if info.Received != 2 || info.Acked != 1 || info.Undecodable != 1 || info.Unacked != 0 {
		t.Fatalf("receiver counters %+v", info.Counters)
	}
}
