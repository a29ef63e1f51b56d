// rabbitboard's page controls: the forms (sent with fetch, the server's
// words shown as they come), Publish again, the stage, language and theme
// switches and the keyboard's shortcuts. Loaded after app.js, whose state
// and drawing it uses.
"use strict";

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

// presetReady fills the publish form with the scenario's suggestion.
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

// ?watch=NAME opens the presenter's page watching only the queues,
// exchanges and connections whose names contain NAME: the filter form is
// sent as if typed (a link changes nothing by being fetched), once the
// form handler above is listening: before it, the browser would post the
// form itself and leave the page.
{
  const watch = new URLSearchParams(location.search).get("watch");
  const form = document.querySelector('#observe form.inline');
  if (watch !== null && form) {
    form.elements.filter.value = watch;
    form.requestSubmit();
  }
}
