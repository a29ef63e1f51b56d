// rabbitboard's page script: keeps the page's state live from /ws and
// draws it once per frame. page.js holds what the parts share; columns.js,
// panels.js and diagram.js draw the parts; replay.js shows the page in
// time; controls.js and forms.js send the forms. Every value from the
// broker is set with textContent or as a property, never as HTML, so
// message bodies stay inert text.
import { columns, countPublished, countRate, fitCards, loadRates, noteRequest, placeChildren, renderReceiver, stageOrder } from "./columns.js";
import "./controls.js";
import { renderTopology } from "./diagram.js";
import { showFlash } from "./forms.js";
import { MAX_CARDS, PRESENTER, clock, dirty, drawWith, eventTime, fill, inLang, schedule, serverNow, state, t } from "./page.js";
import { addOwnPublished, brokerLabel, noteReply, observedLine, publishes, renderConfirms, renderNoticed, renderObserve, renderQueues, renderSurvival } from "./panels.js";
import { beginReplay, changeReplay, endReplay, renderReplay, replay, replayed } from "./replay.js";

const OBSERVED_KEPT = 10; // other programs' publishes listed
window.rabbitboard = { state, events: 0, renders: 0 }; // for tests and the curious

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
      dirty.lesson = true;
      dirty.topology = dirty.observe = true;
      clock.skew = Date.now() - (Date.parse(ev.at) || Date.now());
      loadRates(ev.rates);
      for (const d of ev.recent) {
        d.arrived = Date.parse(d.at) || serverNow();
        if (d.settled_at) d.settledAt = Date.parse(d.settled_at);
        noteRequest(d);
        addCard(d);
      }
      if (ev.activity) sayActivity(ev.activity);
      dirty.queues = dirty.broker = dirty.order = true;
      state.order.forEach((id) => dirty.receivers.add(id));
      break;
    case "broker":
      if (ev.state !== state.broker.state && ev.state !== "connecting") announce(brokerLabel(ev));
      state.broker = ev;
      dirty.broker = true;
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
      dirty.lesson = dirty.topology = dirty.order = true;
      if (ev.name) announce(t("announce.lesson", lessonWords(ev)));
      break;
    case "published":
      countPublished(ev.queues || [], eventTime(ev), ev.confirmed || 0);
      for (const q of ev.queues || []) addOwnPublished(q, ev.confirmed || 0);
      sayActivity(ev);
      break;
    case "queue":
      state.queues.set(ev.queue.name, ev.queue);
      dirty.queues = dirty.topology = true;
      break;
    case "queue_gone":
      state.queues.delete(ev.queue);
      for (const m of Object.values(publishes)) m.delete(ev.queue);
      dirty.queues = true;
      break;
    case "receiver":
      if (!state.receivers.has(ev.receiver.id)) {
        state.order.push(ev.receiver.id);
        state.cards.set(ev.receiver.id, []);
        state.older.set(ev.receiver.id, 0);
        dirty.order = true;
      }
      state.receivers.set(ev.receiver.id, ev.receiver);
      dirty.receivers.add(ev.receiver.id);
      break;
    case "receiver_removed":
      state.receivers.delete(ev.receiver);
      state.cards.delete(ev.receiver);
      state.older.delete(ev.receiver);
      state.order = state.order.filter((id) => id !== ev.receiver);
      dirty.order = true;
      break;
    case "delivery":
      if (state.route && state.route.exchange === ev.exchange && state.route.queues.get(ev.queue) === "predicted") {
        state.route.queues.set(ev.queue, "confirmed");
        dirty.topology = true;
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
      dirty.topology = true;
      state.order.forEach((id) => dirty.receivers.add(id)); // what feeds each queue
      break;
    case "route":
      lightRoute(ev.exchange, ev.queues);
      if (!ev.queues.length) sayActivity(ev);
      break;
    case "survival":
      state.survival = ev;
      dirty.queues = true;
      break;
    case "returned":
      showFlash(false, t("flash.returned", { message: inLang(ev.message_said, ev.message) }));
      break;
    case "observe":
      state.observe = ev;
      dirty.observe = true;
      break;
    case "observed_publish":
      state.observed.push(ev);
      if (state.observed.length > OBSERVED_KEPT) state.observed.shift();
      lightRoute(ev.exchange, ev.routed_queues);
      countPublished(ev.routed_queues, eventTime(ev), 1);
      sayActivity(ev);
      dirty.observe = true;
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
  routeTimer = setTimeout(() => { dirty.topology = true; schedule(); }, 4100);
  dirty.topology = true;
}

// publishTarget says where a publish went, as the page says it.
function publishTarget(ev) {
  return t(ev.exchange === "" ? "activity.default" : "activity.exchange", ev);
}

function setActivity(text) {
  state.activity = text;
  dirty.lesson = true;
}

// sayActivity puts the last publish in the lesson bar: the page's own
// (a route that reached no queue, or what was confirmed and where it
// went) or another program's. The snapshot carries the last one.
function sayActivity(ev) {
  if (ev.type === "observed_publish") setActivity(observedLine(ev));
  else if (ev.type === "route" || !ev.queues?.length) setActivity(t("activity.unroutable", { to: publishTarget(ev) }));
  else setActivity(t("activity.published", { ...ev, confirmed: ev.confirmed || 0, to: publishTarget(ev), queues: ev.queues.join(", ") }));
}

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
// language, as the server said them.
function lessonWords(l) {
  return { title: inLang(l.title_said, l.title ?? ""), watch: inLang(l.watch_said, l.watch ?? "") };
}

function renderLesson() {
  const l = state.lesson;
  const panel = document.getElementById("lesson");
  fill(panel, { ...lessonWords(l), activity: state.activity });
  panel.hidden = !l.name && !state.activity;
}

function addCard(d) {
  const list = state.cards.get(d.receiver);
  if (!list) return;
  list.push(d);
  if (list.length > MAX_CARDS) {
    list.splice(0, list.length - MAX_CARDS);
    state.older.set(d.receiver, (state.older.get(d.receiver) || 0) + 1);
  }
  dirty.receivers.add(d.receiver);
}

function setCounters(id, c) {
  const r = state.receivers.get(id);
  if (!r || !c) return;
  // A count of 0 goes unsaid.
  r.received = c.received || 0;
  r.acked = c.acked || 0;
  r.unacked = c.unacked || 0;
  r.undecodable = c.undecodable || 0;
  dirty.receivers.add(id);
}

// ---- rendering, at most once per animation frame ----

function render() {
  if (dirty.broker) {
    const b = document.getElementById("broker");
    b.className = "broker " + state.broker.state;
    b.textContent = brokerLabel(state.broker);
    b.title = state.broker.error || "";
    dirty.broker = false;
  }
  if (dirty.observe) {
    renderObserve();
    dirty.observe = false;
  }
  if (dirty.observe || dirty.queues || dirty.order || dirty.noticed) renderNoticed();
  dirty.noticed = false;
  if (dirty.lesson) {
    renderLesson();
    dirty.lesson = false;
  }
  if (dirty.queues) {
    renderQueues();
    renderSurvival();
    dirty.queues = false;
  }
  if (dirty.topology || dirty.order) {
    renderTopology();
    dirty.topology = false;
  }
  const section = document.getElementById("receivers");
  if (dirty.order) {
    for (const id of columns.keys()) if (!state.receivers.has(id)) columns.delete(id);
    const roots = stageOrder().map((id) => renderReceiver(id));
    noReceivers.hidden = roots.length > 0;
    placeChildren(section, [noReceivers, ...roots]);
    dirty.order = false;
  } else {
    for (const id of dirty.receivers) if (state.receivers.has(id)) renderReceiver(id);
  }
  if (dirty.receivers.size && document.body.classList.contains("stage")) fitCards();
  dirty.receivers.clear();
  window.rabbitboard.renders++;
}

const noReceivers = document.querySelector("#receivers .empty");
drawWith(render);

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
    dirty.topology = true;
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
  dirty.topology = true;
  schedule();
});

// ---- live stream ----

// receive takes one event from the server: the replay's own, or a live
// one, which is shown unless a replay is on.
function receive(ev, ws) {
  switch (ev.type) {
    case "snapshot":
      apply(ev);
      if (ev.replay) beginReplay(ev.replay);
      else if (replay.on) endReplay();
      renderReplay();
      return;
    case "replay":
      if (ev.state === "live") {
        if (replay.on) backToLive(ws);
        return;
      }
      if (ev.reset || !replay.on) beginReplay(ev);
      else changeReplay(ev);
      renderReplay();
      return;
    case "replayed":
      if (!replay.on) return;
      if (replayed(ev)) apply(ev.event);
      renderReplay();
      return;
  }
  if (!replay.on) apply(ev);
}

// backToLive shows what happens now: a fresh connection's snapshot.
function backToLive(ws) {
  endReplay();
  renderReplay();
  ws.onclose = null;
  ws.close();
  connect();
}

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
