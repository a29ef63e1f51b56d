// rabbitboard's diagram of the vhost: exchanges, binding labels, queues
// and receivers, placed by layout.js and drawn here as SVG from the page's
// state (app.js calls renderTopology when it changes).
import { layout } from "./layout.js";
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

// measure is the width of a text in a font, as the page draws it.
const measurer = document.createElement("canvas").getContext("2d");
function measure(text, font) {
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

// renderTopology draws the diagram (layout.js places it) at the page's own
// type size, one pixel of the drawing one of the screen; the default
// exchange's routes are faint, lit when a publish takes them. A list says
// the same in words: for screen readers, and in place of the drawing on a
// narrow screen.
export function renderTopology() {
  const box = document.getElementById("diagram");
  const stage = document.body.classList.contains("stage");
  const route = state.route && Date.now() < state.route.until ? state.route : null;
  let exchanges = [{ name: "", type: "direct" }, ...state.exchanges];
  let queues = [...state.queues.keys()].sort();
  const scope = lessonScope();
  const everything = queues.length;
  if (scope) {
    queues = queues.filter((q) => scope.queues.has(q));
    exchanges = exchanges.filter((x) => x.name === "" || scope.exchanges.has(x.name));
  }
  renderScope(scope, everything - queues.length);
  const style = getComputedStyle(box);
  const d = layout({
    exchanges, queues: queues.map((name) => ({ name, ...state.queues.get(name) })), bindings: state.bindings,
    receivers: state.order.map((id) => state.receivers.get(id)), route, stage,
    width: box.clientWidth, fontSize: parseFloat(style.fontSize) || 16, family: style.fontFamily, measure, t,
  });
  const drawing = svg("svg", { width: d.width, height: d.height, viewBox: `0 0 ${d.width} ${d.height}`, role: "img", "aria-labelledby": "diagram-words" });
  const nodes = svg("g", { class: "nodes" }), edges = svg("g", { class: "edges" }), texts = svg("g", { class: "labels" });
  for (const e of d.edges) {
    edges.append(svg("line", { x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2, class: e.cls, ...(e.edge ? { "data-edge": e.edge } : {}) }));
  }
  for (const l of d.labels) texts.append(svg("text", { x: l.x, y: l.y, class: l.cls, "data-edge": l.edge }, l.text));
  for (const n of d.nodes) {
    const g = svg("g", { class: n.cls });
    g.append(svg("title", {}, n.title), svg("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: 5 }));
    for (const x of n.texts) {
      g.append(svg("text", { x: x.x, y: x.y, ...(x.cls ? { class: x.cls } : {}), ...(x.anchor ? { "text-anchor": x.anchor } : {}) }, x.text));
    }
    nodes.append(g);
  }
  drawing.append(edges, texts, nodes);
  const list = document.createElement("ul");
  list.id = "diagram-words";
  list.className = "diagram-words";
  for (const line of d.words) {
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
