// rabbitboard's diagram of the vhost: exchanges, binding labels, queues
// and receivers, drawn as SVG from the page's state (app.js calls
// renderTopology when it changes).
import { state, t } from "./page.js";

// svg makes an SVG element with its attributes and text (the diagram's,
// and the charts' in columns.js).
const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// fit cuts text to a width in pixels, ending it with "…": the full text
// stays in the box's title and in the list of words.
const measurer = document.createElement("canvas").getContext("2d");
function fit(text, width, font) {
  measurer.font = font;
  if (measurer.measureText(text).width <= width) return text;
  const chars = Array.from(text);
  let lo = 0, hi = chars.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measurer.measureText(chars.slice(0, mid).join("") + "…").width <= width) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join("") + "…";
}

function textWidth(text, font) {
  measurer.font = font;
  return measurer.measureText(text).width;
}

// lessonScope is what the stage's diagram shows while a lesson is set up:
// the lesson's exchanges, its queues and the queues bound to its
// exchanges (a tutorial program's server-named ones); null for everything.
function lessonScope() {
  const l = state.lesson;
  if (!document.body.classList.contains("stage") || state.wholeVhost || !l.name || !(l.queues || l.exchanges)) return null;
  const exchanges = new Set(l.exchanges || []);
  const queues = new Set(l.queues || []);
  for (const b of state.bindings) if (exchanges.has(b.exchange)) queues.add(b.queue);
  return { exchanges, queues };
}

// The diagram, drawn at the page's own type size (one pixel of the
// drawing is one of the screen): exchanges on the left, queues in the
// middle, receivers on the right. Every route into a queue ends in a slot
// of its own beside the queue, its binding label written there on its own
// line, so no label meets another label, a box or another route; the
// route then runs straight into the queue. A queue's count is written
// first and its name gets the room left. Receivers are drawn in the order
// of their queues, so their lines do not cross. The default exchange
// routes to every queue by its name: drawn faintly, lit when a publish
// takes it. A list says the same in words: for screen readers, and in
// place of the drawing on a narrow screen.
export function renderTopology() {
  const box = document.getElementById("diagram");
  const stage = document.body.classList.contains("stage");
  const route = state.route && Date.now() < state.route.until ? state.route : null;
  let exchanges = ["", ...state.exchanges.map((x) => x.name)];
  let queues = [...state.queues.keys()].sort();
  const scope = lessonScope();
  const everything = queues.length;
  if (scope) {
    queues = queues.filter((q) => scope.queues.has(q));
    exchanges = exchanges.filter((x) => x === "" || scope.exchanges.has(x));
  }
  renderScope(scope, everything - queues.length);
  const all = state.order.map((id) => state.receivers.get(id))
    .map((r, k) => ({ r, k, j: queues.indexOf(r.queue) }))
    .sort((a, b) => (a.j < 0 ? 1e9 : a.j) - (b.j < 0 ? 1e9 : b.j) || a.k - b.k).map((x) => x.r);
  // On the stage the receivers are the columns below: the drawing keeps
  // to exchanges and queues, and so stays large enough to read.
  const receivers = stage ? [] : all;
  const style = getComputedStyle(box);
  const fs = parseFloat(style.fontSize) || 16;
  const font = `${fs}px ${style.fontFamily}`, bold = `600 ${font}`;
  const lineH = Math.ceil(fs * 1.5), boxH = Math.ceil(fs * 2), pad = Math.ceil(fs * 0.5), gapY = Math.ceil(fs * 0.6);
  const W = Math.max(Math.floor(box.clientWidth) - 2, 480);
  const share = stage ? [0.27, 0.09, 0.2, 0.44, 0, 0] : [0.2, 0.07, 0.16, 0.29, 0.07, 0.21];
  const at = share.reduce((xs, f) => [...xs, xs[xs.length - 1] + f * W], [1]).map(Math.floor);
  const [exX, lineX, labelX, queueX, gapX, recvX, end] = at;
  const exW = lineX - exX, labelW = queueX - labelX - pad, queueW = gapX - queueX, recvW = end - recvX - 1;
  const typeOf = new Map(state.exchanges.map((x) => [x.name, x.type]));
  const lit = (ex, q) => (route && route.exchange === ex && route.queues.has(q) ? route.queues.get(q) : "");
  // Each queue's routes in: the default exchange's first, then bindings.
  const slots = queues.map((q) => exchanges.includes("") ? [{ exchange: "", label: "", cls: "default-route " + lit("", q) }] : []);
  const words = [];
  if (queues.length) words.push(t("diagram.default_words", { queues: queues.join(", ") }));
  for (const b of state.bindings) {
    const i = exchanges.indexOf(b.exchange), j = queues.indexOf(b.queue);
    if (i < 0 || j < 0 || b.exchange === "") continue;
    slots[j].push({ exchange: b.exchange, label: b.label || "", cls: "binding " + lit(b.exchange, b.queue) });
    words.push(t("diagram.binding_words", { exchange: b.exchange, queue: b.queue, label: b.label || "" }));
  }
  const qTop = [], qH = [];
  let y = 1;
  queues.forEach((q, j) => {
    qTop[j] = y;
    qH[j] = Math.max(boxH, slots[j].length * lineH);
    y += qH[j] + gapY;
  });
  const exH = (x) => (x === "" ? boxH + lineH : boxH);
  const exTop = [];
  let ey = 1;
  exchanges.forEach((x, i) => {
    exTop[i] = ey;
    ey += exH(x) + gapY;
  });
  const height = Math.max(y, ey, 1 + receivers.length * (boxH + gapY)) + 1;
  const drawing = svg("svg", { width: end + 1, height, viewBox: `0 0 ${end + 1} ${height}`, role: "img", "aria-labelledby": "diagram-words" });
  const nodes = svg("g", { class: "nodes" }), edges = svg("g", { class: "edges" }), texts = svg("g", { class: "labels" });
  const mid = (top, h) => top + h / 2;
  const baseline = (cy) => cy + fs * 0.35;
  let edgeN = 0;
  queues.forEach((q, j) => {
    const first = mid(qTop[j], qH[j]) - (slots[j].length * lineH) / 2;
    slots[j].forEach((s, k) => {
      const sy = first + (k + 0.5) * lineH, i = exchanges.indexOf(s.exchange), id = String(edgeN++);
      edges.append(svg("line", { x1: lineX, y1: mid(exTop[i], boxH), x2: labelX, y2: sy, class: s.cls, "data-edge": id }));
      let stubX = labelX;
      if (s.label) {
        // A lit route's label is bold (the stylesheet's text.label.predicted).
        const weight = /predicted|confirmed/.test(s.cls) ? bold : font;
        const text = fit(s.label, labelW - pad, weight);
        texts.append(svg("text", { x: labelX + pad / 2, y: baseline(sy), class: "label " + s.cls, "data-edge": id }, text));
        stubX = labelX + pad + textWidth(text, weight);
      }
      edges.append(svg("line", { x1: stubX, y1: sy, x2: queueX, y2: sy, class: s.cls, "data-edge": id }));
    });
  });
  const node = (x, top, w, h, title, cls) => {
    const g = svg("g", { class: cls });
    g.append(svg("title", {}, title), svg("rect", { x, y: top, width: w, height: h, rx: 5 }));
    nodes.append(g);
    return g;
  };
  exchanges.forEach((name, i) => {
    const g = node(exX, exTop[i], exW, exH(name), name, "exchange" + (route && route.exchange === name ? " lit" : ""));
    if (name === "") {
      g.append(svg("text", { x: exX + pad, y: baseline(exTop[i] + boxH / 2) }, fit(t("diagram.default"), exW - 2 * pad, font)),
        svg("text", { x: exX + pad, y: baseline(exTop[i] + boxH / 2 + lineH * 0.9), class: "note" }, fit(t("diagram.default_key"), exW - 2 * pad, font)));
      return;
    }
    const kind = ` (${typeOf.get(name)})`;
    g.append(svg("text", { x: exX + pad, y: baseline(mid(exTop[i], boxH)) }, fit(name, exW - 2 * pad - textWidth(kind, font), font) + kind));
  });
  queues.forEach((name, j) => {
    const q = state.queues.get(name);
    const marks = [q.exclusive && t("diagram.exclusive"), q.auto_delete && t("diagram.auto_delete")].filter(Boolean).join(", ");
    const said = { name, messages: q.messages, consumers: q.consumers, marks: marks ? ` (${marks})` : "" };
    const g = node(queueX, qTop[j], queueW, qH[j], t("diagram.queue_title", said),
      "queue " + lit(route ? route.exchange : null, name) + (q.exclusive ? " exclusive" : "") + (q.auto_delete ? " auto-delete" : ""));
    const count = t("diagram.ready", said), cy = baseline(mid(qTop[j], qH[j]));
    const room = queueW - 3 * pad - textWidth(count, bold) - (q.exclusive ? textWidth(" ⊘", font) : 0);
    g.append(svg("text", { x: queueX + pad, y: cy, class: "name" }, fit(name, room, font) + (q.exclusive ? " ⊘" : "")),
      svg("text", { x: queueX + queueW - pad, y: cy, "text-anchor": "end", class: "count" }, count));
    words.push(t("diagram.queue_words", said));
  });
  receivers.forEach((r, k) => {
    const j = queues.indexOf(r.queue), top = 1 + k * (boxH + gapY);
    if (j >= 0) edges.append(svg("line", { x1: queueX + queueW, y1: mid(qTop[j], qH[j]), x2: recvX, y2: mid(top, boxH), class: "consumes" }));
    node(recvX, top, recvW, boxH, `${r.name} on ${r.queue}`, `receiver c${r.colour}`)
      .append(svg("text", { x: recvX + pad, y: baseline(mid(top, boxH)) }, fit(r.name, recvW - 2 * pad, font)));
  });
  for (const r of all) words.push(t("diagram.receiver_words", { name: r.name, queue: r.queue }));
  drawing.append(edges, texts, nodes);
  const list = document.createElement("ul");
  list.id = "diagram-words";
  list.className = "diagram-words";
  for (const line of words) {
    const li = document.createElement("li");
    li.textContent = line;
    list.append(li);
  }
  box.replaceChildren(drawing, list);
}

// renderScope offers, on the stage during a lesson, the rest of the vhost
// one click away (and the lesson alone again).
function renderScope(scope, hidden) {
  const button = document.getElementById("diagram-scope");
  const stage = document.body.classList.contains("stage");
  button.hidden = !stage || (!scope && !state.wholeVhost) || (scope && hidden === 0);
  button.textContent = scope ? t("diagram.show_all", { n: hidden }) : t("diagram.show_lesson");
}
