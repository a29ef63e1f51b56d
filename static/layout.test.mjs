// Tests of the diagram's layout (layout.js), a pure function: run by
// `go test ./static` through Node's test runner, no page needed. Text is
// measured as if every character were 0.6 of the type size wide.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitText, layout } from "./layout.js";

const measure = (text, font) => Array.from(text).length * parseFloat(font.replace(/^600 /, "")) * 0.6;
const t = (key, v = {}) => ({
  "diagram.default": "(default)",
  "diagram.default_key": "key = queue name",
  "diagram.ready": `${v.messages} ready`,
  "diagram.queue_title": `${v.name}: ${v.messages} ready${v.marks}`,
  "diagram.queue_words": `queue ${v.name}`,
  "diagram.default_words": `default to ${v.queues}`,
  "diagram.binding_words": `${v.exchange} to ${v.queue} by ${v.label}`,
  "diagram.receiver_words": `${v.name} on ${v.queue}`,
  "diagram.exclusive": "exclusive",
  "diagram.auto_delete": "auto-delete",
})[key];

const q = (name, messages = 0, more = {}) => ({ name, messages, consumers: 0, ...more });
const base = {
  exchanges: [{ name: "", type: "direct" }, { name: "logs", type: "fanout" }, { name: "topic_logs", type: "topic" }],
  queues: [q("amq.gen-A", 2), q("amq.gen-B"), q("task_queue", 7)],
  bindings: [
    { exchange: "logs", queue: "amq.gen-A", label: "" },
    { exchange: "logs", queue: "amq.gen-B", label: "" },
    { exchange: "topic_logs", queue: "amq.gen-A", label: "kern.*" },
    { exchange: "topic_logs", queue: "amq.gen-A", label: "*.critical" },
  ],
  receivers: [
    { name: "worker 2", queue: "task_queue", colour: 1 },
    { name: "logger", queue: "amq.gen-B", colour: 2 },
    { name: "worker 1", queue: "task_queue", colour: 3 },
    { name: "lost", queue: "gone", colour: 4 },
  ],
  route: null, stage: false, width: 1002, fontSize: 16, family: "sans-serif", measure, t,
};
const at = (over = {}) => layout({ ...base, ...over });
const inside = (o, n) => o.x >= n.x && o.y >= n.y && o.x + o.w <= n.x + n.w && o.y + o.h <= n.y + n.h;
const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
// A label's box: from its x, one line high around its baseline.
const labelBox = (l) => ({ x: l.x, y: l.y - 16 * 0.35 - 12, w: measure(l.text, "16px"), h: 24 });

test("columns: exchanges, labels, queues and receivers at fixed shares of the width", () => {
  const d = at();
  assert.equal(d.width, 1002);
  const x = (kind) => [...new Set(d.nodes.filter((n) => n.kind === kind).map((n) => n.x))];
  assert.deepEqual(x("exchange"), [1]);
  assert.deepEqual(x("queue"), [431]);
  assert.deepEqual(x("receiver"), [791]);
  assert.deepEqual(d.nodes.filter((n) => n.kind === "queue").map((n) => n.w), [290, 290, 290]);
});

test("every route into a queue has a slot of its own, its label in it, meeting no other", () => {
  const d = at();
  const boxes = d.nodes;
  const qA = d.nodes.find((n) => n.kind === "queue" && n.title.startsWith("amq.gen-A"));
  // Into amq.gen-A: the default exchange's route, logs', and two topic bindings.
  const into = d.edges.filter((e) => e.x2 === qA.x && e.y2 > qA.y && e.y2 < qA.y + qA.h);
  assert.equal(into.length, 4);
  assert.equal(new Set(into.map((e) => e.y2)).size, 4, "four slots, four heights");
  assert.deepEqual(into.map((e) => e.y2), [...into.map((e) => e.y2)].sort((a, b) => a - b), "slots in order");
  assert.equal(qA.h, 4 * 24, "the queue is as high as its slots");
  assert.deepEqual(d.labels.map((l) => l.text), ["kern.*", "*.critical"]);
  for (const l of d.labels) {
    const b = labelBox(l);
    for (const n of boxes) assert.ok(!overlap(b, n), `label ${l.text} meets the box ${n.title}`);
    for (const o of d.labels) if (o !== l) assert.ok(!overlap(b, labelBox(o)), `${l.text} meets ${o.text}`);
    // The route's stub starts after its label.
    const stub = d.edges.find((e) => e.edge === l.edge && e.y1 === e.y2);
    assert.ok(stub.x1 >= b.x + b.w, `the route of ${l.text} runs through its label`);
  }
  assert.equal(d.edges.filter((e) => e.cls.startsWith("default-route")).length, 2 * 3, "the default exchange reaches every queue");
});

test("receivers in the order of their queues, lines uncrossed; a receiver of no queue last", () => {
  const d = at();
  assert.deepEqual(d.nodes.filter((n) => n.kind === "receiver").map((n) => n.title),
    ["logger on amq.gen-B", "worker 2 on task_queue", "worker 1 on task_queue", "lost on gone"]);
  const consumes = d.edges.filter((e) => e.cls === "consumes");
  assert.equal(consumes.length, 3, "no line to a queue not drawn");
  for (let i = 1; i < consumes.length; i++) {
    assert.ok(consumes[i].y1 >= consumes[i - 1].y1 && consumes[i].y2 > consumes[i - 1].y2, "lines cross");
  }
  assert.deepEqual(d.words.slice(-4), ["logger on amq.gen-B", "worker 2 on task_queue", "worker 1 on task_queue", "lost on gone"]);
});

test("the stage leaves receivers to the columns below, and says them in words", () => {
  const d = at({ stage: true });
  assert.equal(d.nodes.filter((n) => n.kind === "receiver").length, 0);
  assert.equal(d.edges.filter((e) => e.cls === "consumes").length, 0);
  assert.equal(d.words.filter((w) => / on /.test(w)).length, 4);
  assert.equal(d.width, 1002);
  assert.deepEqual([d.nodes[0].x, d.nodes.find((n) => n.kind === "queue").x, d.nodes.find((n) => n.kind === "queue").w], [1, 561, 440]);
});

test("a long name is cut to its room, the count whole; every text stays in its box", () => {
  const long = "orders.eu-west.priority.retry.dead-letter.archive";
  const d = at({ queues: [q(long, 12345, { exclusive: true })], bindings: [], receivers: [] });
  const n = d.nodes.find((x) => x.kind === "queue");
  const [name, count] = n.texts;
  assert.equal(count.text, "12345 ready");
  assert.ok(name.text.endsWith("… ⊘"), name.text);
  assert.ok(long.startsWith(name.text.slice(0, -3)));
  assert.ok(name.x + measure(name.text, "16px") <= count.x - measure(count.text, "600 16px"), "the name runs into the count");
  assert.equal(n.title, `${long}: 12345 ready (exclusive)`);
  assert.match(n.cls, /exclusive/);
  for (const node of d.nodes) {
    for (const x of node.texts) {
      const w = measure(x.text, "16px");
      const left = x.anchor === "end" ? x.x - w : x.x;
      assert.ok(inside({ x: left, y: x.y - 12, w, h: 12 }, node), `"${x.text}" leaves ${node.title}`);
    }
  }
});

test("a publish's route is lit on its exchange, its routes and the queues it reached", () => {
  const route = { exchange: "topic_logs", queues: new Map([["amq.gen-A", "predicted"]]) };
  const d = at({ route });
  assert.match(d.nodes.find((n) => n.title === "topic_logs").cls, /\blit\b/);
  assert.doesNotMatch(d.nodes.find((n) => n.title === "logs").cls, /\blit\b/);
  assert.deepEqual(d.nodes.filter((n) => n.kind === "queue").map((n) => n.cls.trim()), ["queue predicted", "queue", "queue"]);
  assert.deepEqual(d.labels.map((l) => l.cls), ["label binding predicted", "label binding predicted"]);
  assert.ok(d.edges.filter((e) => e.cls.startsWith("binding logs")).length === 0);
  assert.equal(d.edges.filter((e) => e.cls === "binding predicted").length, 4, "two routes, two lines each");
});

test("without the default exchange no route goes to every queue; nothing to draw is small", () => {
  const d = at({ exchanges: [{ name: "logs", type: "fanout" }], bindings: [base.bindings[0]] });
  assert.equal(d.edges.filter((e) => e.cls.startsWith("default-route")).length, 0);
  assert.equal(d.edges.filter((e) => e.cls.startsWith("binding")).length, 2);
  const empty = layout({ ...base, exchanges: [], queues: [], bindings: [], receivers: [] });
  assert.deepEqual([empty.nodes, empty.edges, empty.words], [[], [], []]);
  assert.equal(empty.height, 2);
  assert.equal(at({ width: 100 }).width, 482, "never narrower than 480 (and the 1px frame)");
});

test("fitText cuts at the last character that fits, by whole characters", () => {
  assert.equal(fitText("hello", 1000, "10px", measure), "hello");
  assert.equal(fitText("hello world", 6 * 6, "10px", measure), "hello…");
  assert.equal(fitText("큐의이름이길다", 4 * 6, "10px", measure), "큐의이…");
  assert.equal(fitText("abc", 0, "10px", measure), "…");
});
