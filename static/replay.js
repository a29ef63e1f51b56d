// rabbitboard's page in time: the replay, and a message's journey.
//
// While the presenter replays a stretch of the
// timeline, every page shows its events again (the server sends them as
// "replayed" events, at the replay's speed) and lets live events pass by;
// Live takes a fresh snapshot, so what happened meanwhile is all there.
// The page's clock follows the replay's, so every timer shows the time as
// it was then. Loaded before app.js, whose functions it calls.
"use strict";

const replay = {
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
      else {
        // The clock goes on from where it is, at the new speed.
        const clock = replayNow();
        replay.ev = ev;
        if (ev.speed === 0) setReplayClock(ev.at);
        else [replay.clockAt, replay.clockWall] = [clock, Date.now()];
      }
      renderReplay();
      return;
    case "replayed":
      if (!replay.on) return;
      setReplayClock(ev.at);
      replay.ev.shown = (replay.ev.shown || 0) + 1;
      replay.ev.at = ev.at;
      // The header's broker and the pace bar say how things are now.
      if (!NOW_ONLY.has(ev.event.type)) apply(ev.event);
      renderReplay();
      return;
  }
  if (!replay.on) apply(ev);
}

// beginReplay clears the cards; a reset shows the columns of the
// receivers as they were at the stretch's start.
function beginReplay(ev) {
  replay.on = true;
  replay.ev = ev;
  setReplayClock(ev.at || ev.from);
  const ids = (ev.receivers || []).map((r) => r.id);
  if (ev.receivers && ids.join() !== state.order.join()) {
    state.order = ids;
    dirtyOrder = true;
  }
  for (const r of ev.receivers || []) state.receivers.set(r.id, r);
  for (const id of [...state.receivers.keys()]) if (!ids.includes(id) && ev.receivers) state.receivers.delete(id);
  state.cards = new Map(state.order.map((id) => [id, []]));
  state.older = new Map(state.order.map((id) => [id, 0]));
  rpcRequests.clear();
  state.order.forEach((id) => dirtyReceivers.add(id));
  schedule();
}

function endReplay() {
  replay.on = false;
  replay.ev = null;
}

// backToLive shows what happens now: a fresh connection's snapshot.
function backToLive(ws) {
  endReplay();
  renderReplay();
  ws.onclose = null;
  ws.close();
  connect();
}

// renderReplay says, to everyone, that the page shows a replay and where
// it is; the presenter's buttons follow.
function renderReplay() {
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
function stepReplay(by) {
  if (!replay.on) return;
  document.querySelector(`#replay form[action="/api/replay/step"] input[name="by"][value="${by}"]`)?.form.requestSubmit();
}

// showJourney tells one message's story, step by step with its times, as
// the server reads it from the timeline.
async function showJourney(id) {
  const box = document.getElementById("journey");
  let j;
  try {
    const resp = await fetch("/api/journey?message_id=" + encodeURIComponent(id), { headers: { Accept: "application/json" } });
    j = await resp.json();
    if (!resp.ok) throw new Error(j.error);
  } catch (err) {
    showFlash(false, err.message);
    return;
  }
  fill(box, { title: t("journey.title", { id }) });
  const steps = box.querySelector("ol.steps");
  steps.replaceChildren(...j.steps.map((s) => {
    const li = document.createElement("li");
    li.dataset.step = s.step;
    const time = document.createElement("time");
    time.dateTime = s.at;
    time.textContent = new Date(s.at).toLocaleTimeString("en-GB", { hour12: false }) + (s.second ? "" : "." + String(new Date(s.at).getMilliseconds()).padStart(3, "0"));
    li.append(time, " ", inLang(s.said, s.step));
    return li;
  }));
  box.querySelector("ul.unknown").replaceChildren(...(j.unknown || []).map((u) => {
    const li = document.createElement("li");
    li.textContent = inLang(u, "");
    return li;
  }));
  if (!box.open) box.showModal();
}
