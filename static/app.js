// rabbitboard's page script: keeps the page live from /ws and sends the
// forms with fetch. Every value from the broker is set with textContent or
// as a property, never as HTML, so message bodies stay inert text.
"use strict";

const PRESENTER = document.body.dataset.presenter === "true"; // viewers get no controls
const MAX_CARDS = 50; // cards drawn per receiver; older ones are counted
const COLOURS = 8;

const state = {
  broker: { state: "connecting" },
  queues: new Map(),
  receivers: new Map(),
  order: [],
  cards: new Map(), // receiver id -> deliveries, oldest first
  older: new Map(), // receiver id -> deliveries no longer drawn
  survival: null, // what the last broker outage kept and lost
  exchanges: [],
  bindings: [],
  route: null, // the last publish: { exchange, queues: Map(queue -> "predicted" | "confirmed"), until }
};
let dirtyTopology = true;
let dirtyQueues = true;
let dirtyBroker = true;
let dirtyOrder = true;
const dirtyReceivers = new Set();
let frameRequested = false;
window.rabbitboard = { state, events: 0 }; // for tests and the curious

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function colourOf(id) {
  const n = parseInt(String(id).replace(/^r/, ""), 10) || 0;
  return "c" + (n % COLOURS);
}

// ---- events ----

function apply(ev) {
  window.rabbitboard.events++;
  switch (ev.type) {
    case "snapshot":
      state.broker = ev.broker;
      state.queues = new Map(ev.queues.map((q) => [q.name, q]));
      state.receivers = new Map(ev.receivers.map((r) => [r.id, r]));
      state.order = ev.receivers.map((r) => r.id);
      state.cards = new Map(state.order.map((id) => [id, []]));
      state.older = new Map(state.order.map((id) => [id, 0]));
      state.survival = ev.survival;
      state.exchanges = ev.exchanges;
      state.bindings = ev.bindings;
      dirtyTopology = true;
      for (const d of ev.recent) addCard(d);
      dirtyQueues = dirtyBroker = dirtyOrder = true;
      state.order.forEach((id) => dirtyReceivers.add(id));
      break;
    case "broker":
      state.broker = ev;
      dirtyBroker = true;
      break;
    case "queue":
      state.queues.set(ev.queue.name, ev.queue);
      dirtyQueues = dirtyTopology = true;
      break;
    case "queue_gone":
      state.queues.delete(ev.queue);
      dirtyQueues = true;
      break;
    case "receiver":
      if (!state.receivers.has(ev.receiver.id)) {
        state.order.push(ev.receiver.id);
        state.cards.set(ev.receiver.id, []);
        state.older.set(ev.receiver.id, 0);
        dirtyOrder = true;
      }
      state.receivers.set(ev.receiver.id, ev.receiver);
      dirtyReceivers.add(ev.receiver.id);
      break;
    case "receiver_removed":
      state.receivers.delete(ev.receiver);
      state.cards.delete(ev.receiver);
      state.older.delete(ev.receiver);
      state.order = state.order.filter((id) => id !== ev.receiver);
      dirtyOrder = true;
      break;
    case "delivery":
      if (state.route && state.route.exchange === ev.exchange && state.route.queues.get(ev.queue) === "predicted") {
        state.route.queues.set(ev.queue, "confirmed");
        dirtyTopology = true;
      }
      addCard(ev);
      setCounters(ev.receiver, ev.counters);
      break;
    case "settled":
      for (const d of state.cards.get(ev.receiver) || []) {
        if (d.seq === ev.seq) d.settled = ev.outcome;
      }
      setCounters(ev.receiver, ev.counters);
      break;
    case "topology":
      state.exchanges = ev.exchanges;
      state.bindings = ev.bindings;
      dirtyTopology = true;
      break;
    case "route":
      // Light up the route rabbitboard computed; deliveries confirm it.
      state.route = { exchange: ev.exchange, queues: new Map(ev.queues.map((q) => [q, "predicted"])), until: Date.now() + 4000 };
      setTimeout(() => { dirtyTopology = true; schedule(); }, 4100);
      dirtyTopology = true;
      break;
    case "survival":
      state.survival = ev;
      dirtyQueues = true;
      break;
    case "returned":
      showFlash(false, `Returned: ${ev.message}`);
      break;
  }
  schedule();
}

function addCard(d) {
  const list = state.cards.get(d.receiver);
  if (!list) return;
  list.push(d);
  if (list.length > MAX_CARDS) {
    list.splice(0, list.length - MAX_CARDS);
    state.older.set(d.receiver, (state.older.get(d.receiver) || 0) + 1);
  }
  dirtyReceivers.add(d.receiver);
}

function setCounters(id, c) {
  const r = state.receivers.get(id);
  if (!r || !c) return;
  r.received = c.received;
  r.acked = c.acked;
  r.unacked = c.unacked;
  dirtyReceivers.add(id);
}

// ---- rendering, at most once per animation frame ----

function render() {
  frameRequested = false;
  if (dirtyBroker) {
    const b = document.getElementById("broker");
    b.className = "broker " + state.broker.state;
    b.textContent = state.broker.state === "down" ? "RabbitMQ down, reconnecting" : "RabbitMQ " + state.broker.state;
    b.title = state.broker.error || "";
    dirtyBroker = false;
  }
  if (dirtyQueues) {
    renderQueues();
    renderSurvival();
    dirtyQueues = false;
  }
  if (dirtyTopology || dirtyOrder) {
    renderTopology();
    dirtyTopology = false;
  }
  const section = document.getElementById("receivers");
  if (dirtyOrder) {
    for (const id of columns.keys()) if (!state.receivers.has(id)) columns.delete(id);
    const roots = state.order.map((id) => renderReceiver(id));
    section.replaceChildren(...(roots.length ? roots : [el("p", { class: "empty" }, "No receivers yet. Declare a queue, add two receivers to it, and publish a few messages to see how RabbitMQ shares them out.")]));
    dirtyOrder = false;
  } else {
    for (const id of dirtyReceivers) if (state.receivers.has(id)) renderReceiver(id);
  }
  dirtyReceivers.clear();
}

function actionForm(path, label, hidden) {
  const f = el("form", { method: "post", action: path, "data-api": "" });
  for (const [k, v] of Object.entries(hidden || {})) f.append(el("input", { type: "hidden", name: k, value: v }));
  f.append(el("button", {}, label));
  return f;
}

function renderQueues() {
  const tbody = document.querySelector("#queues tbody");
  const rows = [...state.queues.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((q) => {
    // The name goes in the body: a browser turns a path segment ".." into a step up.
    const del = actionForm("/api/queues/delete", "Delete", { name: q.name });
    del.setAttribute("data-confirm", "Delete this queue and its messages?");
    return el("tr", { "data-queue": q.name },
      el("td", { class: "name" }, q.name,
        q.durable ? el("span", { class: "tag" }, "durable") : null,
        q.auto_delete ? el("span", { class: "tag" }, "auto-delete") : null),
      el("td", { class: "num" }, q.messages),
      el("td", { class: "num" }, q.consumers),
      el("td", { class: "actions" }, PRESENTER ? actionForm("/api/queues/purge", "Purge", { name: q.name }) : null, PRESENTER ? del : null));
  });
  tbody.replaceChildren(...rows);
}

function verdict(s) {
  if (s.missing) return `lost in the restart: the queue was not durable, ${s.lost} messages went with it`;
  if (s.lost > 0) return `kept ${s.kept}, lost ${s.lost}: the queue is durable, but only persistent messages survive`;
  if (s.before > 0) return `kept all ${s.kept}: durable queue, persistent messages`;
  return "durable queue, nothing to lose";
}

function renderSurvival() {
  const panel = document.getElementById("survival");
  if (!state.survival) return;
  panel.hidden = false;
  const rows = state.survival.queues.map((s) => {
    const outcome = el("td", {}, verdict(s));
    if (PRESENTER && s.missing && !state.queues.has(s.name)) {
      // Declare the lost queue again, as it was, in one click.
      const f = el("form", { method: "post", action: "/api/queues", "data-api": "", class: "inline" },
        el("input", { type: "hidden", name: "name", value: s.name }));
      if (s.durable) f.append(el("input", { type: "hidden", name: "durable", value: "true" }));
      if (s.auto_delete) f.append(el("input", { type: "hidden", name: "auto_delete", value: "true" }));
      for (const [k, v] of Object.entries(s.arguments || {})) f.append(el("input", { type: "hidden", name: "arguments." + k, value: String(v) }));
      f.append(el("button", {}, "Declare again"));
      outcome.append(f);
    }
    return el("tr", { class: s.lost > 0 ? "lost" : "" }, el("td", { class: "name" }, s.name),
      el("td", { class: "num" }, s.before), el("td", { class: "num" }, s.after), outcome);
  });
  panel.querySelector("tbody").replaceChildren(...rows);
}

// ---- the topology diagram: exchanges -> bindings -> queues -> receivers ----

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function short(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

function bindingLabel(b) {
  const args = Object.entries(b.arguments || {});
  return args.length ? args.map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`).join(" ") : b.routing_key;
}

function renderTopology() {
  const box = document.getElementById("diagram");
  const route = state.route && Date.now() < state.route.until ? state.route : null;
  const exchanges = ["", ...state.exchanges.map((x) => x.name)];
  const queues = [...state.queues.keys()].sort();
  const receivers = state.order.map((id) => state.receivers.get(id));
  const rowH = 34, colX = [10, 330, 620], w = 240, h = 26;
  const rows = Math.max(exchanges.length, queues.length, receivers.length, 1);
  const drawing = svg("svg", { viewBox: `0 0 880 ${rows * rowH + 10}`, role: "img", "aria-label": "exchanges, bindings, queues and receivers" });
  const y = (i) => 10 + i * rowH;
  const node = (x, yy, label, title, cls) => {
    const g = svg("g", { class: cls });
    g.append(svg("title", {}, title), svg("rect", { x, y: yy, width: w, height: h, rx: 5 }), svg("text", { x: x + 8, y: yy + 17 }, short(label, 34)));
    drawing.append(g);
  };
  const edges = svg("g", { class: "edges" });
  drawing.append(edges);
  const edge = (x1, y1, x2, y2, label, cls) => {
    edges.append(svg("line", { x1, y1, x2, y2, class: cls }));
    if (label !== undefined) edges.append(svg("text", { x: (x1 + x2) / 2 - 20, y: (y1 + y2) / 2 - 4, class: "label " + cls }, short(label, 22)));
  };
  const typeOf = new Map(state.exchanges.map((x) => [x.name, x.type]));
  const lit = (ex, q) => (route && route.exchange === ex && route.queues.has(q) ? route.queues.get(q) : "");
  for (const b of state.bindings) {
    const i = exchanges.indexOf(b.exchange), j = queues.indexOf(b.queue);
    if (i >= 0 && j >= 0) edge(colX[0] + w, y(i) + h / 2, colX[1], y(j) + h / 2, bindingLabel(b), lit(b.exchange, b.queue));
  }
  // The default exchange reaches every queue by its name; only the route
  // of the last publish through it is drawn.
  if (route && route.exchange === "") {
    for (const q of route.queues.keys()) {
      const j = queues.indexOf(q);
      if (j >= 0) edge(colX[0] + w, y(0) + h / 2, colX[1], y(j) + h / 2, q, lit("", q));
    }
  }
  receivers.forEach((r, k) => {
    const j = queues.indexOf(r.queue);
    if (j >= 0) edge(colX[1] + w, y(j) + h / 2, colX[2], y(k) + h / 2, undefined, "consumes");
  });
  exchanges.forEach((name, i) => node(colX[0], y(i), name === "" ? "(default exchange)" : `${name} (${typeOf.get(name)})`, name, "exchange" + (route && route.exchange === name ? " lit" : "")));
  queues.forEach((name, j) => {
    const q = state.queues.get(name);
    node(colX[1], y(j), `${name}  ${q.messages} ready`, `${name}: ${q.messages} ready, ${q.consumers} consumers`, "queue " + lit(route ? route.exchange : null, name));
  });
  receivers.forEach((r, k) => node(colX[2], y(k), r.name, `${r.name} on ${r.queue}`, `receiver ${colourOf(r.id)}`));
  box.replaceChildren(drawing);
}

// Each receiver's column is kept and updated in place: its head is
// redrawn, its cards are made once and reused until their outcome changes,
// so a burst of messages costs little more than the new cards.
const columns = new Map(); // receiver id -> { root, head, list, older }

function renderReceiver(id) {
  let c = columns.get(id);
  if (!c) {
    c = { root: el("article", { "data-receiver": id }), head: el("div", {}), list: el("ol", { class: "cards" }), older: el("p", { class: "older" }) };
    c.root.append(c.head, c.list, c.older);
    columns.set(id, c);
  }
  const r = state.receivers.get(id);
  const p = "/api/receivers/" + encodeURIComponent(id);
  const working = r.ack === "manual" && r.unacked > 0 && r.state === "consuming";
  c.root.className = `receiver ${colourOf(id)} ${r.state}`;
  c.head.replaceChildren(
    el("header", {}, el("h3", {}, r.name), el("span", { class: "state" }, working ? "working" : r.state)),
    el("p", { class: "settings" }, "queue ", el("b", {}, r.queue),
      ` · prefetch ${r.prefetch} · ack ${r.ack} · work ${r.work_ms} ms + ${r.dot_ms} ms/dot`),
    r.error ? el("p", { class: "why" }, r.error) : "",
    el("p", { class: "counters" }, "received ", el("b", { class: "received" }, r.received),
      " · acked ", el("b", { class: "acked" }, r.acked), " · unacked ", el("b", { class: "unacked" }, r.unacked)),
    !PRESENTER ? "" : el("div", { class: "controls" },
      r.state === "paused" || r.state === "killed" ? actionForm(p + "/resume", "Resume") : actionForm(p + "/pause", "Pause"),
      actionForm(p + "/kill", "Kill"), actionForm(p + "/delete", "Remove")));
  const cards = state.cards.get(id) || [];
  const els = [];
  for (let i = cards.length - 1; i >= 0; i--) {
    const d = cards[i];
    if (!d.el || d.drawn !== (d.settled || "")) {
      d.el = renderCard(r, d);
      d.drawn = d.settled || "";
    }
    els.push(d.el);
  }
  syncList(c.list, els);
  const older = state.older.get(id) || 0;
  c.older.hidden = older === 0;
  c.older.textContent = `${older} older messages not shown`;
  return c.root;
}

// syncList makes list hold els, touching as little as it can: in a burst,
// new cards go on top and the oldest drop off the bottom.
function syncList(list, els) {
  const now = [...list.children];
  if (now.length === els.length && now.every((e, i) => e === els[i])) return;
  const k = els.indexOf(now[0]);
  if (now.length > 0 && k > 0 && els.slice(k).every((e, i) => e === now[i])) {
    list.prepend(...els.slice(0, k));
    for (let i = els.length; i < list.children.length;) list.lastElementChild.remove();
    if (list.children.length === els.length) return;
  }
  list.replaceChildren(...els);
}

function renderCard(r, d) {
  const outcome = d.settled || "";
  const card = el("li", { class: `card${d.redelivered ? " redelivered" : ""} settled-${outcome}`, "data-seq": String(d.seq) },
    el("div", { class: "meta" }, el("span", { class: "seq" }, "#" + d.seq), el("span", {}, "tag " + d.delivery_tag),
      d.redelivered ? el("span", { class: "tag redelivered" }, "redelivered") : null,
      outcome ? el("span", { class: "tag outcome" }, outcome) : null),
    el("pre", { class: "body" }, d.body + (d.truncated ? "…" : "")),
    d.undecodable ? el("p", { class: "undecodable" }, d.undecodable) : null);
  const props = el("dl", {});
  const details = el("details", {}, el("summary", {}, `exchange '${d.exchange}' · key '${d.routing_key}' · ${d.body_size} bytes ${d.encoding}`), props);
  // Properties and headers are drawn when first asked for.
  details.addEventListener("toggle", () => {
    const add = (k, v) => props.append(el("dt", {}, k), el("dd", {}, typeof v === "object" ? JSON.stringify(v) : v));
    for (const [k, v] of Object.entries(d.properties || {})) if (v !== "" && v !== 0) add(k, v);
    for (const [k, v] of Object.entries(d.headers || {})) add("header " + k, v);
    if (d.headers_truncated) add("headers", "more not shown");
  }, { once: true });
  card.append(details);
  if (PRESENTER && r.ack === "interactive" && !outcome) {
    const p = `/api/receivers/${encodeURIComponent(r.id)}/deliveries/${d.delivery_tag}/`;
    card.append(el("div", { class: "controls" }, actionForm(p + "ack", "Ack"),
      actionForm(p + "nack", "Nack + requeue", { requeue: "true" }), actionForm(p + "reject", "Reject", { requeue: "false" })));
  }
  return card;
}

// presetReady fills the publish form with the scenario's suggestion.
function presetReady(p) {
  const f = document.querySelector('form[action="/api/publish"]');
  f.elements.exchange.value = p.try.exchange;
  f.elements.routing_key.value = p.try.routing_key;
  f.elements.body.value = p.try.body;
  f.elements.count.value = p.try.count;
  f.elements.persistent.checked = p.try.persistent;
  showFlash(true, `${p.title} is ready: press Publish. ${p.watch}`);
}

function publishSentence(r) {
  let s = `Published ${r.published}: ${r.confirmed} confirmed by the broker`;
  if (r.nacked) s += `, ${r.nacked} refused (nacked)`;
  const missing = r.published - r.confirmed - r.nacked;
  if (missing > 0) s += `, ${missing} not confirmed in time`;
  if (r.returned) s += `, ${r.returned} returned because no queue took them`;
  return s + ".";
}

function showFlash(ok, text) {
  const box = document.getElementById("flash");
  box.replaceChildren(el("p", { class: "flash " + (ok ? "ok" : "error") }, text));
}

// ---- forms ----

document.addEventListener("submit", async (e) => {
  const form = e.target;
  if (!form.hasAttribute("data-api")) return;
  e.preventDefault();
  if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
  const button = form.querySelector("button");
  if (button) button.disabled = true;
  try {
    const resp = await fetch(form.action, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(new FormData(form)),
    });
    const text = await resp.text();
    const data = text ? JSON.parse(text) : {};
    if (!resp.ok) showFlash(false, data.error || resp.statusText);
    else if (form.action.endsWith("/api/publish")) showFlash(data.confirmed === data.published && data.returned === 0, publishSentence(data));
    else if (data.try) presetReady(data);
    else showFlash(true, (form.querySelector("h2, button")?.textContent || "Done") + ": done.");
  } catch (err) {
    showFlash(false, "The dashboard did not answer: " + err.message);
  } finally {
    if (button) button.disabled = false;
  }
});

// ---- live stream ----

let backoff = 500;
function connect() {
  const live = document.getElementById("live");
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = () => {
    backoff = 500;
    live.textContent = "live";
    live.className = "live on";
  };
  ws.onmessage = (m) => {
    for (const ev of JSON.parse(m.data)) apply(ev);
  };
  ws.onclose = () => {
    live.textContent = "reconnecting…";
    live.className = "live off";
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 5000);
  };
}
connect();
