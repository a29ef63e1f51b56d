// rabbitboard's page script: keeps the page live from /ws and sends the
// forms with fetch. Every value from the broker is set with textContent or
// as a property, never as HTML, so message bodies stay inert text.
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

// renderConfirms fills the publisher confirms lesson's table, as the
// server's confirmsPanel does.
function renderConfirms(c) {
  const panel = document.getElementById("confirms");
  panel.hidden = false;
  for (const s of c.strategies) {
    const row = panel.querySelector(`tr[data-way="${s.name}"]`);
    if (row) fill(row, { rate: String(Math.round(s.rate)), latency: s.latency_ms.toFixed(2) });
  }
  fill(panel, { outcome: t("confirms.outcome", { nacked: c.nacked, sent: c.limited_sent, limited: c.limited, returned: c.returned }) });
}

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

// fitCards shows, on the stage, as many whole cards as each column holds:
// one cut in half by the screen's edge is hidden instead.
function fitCards() {
  const lists = [...document.querySelectorAll("#receivers .cards")];
  for (const list of lists) for (const li of list.children) li.classList.remove("beyond");
  for (const list of lists) {
    const bottom = list.closest("article").getBoundingClientRect().bottom;
    for (const li of list.children) if (li.getBoundingClientRect().bottom > bottom) li.classList.add("beyond");
  }
}

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

// stageOrder puts, on the stage, the lesson's receivers (those on its
// queues) first, each group in the order they were added.
function stageOrder() {
  const l = state.lesson;
  if (!document.body.classList.contains("stage") || !l.name || !l.queues) return state.order;
  const ours = new Set(l.queues);
  const first = state.order.filter((id) => ours.has(state.receivers.get(id).queue));
  return [...first, ...state.order.filter((id) => !ours.has(state.receivers.get(id).queue))];
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

// placeChildren makes parent hold want, in order, moving only what is out
// of place: a column that stays where it was keeps the focus inside it.
function placeChildren(parent, want) {
  const keep = new Set(want);
  for (const e of [...parent.children]) if (!keep.has(e)) e.remove();
  want.forEach((e, i) => {
    if (parent.children[i] !== e) parent.insertBefore(e, parent.children[i] || null);
  });
}

function renderQueues() {
  const rows = [...state.queues.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((q) => {
    const row = fill(clone("tpl-queue"), { ...q, unavailable: q.unavailable || "", stream: (q.arguments || {})["x-queue-type"] === "stream", exclusive: !!q.exclusive, manageable: !q.exclusive, redrivable: !q.exclusive && (q.arguments || {})["x-queue-type"] !== "stream" });
    row.dataset.queue = q.name;
    return row;
  });
  document.querySelector("#queues tbody").replaceChildren(...rows);
}

// brokerLabel says how rabbitboard is connected, naming the node in use,
// in the words the broker event carries (the catalogue's, in both languages).
function brokerLabel(b) {
  return inLang(b.said, t("broker." + b.state));
}

// renderNoticed says, while not watching, what another program does on
// the broker: which queues it consumes from (more consumers than
// rabbitboard's own receivers there) and which it publishes to (more
// messages published into the queue, as the management API counts them,
// than rabbitboard published there since this page opened). The counts
// arrive seconds late, so a publish is said only once the difference has
// stood for 10 s. Exclusive queues are their declarer's (rabbitboard's
// replicas have such queues too), so they are left out.
const publishes = { own: new Map(), base: new Map(), since: new Map() };
function addOwnPublished(queue, n) {
  publishes.own.set(queue, (publishes.own.get(queue) || 0) + n);
}
// noteReply counts the answer an RPC server receiver of rabbitboard's
// sent before it acked a request: a publish of its own to the reply queue.
function noteReply(ev) {
  const r = state.receivers.get(ev.receiver);
  if (ev.outcome !== "ack" || !r || !r.reply || r.kind === "outside") return;
  const d = (state.cards.get(ev.receiver) || []).find((c) => c.seq === ev.seq);
  if (d?.properties?.reply_to) addOwnPublished(d.properties.reply_to, 1);
}
function recentOwnPublished(queue, now) {
  let n = 0;
  for (const [sec, b] of rates.get("q:" + queue) || []) if (sec >= Math.floor(now / 1000) - 15) n += b.published;
  return n;
}
function othersPublished(q, now) {
  const own = publishes.own.get(q.name) || 0;
  if (!publishes.base.has(q.name)) {
    // What rabbitboard published in the last seconds may not be in the
    // broker's count yet: counted as if it were, so it is never taken
    // for another program's.
    publishes.base.set(q.name, { broker: q.published || 0, own: own - recentOwnPublished(q.name, now) });
  }
  const base = publishes.base.get(q.name);
  const extra = (q.published || 0) - base.broker - (own - base.own);
  if (extra <= 0) {
    publishes.since.delete(q.name);
    return false;
  }
  if (!publishes.since.has(q.name)) {
    publishes.since.set(q.name, now);
    setTimeout(() => { dirtyNoticed = true; schedule(); }, 10100);
  }
  return now - publishes.since.get(q.name) >= 10000;
}
function renderNoticed() {
  const box = document.getElementById("noticed");
  const own = new Map();
  for (const r of state.receivers.values()) {
    if (r.kind !== "outside" && r.state === "consuming") own.set(r.queue, (own.get(r.queue) || 0) + 1);
  }
  const now = serverNow();
  const queues = [...state.queues.values()].filter((q) => !q.exclusive).sort((a, b) => (a.name < b.name ? -1 : 1));
  const published = queues.filter((q) => othersPublished(q, now)).map((q) => q.name);
  const watching = state.observe.enabled;
  const consumers = watching ? [] : queues.filter((q) => q.consumers > (own.get(q.name) || 0)).map((q) => q.name);
  const said = [];
  if (consumers.length) said.push(t("observe.noticed", { queues: consumers.join(", "), n: consumers.length }));
  if (published.length && !watching) said.push(t("observe.noticed_publish", { queues: published.join(", "), n: published.length }));
  box.hidden = said.length === 0;
  if (said.length) fill(box, { text: said.join(" ") });
}

function renderObserve() {
  const o = state.observe;
  const panel = document.getElementById("observe");
  panel.dataset.enabled = String(o.enabled);
  fill(panel, {
    status: t(o.enabled ? "observe.on" : "observe.off"), error: inLang(o.error_said, o.error || ""),
    skipped: o.skipped ? t("observe.skipped", { n: o.skipped }) : "",
    not_shown: o.not_shown ? t("observe.not_shown", { n: o.not_shown }) : "", filter: o.filter || "",
    button: t(o.enabled ? "observe.stop" : "observe.start"), want: String(!o.enabled),
  });
  const lines = state.observed.map((p) => fill(clone("tpl-observed"), { line: observedLine(p) })).reverse();
  panel.querySelector(".observed").replaceChildren(...lines);
}

// observedLine says what another program published, as the server's
// ObservedLine does.
function observedLine(p) {
  const to = p.exchange === "" ? t("observed.default", p) : t("observed.to", p);
  const queues = p.routed_queues.length ? p.routed_queues.join(", ") : t("observed.nowhere");
  return t("observed.line", { name: p.name, body: p.body, to, queues });
}

function renderSurvival() {
  const panel = document.getElementById("survival");
  if (!state.survival) return;
  panel.hidden = false;
  const rows = state.survival.queues.map((s) => {
    const row = fill(clone("tpl-survival"), { ...s, verdict: t(s.verdict_key, s), redeclare: s.missing && !state.queues.has(s.name) });
    row.classList.toggle("lost", s.lost > 0);
    const arg = row.querySelector("[data-arg]");
    if (arg) {
      for (const [k, v] of Object.entries(s.arguments || {})) {
        const input = arg.cloneNode();
        input.name = "arguments." + k;
        input.value = String(v);
        arg.before(input);
      }
      arg.remove();
    }
    return row;
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

// Each receiver's column is kept and updated in place: its head is
// filled again, its cards are made once and reused until their outcome
// changes, so a burst of messages costs little more than the new cards.
const columns = new Map(); // receiver id -> { root, head, list, older }

// displayState is the receiver's state as the column says it, as the
// server's displayState does: a manual receiver holding messages while
// consuming is working on them.
function displayState(r) {
  return r.ack === "manual" && r.unacked > 0 && r.state === "consuming" && r.kind !== "outside" ? "working" : r.state;
}

// fedLine says which bindings feed a queue besides the default exchange
// (which feeds every queue by its name): "" when none do.
function fedLine(queue) {
  const routes = state.bindings.filter((b) => b.queue === queue && b.exchange !== "")
    .map((b) => t("receiver.route", { exchange: b.exchange, label: b.label || "" }));
  return routes.length ? t("receiver.fed", { routes: routes.join(", ") }) : "";
}

function renderReceiver(id) {
  let c = columns.get(id);
  if (!c) {
    const root = paths(clone("tpl-column"), { id });
    root.dataset.receiver = id;
    c = { root, head: root.querySelector(".head"), list: root.querySelector(".cards"), older: root.querySelector(".older") };
    columns.set(id, c);
  }
  const r = state.receivers.get(id);
  c.root.className = `receiver c${r.colour} ${r.state}`;
  const resumable = r.state === "paused" || r.state === "killed";
  const outside = r.kind === "outside";
  fill(c.head, {
    name: r.name, state: t("state." + displayState(r)), queue: r.queue, error: inLang(r.error_said, r.error || ""),
    settings: t(outside ? "receiver.outside" : "receiver.settings", r), received: r.received, acked: r.acked, unacked: r.unacked,
    undecodable_count: r.undecodable || 0, resumable, pausable: !resumable,
    outside, client: outside ? t("receiver.client", r) : "", controls: !outside,
    replica: r.replica ? t("receiver.replica", r) : "", position: positionLine(r), fed: fedLine(r.queue),
    label_resume: t("control.resume", r), label_pause: t("control.pause", r), label_kill: t("control.kill", r), label_remove: t("control.remove", r),
  });
  const cards = state.cards.get(id) || [];
  const els = [];
  for (let i = cards.length - 1; i >= 0; i--) {
    const d = cards[i];
    const drawn = (d.settled || "") + (isGet(r, d) ? " get" : "");
    if (!d.el || d.drawn !== drawn) {
      d.el = renderCard(r, d);
      d.drawn = drawn;
    }
    els.push(d.el);
  }
  syncList(c.list, els);
  cardTimings(r, cards);
  const older = state.older.get(id) || 0;
  c.older.hidden = older === 0;
  c.older.textContent = t("receiver.older", { n: older });
  return c.root;
}

// cardTimings says on each card where its message stands and how long it
// took: a manual receiver works its messages in order, one at a time, so
// the oldest unsettled is being worked on (a running timer) and the rest
// wait in its buffer; an interactive one holds each until someone decides.
// How long a message waited in the queue comes from its timestamp
// property, when its publisher set one (to the second, as AMQP has it).
const running = new Map(); // receiver id -> [{ el, start, key }]
function cardTimings(r, cards) {
  const timers = [];
  let prevEnd = 0, working = false;
  for (const d of cards) {
    let text;
    const start = Math.max(d.arrived || 0, prevEnd);
    if (d.settled) {
      prevEnd = d.settledAt || prevEnd;
      if (d.timedEl === d.el) continue; // said once on this card: it no longer changes
      const took = (((d.settledAt || start) - start) / 1000).toFixed(1);
      if (r.kind === "outside") text = d.settled === "requeued" ? t("timing.taken_back") : d.settledAt ? t("timing.done_about", { s: took }) : t("timing.done");
      else if (!d.settledAt) text = d.settled; // settled before this page saw it
      else if (r.ack === "interactive") text = t("timing.decided", { outcome: d.settled, s: took });
      else text = t("timing.worked", { s: took, outcome: d.settled });
      setTiming(d, text);
      d.timedEl = d.el;
      continue;
    } else if (r.ack === "auto" && !(r.kind === "outside" && !r.consumer_tag)) {
      text = t("timing.auto");
    } else if (r.kind === "outside") {
      // Another program's: what is known is that it was delivered.
      timers.push({ d, start: d.arrived, key: "timing.delivered" });
    } else if (r.state !== "consuming") {
      text = t("timing.held", { state: t("state." + r.state) });
    } else if (r.ack === "interactive") {
      timers.push({ d, start: d.arrived, key: "timing.yours" });
    } else if (!working) {
      working = true;
      timers.push({ d, start, key: "timing.working" });
    } else {
      text = t("timing.buffer");
    }
    if (text !== undefined) setTiming(d, text);
  }
  running.set(r.id, timers);
  tick(timers);
}

function setTiming(d, text) {
  d.waited ??= queueWait(d);
  if (d.waited) text += " · " + d.waited;
  if (d.el && d.timing !== text) {
    d.timing = text;
    fill(d.el, { timing: text });
  }
}

// queueWait says how long a message waited in the queue, when its
// publisher stamped it with a timestamp ("" otherwise).
function queueWait(d) {
  const ts = d.properties?.timestamp;
  const waited = ts ? (Date.parse(d.at) - Date.parse(ts)) / 1000 : -1;
  if (!(waited >= 0)) return "";
  return waited < 1 ? t("timing.queued_short") : t("timing.queued", { s: Math.floor(waited) });
}

function tick(timers) {
  const now = serverNow();
  for (const x of timers) setTiming(x.d, t(x.key, { s: (Math.max(0, now - x.start) / 1000).toFixed(1) }));
}

// ---- rates: per receiver, messages delivered and acked each second of
// the last minute, and what was published ----

const RATE_WINDOW = 60;
const rates = new Map(); // receiver id ("" for published) -> Map(second -> { delivered, acked, published })
function countRate(id, what, at, n = 1) {
  if (!rates.has(id)) rates.set(id, new Map());
  const sec = Math.floor(at / 1000);
  const m = rates.get(id);
  const b = m.get(sec) || { delivered: 0, acked: 0, published: 0 };
  b[what] += n;
  m.set(sec, b);
}

// countPublished counts a publish for the page's line ("") and for the
// chart of each queue it went to ("q:" and the name).
function countPublished(queues, at, n) {
  if (!n) return;
  countRate("", "published", at, n);
  for (const q of queues) countRate("q:" + q, "published", at, n);
}

// loadRates takes the snapshot's counts of the last minute, so a page
// opened late draws what the others draw.
function loadRates(snap) {
  rates.clear();
  for (const [key, lists] of Object.entries(snap?.series || {})) {
    for (const [what, counts] of Object.entries(lists)) {
      counts.forEach((n, i) => { if (n) countRate(key, what, (snap.now - counts.length + 1 + i) * 1000, n); });
    }
  }
}

// series returns the last minute of one count, oldest second first.
function series(id, what, now) {
  const m = rates.get(id) || new Map();
  const out = [];
  for (let s = now - RATE_WINDOW + 1; s <= now; s++) out.push(m.get(s)?.[what] || 0);
  for (const s of m.keys()) if (s <= now - RATE_WINDOW) m.delete(s);
  return out;
}

function chart(a, b, c) {
  const max = Math.max(1, ...a, ...b, ...c);
  const h = 30, w = RATE_WINDOW * 3;
  const line = (xs) => xs.map((v, i) => `${i * 3},${(h - (v / max) * (h - 2)).toFixed(1)}`).join(" ");
  const drawing = svg("svg", { viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none", class: "spark" });
  drawing.append(svg("polyline", { points: line(c), class: "published" }), svg("polyline", { points: line(a), class: "delivered" }), svg("polyline", { points: line(b), class: "acked" }));
  return drawing;
}

function renderRates() {
  const now = Math.floor(serverNow() / 1000);
  const sum = (xs) => xs.reduce((x, y) => x + y, 0);
  const published = series("", "published", now);
  for (const [id, c] of columns) {
    const delivered = series(id, "delivered", now), acked = series(id, "acked", now);
    const toQueue = series("q:" + (state.receivers.get(id)?.queue ?? ""), "published", now);
    const box = c.head.querySelector(".rate");
    box.dataset.delivered = delivered.join(",");
    box.dataset.acked = acked.join(",");
    box.dataset.published = toQueue.join(",");
    box.querySelector(".chart").replaceChildren(chart(delivered, acked, toQueue));
    fill(box, { rate: true, rate_text: t("rate.text", { delivered: sum(delivered), acked: sum(acked), published: sum(toQueue), now: delivered[delivered.length - 2] }) });
  }
  const line = document.getElementById("published-rate");
  line.dataset.published = published.join(",");
  line.textContent = t("rate.published", { n: sum(published), now: published[published.length - 2] });
}
setInterval(() => {
  for (const timers of running.values()) tick(timers);
}, 200);
setInterval(renderRates, 1000);

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

// isGet says whether a card is marked basic.get: traced before the broker
// listed a consumer for it, and still no consumer of that channel and queue
// explains it (as the server's isGet).
function isGet(r, d) {
  return !!d.get && !r.consumer_tag;
}

// positionLine says where a stream receiver reads (as the server's
// position does).
function positionLine(r) {
  if (!r.start) return "";
  return r.offset === undefined ? t("receiver.from", r) : t("receiver.position", r);
}

function renderCard(r, d) {
  const outcome = d.settled || "";
  const card = paths(clone("tpl-card"), { id: r.id, tag: d.delivery_tag });
  card.dataset.seq = String(d.seq);
  card.classList.toggle("redelivered", !!d.redelivered);
  card.classList.replace("settled-", "settled-" + outcome);
  fill(card, {
    seq: t("card.seq", { seq: d.seq }), tag: d.delivery_tag ? t("card.tag", { tag: d.delivery_tag }) : "", get: isGet(r, d),
    offset: d.offset === undefined ? "" : t("card.offset", d),
    redelivered: !!d.redelivered, outcome, body: d.body + (d.truncated ? "…" : ""), rpc: rpcLine(d),
    undecodable: inLang(d.undecodable_said, d.undecodable || ""), summary: t("card.summary", { ...d, encoding: t("encoding." + (d.encoding || "text")) }),
    controls: r.ack === "interactive" && !outcome,
    again: !d.truncated && !d.headers_truncated && !d.undecodable,
    label_again: t("card.again_label", { seq: d.seq, name: r.name }),
    journey: !!d.properties?.message_id, label_journey: t("card.journey_label", { seq: d.seq, name: r.name }),
    label_ack: t("control.ack", { seq: d.seq, name: r.name }), label_nack: t("control.nack", { seq: d.seq, name: r.name }), label_reject: t("control.reject", { seq: d.seq, name: r.name }),
  });
  card.querySelector("button.again")?.addEventListener("click", () => publishAgain(r, d));
  const journey = card.querySelector("a.journey");
  if (d.properties?.message_id) journey.href = "/api/journey?message_id=" + encodeURIComponent(d.properties.message_id);
  journey.addEventListener("click", (e) => {
    e.preventDefault();
    showJourney(d.properties.message_id);
  });
  // Properties and headers are drawn when first asked for, in the order
  // the server's page lists them.
  const details = card.querySelector("details");
  details.addEventListener("toggle", () => {
    const dl = details.querySelector("dl");
    const add = (name, value) => dl.append(fill(clone("tpl-prop"), { name, value }));
    for (const [k, v] of Object.entries(d.properties || {})) if (v !== "" && v !== 0) add(k, v);
    for (const [k, v] of Object.entries(d.headers || {})) add(t("card.header", { name: k }), typeof v === "object" ? JSON.stringify(v) : v);
    if (d.headers_truncated) add(t("card.headers"), t("card.more_headers"));
  }, { once: true });
  return card;
}

// presetReady fills the publish form with the scenario's suggestion.
// publishAgain fills the publish form with a message as it was delivered:
// its exchange, routing key, body, properties and headers, to edit and
// send again.
const AGAIN_PROPERTIES = ["content_type", "message_id", "correlation_id", "reply_to", "expiration", "priority", "type", "app_id"];
function publishAgain(r, d) {
  const f = document.querySelector('form[action="/api/publish"]');
  if (!f) return;
  const p = d.properties || {};
  f.elements.exchange.value = d.exchange || "";
  f.elements.routing_key.value = d.routing_key || "";
  f.elements.body.value = d.body;
  f.elements.encoding.value = d.encoding === "base64" ? "base64" : "text";
  f.elements.count.value = 1;
  f.elements.persistent.checked = p.delivery_mode === 2;
  f.elements.timestamp.checked = !!p.timestamp; // stamped again with the time it is sent
  for (const k of AGAIN_PROPERTIES) f.elements["properties." + k].value = p[k] ?? "";
  const headers = Object.entries(d.headers || {});
  f.elements.headers.value = headers.map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("\n");
  if (headers.length || AGAIN_PROPERTIES.some((k) => p[k])) f.querySelector("details").open = true;
  f.elements.body.focus();
  showFlash(true, t("flash.again", { seq: d.seq, name: r.name }));
}

function presetReady(p) {
  const f = document.querySelector('form[action="/api/publish"]');
  f.elements.exchange.value = p.try.exchange;
  f.elements.routing_key.value = p.try.routing_key;
  f.elements.body.value = p.try.body;
  f.elements.count.value = p.try.count;
  f.elements.persistent.checked = p.try.persistent;
  f.elements["properties.reply_to"].value = p.try.reply_to || "";
}

function showFlash(ok, text) {
  const line = fill(clone("tpl-flash"), { text });
  line.classList.toggle("ok", ok);
  line.classList.toggle("error", !ok);
  document.getElementById("flash").replaceChildren(line);
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
      // A form with a file goes as multipart, as the browser would send it.
      body: form.enctype === "multipart/form-data" ? new FormData(form) : new URLSearchParams(new FormData(form)),
    });
    const text = await resp.text();
    const data = text ? JSON.parse(text) : {};
    // The server says the outcome in the words a plain form would show.
    const said = resp.headers.get("X-Rabbitboard-Flash");
    if (!resp.ok) showFlash(false, data.error || resp.statusText);
    else {
      if (data.try) presetReady(data);
      showFlash(resp.headers.get("X-Rabbitboard-Flash-Ok") !== "false", said ? decodeURIComponent(said) : t("flash.done", { what: form.querySelector("h2, button")?.textContent }));
    }
  } catch (err) {
    showFlash(false, t("flash.no_answer", { error: err.message }));
  } finally {
    if (button) button.disabled = false;
  }
});

// The stage toggle switches the projector's view without a reload; the
// address says which view, so it can be shared.
document.getElementById("stage-toggle").addEventListener("submit", (e) => {
  e.preventDefault();
  const stage = document.body.classList.toggle("stage");
  const form = e.currentTarget;
  form.querySelector("button").textContent = t(stage ? "stage.leave" : "stage.enter");
  form.elements.view.disabled = stage;
  history.replaceState(null, "", stage ? "/?view=stage" : "/");
  dirtyTopology = true;
  schedule();
});

// The language switch fetches the page in the other language and takes
// its words (the catalogue, the forms, the templates the script clones)
// while the live view, its state and its connection stay as they are.
document.addEventListener("submit", (e) => {
  if (e.target.id === "lang-switch") switchLanguage(e);
  if (e.target.id === "theme-switch") switchTheme(e);
});

// The theme switch goes to the next theme (as the system prefers, light,
// dark, high contrast) without a reload, and keeps it in the cookie the
// server reads for the next page.
const THEMES = ["auto", "light", "dark", "contrast"];
function switchTheme(e) {
  e?.preventDefault();
  const form = document.getElementById("theme-switch");
  const theme = form.elements.theme.value;
  document.documentElement.dataset.theme = theme;
  document.cookie = `rabbitboard_theme=${theme}; path=/; max-age=31536000; samesite=lax`;
  form.elements.theme.value = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  form.querySelector("button").textContent = t("theme." + theme);
  // A ?theme= in the address would win over the cookie on a reload.
  const url = new URL(location.href);
  url.searchParams.delete("theme");
  history.replaceState(null, "", url.pathname + url.search);
}

// Keyboard shortcuts, for the person at the front: ? lists them. None
// acts while typing in a field.
const SHORTCUTS = {
  "?": () => toggleShortcuts(),
  t: () => switchTheme(),
  s: () => document.getElementById("stage-toggle").requestSubmit(),
  l: () => document.getElementById("lang-switch").requestSubmit(),
  p: () => document.querySelector('form[action="/api/publish"]')?.requestSubmit(),
  w: () => document.querySelector('#observe form[action="/api/observe"]')?.requestSubmit(),
  h: () => document.querySelector(`#pace button[data-pace="${state.pace === 1 ? 0 : 1}"]`)?.form.requestSubmit(),
  ".": () => document.querySelector('#pace form[action="/api/pace/step"]')?.requestSubmit(),
  ArrowLeft: () => stepReplay(-1),
  ArrowRight: () => stepReplay(1),
  Escape: () => toggleShortcuts(false),
};
document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest?.("input, textarea, select, [contenteditable]")) return;
  const act = SHORTCUTS[e.key];
  if (!act) return;
  e.preventDefault();
  act();
});
function toggleShortcuts(show) {
  const box = document.getElementById("shortcuts");
  box.hidden = show === undefined ? !box.hidden : !show;
  if (!box.hidden) box.querySelector("button").focus();
}
document.addEventListener("click", (e) => {
  if (e.target.closest?.("#shortcuts button")) toggleShortcuts(false);
});
async function switchLanguage(e) {
  e.preventDefault();
  const lang = e.target.elements.lang.value;
  const stage = document.body.classList.contains("stage");
  let html;
  try {
    const resp = await fetch("/?lang=" + encodeURIComponent(lang) + (stage ? "&view=stage" : ""), { headers: { Accept: "text/html" } });
    html = await resp.text();
  } catch (err) {
    showFlash(false, t("flash.no_answer", { error: err.message }));
    return;
  }
  const next = new DOMParser().parseFromString(html, "text/html");
  TEXT = JSON.parse(next.body.dataset.text);
  document.documentElement.lang = next.documentElement.lang;
  const swap = (sel) => {
    const now = document.querySelector(sel), then = next.querySelector(sel);
    if (now && then) now.replaceWith(document.adoptNode(then));
  };
  ["#lang-switch", "#theme-switch", "#shortcuts", "#replay", "main > aside", "#topology > h2"].forEach(swap);
  for (const tpl of next.querySelectorAll("template[id]")) swap("#" + tpl.id);
  document.querySelector("#stage-toggle button").textContent = t(stage ? "stage.leave" : "stage.enter");
  document.getElementById("receivers").setAttribute("aria-label", next.getElementById("receivers").getAttribute("aria-label"));
  noReceivers.textContent = next.querySelector("#receivers .empty").textContent;
  const live = document.getElementById("live");
  live.textContent = t(live.classList.contains("on") ? "live.on" : "live.reconnecting");
  history.replaceState(null, "", stage ? "/?view=stage" : "/");
  // Everything the script drew is drawn again in the new words.
  columns.clear();
  for (const list of state.cards.values()) for (const d of list) d.el = d.timing = d.waited = undefined;
  dirtyBroker = dirtyObserve = dirtyQueues = dirtyTopology = dirtyOrder = dirtyLesson = true;
  render();
  renderReplay();
  renderRates();
}

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

// ?watch=NAME opens the presenter's page watching only the queues,
// exchanges and connections whose names contain NAME: the filter form is
// sent as if typed (a link changes nothing by being fetched).
{
  const watch = new URLSearchParams(location.search).get("watch");
  const form = document.querySelector('#observe form.inline');
  if (watch !== null && form) {
    form.elements.filter.value = watch;
    form.requestSubmit();
  }
}
