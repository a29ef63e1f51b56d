// rabbitboard's receiver columns: each receiver's head, its cards with
// their timings, and the charts of the last minute, kept and updated in
// place.
import { svg } from "./diagram.js";
import { publishAgain } from "./forms.js";
import { showJourney } from "./journey.js";
import { clone, fill, inLang, paths, serverNow, state, t } from "./page.js";

// Each receiver's column is kept and updated in place: its head is
// filled again, its cards are made once and reused until their outcome
// changes, so a burst of messages costs little more than the new cards.
export const columns = new Map(); // receiver id -> { root, head, list, older }

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

export function renderReceiver(id) {
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

// RPC: a request names its reply queue and carries a correlation id; the
// reply carries the same id. Each reply card names its request and the
// round trip, from the request reaching its server to the reply reaching
// its client (both as rabbitboard saw them), for rabbitboard's receivers
// and observed programs alike.
const rpcRequests = new Map(); // correlation id -> { seq, receiver, at }
export function noteRequest(d) {
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

// forgetRequests forgets every request (a replay shows them again).
export function forgetRequests() {
  rpcRequests.clear();
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
export const rates = new Map(); // receiver id ("" for published) -> Map(second -> { delivered, acked, published })
export function countRate(id, what, at, n = 1) {
  if (!rates.has(id)) rates.set(id, new Map());
  const sec = Math.floor(at / 1000);
  const m = rates.get(id);
  const b = m.get(sec) || { delivered: 0, acked: 0, published: 0 };
  b[what] += n;
  m.set(sec, b);
}

// countPublished counts a publish for the page's line ("") and for the
// chart of each queue it went to ("q:" and the name).
export function countPublished(queues, at, n) {
  if (!n) return;
  countRate("", "published", at, n);
  for (const q of queues) countRate("q:" + q, "published", at, n);
}

// loadRates takes the snapshot's counts of the last minute, so a page
// opened late draws what the others draw.
export function loadRates(snap) {
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

export function renderRates() {
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

// fitCards shows, on the stage, as many whole cards as each column holds:
// one cut in half by the screen's edge is hidden instead.
export function fitCards() {
  const lists = [...document.querySelectorAll("#receivers .cards")];
  for (const list of lists) for (const li of list.children) li.classList.remove("beyond");
  for (const list of lists) {
    const bottom = list.closest("article").getBoundingClientRect().bottom;
    for (const li of list.children) if (li.getBoundingClientRect().bottom > bottom) li.classList.add("beyond");
  }
}

// stageOrder puts, on the stage, the lesson's receivers (those on its
// queues) first, each group in the order they were added.
export function stageOrder() {
  const l = state.lesson;
  if (!document.body.classList.contains("stage") || !l.name || !l.queues) return state.order;
  const ours = new Set(l.queues);
  const first = state.order.filter((id) => ours.has(state.receivers.get(id).queue));
  return [...first, ...state.order.filter((id) => !ours.has(state.receivers.get(id).queue))];
}

// placeChildren makes parent hold want, in order, moving only what is out
// of place: a column that stays where it was keeps the focus inside it.
export function placeChildren(parent, want) {
  const keep = new Set(want);
  for (const e of [...parent.children]) if (!keep.has(e)) e.remove();
  want.forEach((e, i) => {
    if (parent.children[i] !== e) parent.insertBefore(e, parent.children[i] || null);
  });
}
