package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	amqp "github.com/rabbitmq/amqp091-go"

	"rabbitboard/internal/testkit"
)

type box struct{ X, Y, W, H float64 }

func (a box) overlaps(b box) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

func (a box) holds(b box) bool {
	return b.X >= a.X && b.Y >= a.Y && b.X+b.W <= a.X+a.W && b.Y+b.H <= a.Y+a.H
}

type segment struct{ X1, Y1, X2, Y2 float64 }

// crosses says whether the segment passes through the box's inside
// (Liang-Barsky clipping).
func (s segment) crosses(b box) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := s.X2-s.X1, s.Y2-s.Y1
	for _, c := range [][2]float64{{-dx, s.X1 - b.X}, {dx, b.X + b.W - s.X1}, {-dy, s.Y1 - b.Y}, {dy, b.Y + b.H - s.Y1}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q <= 0 {
				return false
			}
			continue
		}
		r := q / p
		if p < 0 {
			t0 = max(t0, r)
		} else {
			t1 = min(t1, r)
		}
		if t0 >= t1 {
			return false
		}
	}
	return true
}

// drawn is the diagram as the browser laid it out.
type drawn struct {
	Labels []struct {
		Edge, Text string
		Box        box
	}
	Lines []struct {
		Edge string
		segment
	}
	Boxes  []box
	Queues []struct {
		Title, Count    string
		Rect, Name, Num box
	}
}

const readDiagram = `(() => {
	const b = (e) => { const r = e.getBBox(); return { X: r.x, Y: r.y, W: r.width, H: r.height }; };
	const d = document.querySelector("#diagram svg");
	return {
		Labels: [...d.querySelectorAll("text.label")].map((e) => ({ Edge: e.dataset.edge, Text: e.textContent, Box: b(e) })),
		Lines: [...d.querySelectorAll("line")].map((e) => ({ Edge: e.dataset.edge || "", X1: +e.getAttribute("x1"), Y1: +e.getAttribute("y1"), X2: +e.getAttribute("x2"), Y2: +e.getAttribute("y2") })),
		Boxes: [...d.querySelectorAll("g.nodes rect")].map(b),
		Queues: [...d.querySelectorAll("g.queue")].map((g) => ({ Title: g.querySelector("title").textContent, Count: g.querySelector("text.count").textContent,
			Rect: b(g.querySelector("rect")), Name: b(g.querySelector("text.name")), Num: b(g.querySelector("text.count")) })),
	};
})()`

// checkDiagram finds every overlap the README promises there is none of:
// a binding label over another label, over a box or over another route; a
// label away from its own route; a queue's count hidden or out of its box.
func checkDiagram(t *testing.T, at string, d drawn) {
	t.Helper()
	for i, l := range d.Labels {
		for _, m := range d.Labels[i+1:] {
			if l.Box.overlaps(m.Box) {
				t.Errorf("%s: labels %q and %q overlap", at, l.Text, m.Text)
			}
		}
		for _, b := range d.Boxes {
			if l.Box.overlaps(b) {
				t.Errorf("%s: label %q overlaps a box %+v", at, l.Text, b)
			}
		}
		own := 0
		for _, s := range d.Lines {
			if s.Edge != l.Edge {
				if s.crosses(l.Box) {
					t.Errorf("%s: label %q lies on another route %+v", at, l.Text, s.segment)
				}
				continue
			}
			// Its route comes in at its left and goes on from its right,
			// level with its middle.
			if s.Y1 == s.Y2 && s.Y1 > l.Box.Y && s.Y1 < l.Box.Y+l.Box.H && s.X1 >= l.Box.X+l.Box.W && s.X1-(l.Box.X+l.Box.W) < 12 {
				own++
			}
			if s.X2 <= l.Box.X && l.Box.X-s.X2 < 12 && s.Y2 > l.Box.Y && s.Y2 < l.Box.Y+l.Box.H {
				own++
			}
		}
		if own != 2 {
			t.Errorf("%s: label %q is not on its own route (%d of its 2 ends beside it)", at, l.Text, own)
		}
	}
	for _, q := range d.Queues {
		if !q.Rect.holds(q.Name) || !q.Rect.holds(q.Num) || q.Name.overlaps(q.Num) || q.Num.W == 0 {
			t.Errorf("%s: queue %q: name %+v and count %q %+v must sit apart inside its box %+v", at, q.Title, q.Name, q.Count, q.Num, q.Rect)
		}
	}
}

// Six server-named queues, as the tutorials' log receivers declare them,
// bound to a fanout exchange (pika binds with the queue's name as key) and
// to a topic exchange (one of them with two keys): at a projector's and a
// laptop's size every binding label sits on its own route, beside its
// queue, over nothing else, and every queue shows its count.
func TestBrowserDiagramServerNamedQueues(t *testing.T) {
	s := startStackWith(t, options{management: true})
	ch := testkit.Channel(t)
	fanout, topic := "diagram_logs", "diagram_topic_logs"
	for x, kind := range map[string]string{fanout: "fanout", topic: "topic"} {
		if err := ch.ExchangeDeclare(x, kind, false, true, false, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	keys := [][]string{nil, nil, nil, {"*.critical"}, {"kern.*"}, {"kern.*", "*.critical"}}
	var names []string
	for i, ks := range keys {
		q, err := ch.QueueDeclare("", false, true, true, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, q.Name)
		if ks == nil {
			ks = []string{q.Name}
		}
		for _, k := range ks {
			x := fanout
			if i >= 3 {
				x = topic
			}
			if err := ch.QueueBind(q.Name, k, x, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	for x, key := range map[string]string{fanout: "", topic: "kern.critical"} {
		if err := ch.Publish(x, key, false, false, amqp.Publishing{Body: []byte("a log line")}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browser(t)
	for _, size := range [][2]int64{{1920, 1080}, {1280, 720}} {
		at := fmt.Sprintf("%dx%d", size[0], size[1])
		if err := chromedp.Do(within(ctx, 10*time.Second), chromedp.EmulateViewport(size[0], size[1]),
			chromedp.Navigate(s.url+"/?lang=en"), chromedp.WaitVisible(chromedp.CSS("#live.on"))); err != nil {
			t.Fatal(err)
		}
		// The queue list (and its counts) comes from the management API.
		ready := fmt.Sprintf(`[...document.querySelectorAll("#diagram g.queue")].filter((g) => g.querySelector("title").textContent.startsWith("amq.gen-") && g.querySelector("text.count").textContent === "1 ready").length === %d
			&& document.querySelectorAll("#diagram text.label").length === 7`, len(names))
		if _, err := chromedp.Run(within(ctx, 20*time.Second), chromedp.Poll[bool](ready)); err != nil {
			got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#diagram-words").textContent`))
			t.Fatalf("%s: the six queues with their one message each and 7 labels are not drawn: %q %v", at, got, err)
		}
		d, err := chromedp.Run(ctx, chromedp.Evaluate[drawn](readDiagram))
		if err != nil {
			t.Fatal(err)
		}
		checkDiagram(t, at, d)
		var texts []string
		for _, l := range d.Labels {
			texts = append(texts, l.Text)
		}
		joined := strings.Join(texts, " ")
		if strings.Count(joined, "*.critical") != 2 || strings.Count(joined, "kern.*") != 2 || strings.Count(joined, "amq.gen-") != 3 {
			t.Errorf("%s: labels %q, want each binding's key", at, joined)
		}
	}
}
