// rabbitboard's page script: keeps the page's state live from /ws and
// draws it once per frame (columns.js, panels.js and diagram.js draw the
// parts; controls.js sends the forms). Every value from the broker is set
// with textContent or as a property, never as HTML, so message bodies stay
// inert text. The scripts are classic ones and share their top-level names.
"use strict";

const PRESENTER = document.body.dataset.presenter === "true"; // viewers get no controls
const MAX_CARDS = 50; // cards drawn per receiver; older ones are counted
let TEXT = JSON.parse(document.body.dataset.text); // the page's sentences, in its language, from the server

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
  observe: { enabled: false, tracing: "unknown", skipped: 0 }, // watching other programs
  observed: [], // their latest publishes, oldest first
  lesson: { name: "" }, // the scenario set up last, shown to everyone
  activity: "", // what the last publish did, said to everyone
  wholeVhost: false, // the stage's diagram shows the whole vhost, not the lesson's part
  pace: 1, // the pace of rabbitboard's receivers: 1, 0.5, 0.25, 0 (held)
  paceSaid: null, // the pace in words, { en, ko }
};
const OBSERVED_KEPT = 10;
let dirtyObserve = true;
let dirtyLesson = true;
let dirtyTopology = true;
let dirtyQueues = true;
let dirtyBroker = true;
let dirtyOrder = true;
let dirtyNoticed = true;
const dirtyReceivers = new Set();
let frameRequested = false;
window.rabbitboard = { state, events: 0, renders: 0 }; // for tests and the curious

// t returns a sentence of the server's catalogue with its {values} filled in.
// A value holding right-to-left letters or bidi controls (a name from the
// broker, say) is isolated in the sentence (U+2068 ... U+2069), so it
// cannot reorder the words around it.
const BIDI = /[\u0590-\u08FF\u200E\u200F\u202A-\u202E\u2066-\u2069\uFB1D-\uFDFF\uFE70-\uFEFF]/;
function t(key, values) {
  let s = TEXT[key] ?? key;
  for (const [k, v] of Object.entries(values || {})) {
    const text = String(v);
    s = s.replaceAll("{" + k + "}", BIDI.test(text) ? "\u2068" + text + "\u2069" : text);
  }
  return s;
}

// inLang is what an event said in each language ({"en": ..., "ko": ...}),
// in the page's: the server chose the words, particles and plurals
// included. fallback when the event had no words for it.
function inLang(said, fallback) {
  return (said && said[document.documentElement.lang]) ?? fallback;
}

// The page's markup is the server's: clone copies one of the <template>
// elements it rendered, fill sets what the markup marks (data-f: text,
// data-show: shown or hidden, data-v: an input's value, data-enable: an
// input's use), and paths puts ids in place of a form's {placeholders}.
function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

function fill(root, values) {
  for (const e of [root, ...root.querySelectorAll("[data-f], [data-show], [data-v], [data-enable], [data-aria]")]) {
    const { f, show, v, enable, aria } = e.dataset;
    if (f in values) e.textContent = values[f];
    if (aria in values) e.setAttribute("aria-label", values[aria]);
    if (show in values) e.hidden = !values[show];
    if (v in values) e.value = values[v];
    if (enable in values) e.disabled = !values[enable];
  }
  return root;
}

function paths(root, values) {
  for (const f of root.querySelectorAll("form[action]")) {
    let a = f.getAttribute("action");
    for (const [k, v] of Object.entries(values)) a = a.replaceAll("%7B" + k + "%7D", encodeURIComponent(v));
    f.setAttribute("action", a);
  }
  return root;
}

function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
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
      state.observe = ev.observe;
      state.observed = ev.observed || [];
      state.lesson = ev.lesson || { name: "" };
      state.pace = ev.pace ?? 1;
      state.paceSaid = ev.pace_said;
      renderPace();
      if (ev.confirms) renderConfirms(ev.confirms);
      dirtyLesson = true;
      dirtyTopology = dirtyObserve = true;
      skew = Date.now() - (Date.parse(ev.at) || Date.now());
      loadRates(ev.rates);
      for (const d of ev.recent) {
        d.arrived = Date.parse(d.at) || serverNow();
        if (d.settled_at) d.settledAt = Date.parse(d.settled_at);
        noteRequest(d);
        addCard(d);
      }
      if (ev.activity) sayActivity(ev.activity);
      dirtyQueues = dirtyBroker = dirtyOrder = true;
      state.order.forEach((id) => dirtyReceivers.add(id));
      break;
    case "broker":
      if (ev.state !== state.broker.state && ev.state !== "connecting") announce(brokerLabel(ev));
      state.broker = ev;
      dirtyBroker = true;
      break;
    case "pace":
      state.pace = ev.pace;
      state.paceSaid = ev.said;
      renderPace();
      announce(inLang(ev.said, ""));
      break;
    case "confirms":
      renderConfirms(ev);
      // The lesson's own publishes, which no "published" event told.
      addOwnPublished(ev.queue, (ev.strategies || []).reduce((n, x) => n + x.messages, 0));
      addOwnPublished(ev.limited, ev.limited_sent || 0);
      break;
    case "lesson":
      state.lesson = ev;
      state.wholeVhost = false;
      dirtyLesson = dirtyTopology = dirtyOrder = true;
      if (ev.name) announce(t("announce.lesson", lessonWords(ev)));
      break;
    case "published":
      countPublished(ev.queues || [], eventTime(ev), ev.confirmed || 0);
      for (const q of ev.queues || []) addOwnPublished(q, ev.confirmed || 0);
      sayActivity(ev);
      break;
    case "queue":
      state.queues.set(ev.queue.name, ev.queue);
      dirtyQueues = dirtyTopology = true;
      break;
    case "queue_gone":
      state.queues.delete(ev.queue);
      for (const m of Object.values(publishes)) m.delete(ev.queue);
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
      ev.arrived = eventTime(ev);
      noteRequest(ev);
      addCard(ev);
      setCounters(ev.receiver, ev.counters);
      if (ev.offset !== undefined && state.receivers.has(ev.receiver)) state.receivers.get(ev.receiver).offset = ev.offset;
      countRate(ev.receiver, "delivered", ev.arrived);
      if (state.receivers.get(ev.receiver)?.ack === "auto") countRate(ev.receiver, "acked", ev.arrived);
      if (ev.redelivered) noteRedelivery(ev.receiver);
      break;
    case "settled":
      for (const d of state.cards.get(ev.receiver) || []) {
        if (d.seq === ev.seq) {
          d.settled = ev.outcome;
          d.settledAt = eventTime(ev);
        }
      }
      if (ev.outcome === "ack") countRate(ev.receiver, "acked", eventTime(ev));
      noteReply(ev);
      setCounters(ev.receiver, ev.counters);
      break;
    case "topology":
      state.exchanges = ev.exchanges;
      state.bindings = ev.bindings;
      dirtyTopology = true;
      state.order.forEach((id) => dirtyReceivers.add(id)); // what feeds each queue
      break;
    case "route":
      lightRoute(ev.exchange, ev.queues);
      if (!ev.queues.length) sayActivity(ev);
      break;
    case "survival":
      state.survival = ev;
      dirtyQueues = true;
      break;
    case "returned":
      showFlash(false, t("flash.returned", { message: inLang(ev.message_said, ev.message) }));
      break;
    case "observe":
      state.observe = ev;
      dirtyObserve = true;
      break;
    case "observed_publish":
      state.observed.push(ev);
      if (state.observed.length > OBSERVED_KEPT) state.observed.shift();
      lightRoute(ev.exchange, ev.routed_queues);
      countPublished(ev.routed_queues, eventTime(ev), 1);
      sayActivity(ev);
      dirtyObserve = true;
      break;
  }
  schedule();
}

// lightRoute lights the route of a publish (the page's own, as computed,
// or another program's, as traced) for 4 s; deliveries confirm it. One
// timer puts the diagram out, however many publishes come.
let routeTimer = 0;
function lightRoute(exchange, queues) {
  state.route = { exchange, queues: new Map(queues.map((q) => [q, "predicted"])), until: Date.now() + 4000 };
  clearTimeout(routeTimer);
  routeTimer = setTimeout(() => { dirtyTopology = true; schedule(); }, 4100);
  dirtyTopology = true;
}

// publishTarget says where a publish went, as the page says it.
function publishTarget(ev) {
  return t(ev.exchange === "" ? "activity.default" : "activity.exchange", ev);
}

function setActivity(text) {
  state.activity = text;
  dirtyLesson = true;
}

// sayActivity puts the last publish in the lesson bar: the page's own
// (a route that reached no queue, or what was confirmed and where it
// went) or another program's. The snapshot carries the last one.
function sayActivity(ev) {
  if (ev.type === "observed_publish") setActivity(observedLine(ev));
  else if (ev.type === "route" || !ev.queues?.length) setActivity(t("activity.unroutable", { to: publishTarget(ev) }));
  else setActivity(t("activity.published", { ...ev, confirmed: ev.confirmed || 0, to: publishTarget(ev), queues: ev.queues.join(", ") }));
}

// The server's clock times every event; skew is how far this browser's
// clock is ahead of it, measured at the snapshot, so that timers and
// charts agree with what a page opened elsewhere, or reloaded, shows.
let skew = 0;
const serverNow = () => (replay.on ? replayNow() : Date.now() - skew);
const eventTime = (ev) => Date.parse(ev.at) || serverNow();

// announce says something in the polite live region, for screen readers:
// what changes for everyone (a lesson, the broker, redeliveries), at most
// once a second, merged.
const announced = [];
let announceTimer = 0;
function announce(text) {
  if (!announced.includes(text)) announced.push(text);
  if (announceTimer) return;
  announceTimer = setTimeout(() => {
    document.getElementById("announce").textContent = announced.splice(0).join(" ");
    announceTimer = 0;
  }, 1000);
}

const redelivered = new Map(); // receiver id -> redeliveries not yet announced
let redeliveryTimer = 0;
function noteRedelivery(id) {
  redelivered.set(id, (redelivered.get(id) || 0) + 1);
  if (redeliveryTimer) return;
  redeliveryTimer = setTimeout(() => {
    for (const [rid, n] of redelivered) {
      const r = state.receivers.get(rid);
      if (r) announce(t("announce.redelivered", { n, name: r.name }));
    }
    redelivered.clear();
    redeliveryTimer = 0;
  }, 1000);
}

// lessonWords are a lesson's title and what to watch in the page's
// language, as the server's Lang.Preset says them: the catalogue's, else
// the scenario's own.
function lessonWords(l) {
  return { title: TEXT[`preset.${l.name}.title`] ?? l.title ?? "", watch: TEXT[`preset.${l.name}.watch`] ?? l.watch ?? "" };
}

function renderLesson() {
  const l = state.lesson;
  const panel = document.getElementById("lesson");
  fill(panel, { ...lessonWords(l), activity: state.activity });
  panel.hidden = !l.name && !state.activity;
}

// RPC: a request names its reply queue and carries a correlation id; the
// reply carries the same id. Each reply card names its request and the
// round trip, from the request reaching its server to the reply reaching
// its client (both as rabbitboard saw them), for rabbitboard's receivers
// and watched programs alike.
const rpcRequests = new Map(); // correlation id -> { seq, receiver, at }
function noteRequest(d) {
  const p = d.properties;
  if (!p?.reply_to || !p.correlation_id) return;
  rpcRequests.set(p.correlation_id, { seq: d.seq, receiver: d.receiver, at: Date.parse(d.at) || d.arrived });
  if (rpcRequests.size > 5000) rpcRequests.delete(rpcRequests.keys().next().value);
}

function rpcLine(d) {
  const p = d.properties;
  const q = p?.correlation_id && !p.reply_to ? rpcRequests.get(p.correlation_id) : undefined;
  if (!q) return "";
  const ms = Math.max(0, Math.round((Date.parse(d.at) || d.arrived) - q.at));
  return t("card.rpc", { seq: q.seq, name: state.receivers.get(q.receiver)?.name || q.receiver, ms });
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
  // A count of 0 goes unsaid.
  r.received = c.received || 0;
  r.acked = c.acked || 0;
  r.unacked = c.unacked || 0;
  r.undecodable = c.undecodable || 0;
  dirtyReceivers.add(id);
}

// ---- rendering, at most once per animation frame ----

function render() {
  frameRequested = false;
  if (dirtyBroker) {
    const b = document.getElementById("broker");
    b.className = "broker " + state.broker.state;
    b.textContent = brokerLabel(state.broker);
    b.title = state.broker.error || "";
    dirtyBroker = false;
  }
  if (dirtyObserve) {
    renderObserve();
    dirtyObserve = false;
  }
  if (dirtyObserve || dirtyQueues || dirtyOrder || dirtyNoticed) renderNoticed();
  dirtyNoticed = false;
  if (dirtyLesson) {
    renderLesson();
    dirtyLesson = false;
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
    const roots = stageOrder().map((id) => renderReceiver(id));
    noReceivers.hidden = roots.length > 0;
    placeChildren(section, [noReceivers, ...roots]);
    dirtyOrder = false;
  } else {
    for (const id of dirtyReceivers) if (state.receivers.has(id)) renderReceiver(id);
  }
  if (dirtyReceivers.size && document.body.classList.contains("stage")) fitCards();
  dirtyReceivers.clear();
  window.rabbitboard.renders++;
}

const noReceivers = document.querySelector("#receivers .empty");

// renderPace says when rabbitboard's receivers run slowly or are held
// (to everyone: it is the lesson itself running slowly, on the broker),
// and shows the presenter which pace is on.
function renderPace() {
  const bar = document.getElementById("pace");
  bar.hidden = !PRESENTER && state.pace === 1;
  bar.classList.toggle("slowed", state.pace !== 1);
  // The server says the pace, in both languages.
  fill(bar, { said: state.pace === 1 ? "" : inLang(state.paceSaid, ""), held: state.pace !== 1 });
  for (const b of bar.querySelectorAll("button[data-pace]")) b.setAttribute("aria-pressed", String(Number(b.dataset.pace) === state.pace));
}

// The diagram is drawn at the page's size: a new size draws it again.
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    dirtyTopology = true;
    schedule();
    if (document.body.classList.contains("stage")) fitCards();
  }, 100);
});
// On a phone the header's switches are behind the Menu button.
const menuToggle = document.getElementById("menu-toggle");
menuToggle.hidden = false;
document.body.classList.add("js-menu");
menuToggle.addEventListener("click", () => {
  const open = document.getElementById("menu").classList.toggle("open");
  menuToggle.setAttribute("aria-expanded", String(open));
});
document.getElementById("diagram-scope").addEventListener("click", () => {
  state.wholeVhost = !state.wholeVhost;
  dirtyTopology = true;
  schedule();
});

// ---- live stream ----

let backoff = 500;
function connect() {
  const live = document.getElementById("live");
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
  ws.onopen = () => {
    backoff = 500;
    live.textContent = t("live.on");
    live.className = "live on";
  };
  ws.onmessage = (m) => {
    for (const ev of JSON.parse(m.data)) receive(ev, ws);
  };
  ws.onclose = () => {
    live.textContent = t("live.reconnecting");
    live.className = "live off";
    setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, 5000);
  };
}
connect();
