// rabbitboard's page in time: the replay.
//
// While the presenter replays a stretch of the timeline, every page shows
// its events again (the server sends them as "replayed" events, at the
// replay's speed) and lets live events pass by; Live takes a fresh
// snapshot, so what happened meanwhile is all there. The page's clock
// follows the replay's, so every timer shows the time as it was then.
import { forgetRequests } from "./columns.js";
import { PRESENTER, clock, dirty, fill, schedule, state, t } from "./page.js";

export const replay = {
  on: false,
  ev: null, // the replay event: speed, shown, total, ended
  clockAt: 0, // the replay's time at clockWall (ms)
  clockWall: 0,
};

// NOW_ONLY are the events a replay leaves out: the connection to the
// broker and the pace of the receivers are said as they are now.
const NOW_ONLY = new Set(["broker", "pace"]);

// replayNow is the replay's clock: the time of the event shown last, run
// on at the replay's speed.
function replayNow() {
  const speed = replay.ev?.ended ? 0 : replay.ev?.speed || 0;
  return replay.clockAt + (Date.now() - replay.clockWall) * speed;
}

function setReplayClock(at) {
  replay.clockAt = Date.parse(at) || replay.clockAt;
  replay.clockWall = Date.now();
}

// beginReplay clears the cards; a reset shows the columns of the
// receivers as they were at the stretch's start.
export function beginReplay(ev) {
  replay.on = true;
  replay.ev = ev;
  clock.replay = replayNow;
  setReplayClock(ev.at || ev.from);
  const ids = (ev.receivers || []).map((r) => r.id);
  if (ev.receivers && ids.join() !== state.order.join()) {
    state.order = ids;
    dirty.order = true;
  }
  for (const r of ev.receivers || []) state.receivers.set(r.id, r);
  for (const id of [...state.receivers.keys()]) if (!ids.includes(id) && ev.receivers) state.receivers.delete(id);
  state.cards = new Map(state.order.map((id) => [id, []]));
  state.older = new Map(state.order.map((id) => [id, 0]));
  forgetRequests();
  state.order.forEach((id) => dirty.receivers.add(id));
  schedule();
}

// changeReplay takes the replay's new speed or position: the clock goes
// on from where it is, at the new speed; stepping sets it to the event's.
export function changeReplay(ev) {
  const now = replayNow();
  replay.ev = ev;
  if (ev.speed === 0) setReplayClock(ev.at);
  else [replay.clockAt, replay.clockWall] = [now, Date.now()];
}

// replayed counts one more event of the replay shown and sets the clock to
// its time; it says whether the page shows the event (the header's broker
// and the pace bar say how things are now).
export function replayed(ev) {
  setReplayClock(ev.at);
  replay.ev.shown = (replay.ev.shown || 0) + 1;
  replay.ev.at = ev.at;
  return !NOW_ONLY.has(ev.event.type);
}

export function endReplay() {
  replay.on = false;
  replay.ev = null;
  clock.replay = null;
}

// renderReplay says, to everyone, that the page shows a replay and where
// it is; the presenter's buttons follow.
export function renderReplay() {
  const bar = document.getElementById("replay");
  if (!bar) return;
  const ev = replay.ev;
  bar.hidden = !PRESENTER && !replay.on;
  bar.classList.toggle("on", replay.on);
  document.body.classList.toggle("replaying", replay.on);
  let said = "";
  if (replay.on) {
    const at = new Date(Date.parse(ev.at) || Date.now()).toLocaleTimeString("en-GB", { hour12: false });
    if (ev.ended) said = t("replay.banner_end", { at });
    else if (ev.speed === 0) said = t("replay.banner_step", { at, shown: ev.shown || 0, total: ev.total });
    else said = t("replay.banner", { at, speed: ev.speed });
  }
  fill(bar, { said, on: replay.on });
  for (const b of bar.querySelectorAll("button[data-speed]")) b.setAttribute("aria-pressed", String(replay.on && Number(b.dataset.speed) === ev.speed));
}

// The slider says how far back a replay starts, and starts it there when
// let go (listened to on the document: a language switch replaces it).
function sayAgo(range) {
  fill(range.form, { ago: t("replay.ago", { seconds: range.value }) });
}
document.addEventListener("input", (e) => {
  if (e.target.matches?.('#replay input[name="last"]')) sayAgo(e.target);
});
document.addEventListener("change", (e) => {
  if (e.target.matches?.('#replay input[name="last"]')) e.target.form.requestSubmit();
});

// ← and → step through a replay.
export function stepReplay(by) {
  if (!replay.on) return;
  document.querySelector(`#replay form[action="/api/replay/step"] input[name="by"][value="${by}"]`)?.form.requestSubmit();
}
