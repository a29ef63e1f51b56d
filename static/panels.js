// rabbitboard's side panels: the queue table, what other programs are
// noticed doing, observing them, what a broker outage kept and lost, and
// the publisher confirms lesson's table, drawn when app.js says.
import { rates } from "./columns.js";
import { clone, dirty, fill, inLang, schedule, serverNow, state, t } from "./page.js";

// renderConfirms fills the publisher confirms lesson's table, as the
// server's confirmsPanel does.
export function renderConfirms(c) {
  const panel = document.getElementById("confirms");
  panel.hidden = false;
  for (const s of c.strategies) {
    const row = panel.querySelector(`tr[data-way="${s.name}"]`);
    if (row) fill(row, { rate: String(Math.round(s.rate)), latency: s.latency_ms.toFixed(2) });
  }
  fill(panel, { outcome: t("confirms.outcome", { nacked: c.nacked, sent: c.limited_sent, limited: c.limited, returned: c.returned }) });
}

export function renderQueues() {
  const rows = [...state.queues.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((q) => {
    const row = fill(clone("tpl-queue"), { ...q, unavailable: q.unavailable || "", stream: (q.arguments || {})["x-queue-type"] === "stream", exclusive: !!q.exclusive, manageable: !q.exclusive, redrivable: !q.exclusive && (q.arguments || {})["x-queue-type"] !== "stream" });
    row.dataset.queue = q.name;
    return row;
  });
  document.querySelector("#queues tbody").replaceChildren(...rows);
}

// brokerLabel says how rabbitboard is connected, naming the node in use,
// in the words the broker event carries (the catalogue's, in both languages).
export function brokerLabel(b) {
  return inLang(b.said, t("broker." + b.state));
}

// renderNoticed says, while not observing, what another program does on
// the broker: which queues it consumes from (more consumers than
// rabbitboard's own receivers there) and which it publishes to (more
// messages published into the queue, as the management API counts them,
// than rabbitboard published there since this page opened). The counts
// arrive seconds late, so a publish is said only once the difference has
// stood for 10 s. Exclusive queues are their declarer's (rabbitboard's
// replicas have such queues too), so they are left out.
export const publishes = { own: new Map(), base: new Map(), since: new Map() };
export function addOwnPublished(queue, n) {
  publishes.own.set(queue, (publishes.own.get(queue) || 0) + n);
}
// noteReply counts the answer an RPC server receiver of rabbitboard's
// sent before it acked a request: a publish of its own to the reply queue.
export function noteReply(ev) {
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
    setTimeout(() => { dirty.noticed = true; schedule(); }, 10100);
  }
  return now - publishes.since.get(q.name) >= 10000;
}
export function renderNoticed() {
  const box = document.getElementById("noticed");
  const own = new Map();
  for (const r of state.receivers.values()) {
    if (r.kind !== "outside" && r.state === "consuming") own.set(r.queue, (own.get(r.queue) || 0) + 1);
  }
  const now = serverNow();
  const queues = [...state.queues.values()].filter((q) => !q.exclusive).sort((a, b) => (a.name < b.name ? -1 : 1));
  const published = queues.filter((q) => othersPublished(q, now)).map((q) => q.name);
  const observing = state.observe.enabled;
  const consumers = observing ? [] : queues.filter((q) => q.consumers > (own.get(q.name) || 0)).map((q) => q.name);
  const said = [];
  if (consumers.length) said.push(t("observe.noticed", { queues: consumers.join(", "), n: consumers.length }));
  if (published.length && !observing) said.push(t("observe.noticed_publish", { queues: published.join(", "), n: published.length }));
  box.hidden = said.length === 0;
  if (said.length) fill(box, { text: said.join(" ") });
}

export function renderObserve() {
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
export function observedLine(p) {
  const to = p.exchange === "" ? t("observed.default", p) : t("observed.to", p);
  const queues = p.routed_queues.length ? p.routed_queues.join(", ") : t("observed.nowhere");
  return t("observed.line", { name: p.name, body: p.body, to, queues });
}

export function renderSurvival() {
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
