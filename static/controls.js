// rabbitboard's page controls: the forms (sent with fetch, the server's
// words shown as they come), the stage, language and theme switches and
// the keyboard's shortcuts.
import { columns, renderRates } from "./columns.js";
import { lessonReady, showFlash } from "./forms.js";
import { dirty, draw, schedule, setWords, state, t } from "./page.js";
import { renderReplay, stepReplay } from "./replay.js";

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
      if (data.try) lessonReady(data);
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
  dirty.topology = true;
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
  setWords(JSON.parse(next.body.dataset.text));
  document.documentElement.lang = next.documentElement.lang;
  const swap = (sel) => {
    const now = document.querySelector(sel), then = next.querySelector(sel);
    if (now && then) now.replaceWith(document.adoptNode(then));
  };
  ["#lang-switch", "#theme-switch", "#shortcuts", "#replay", "main > aside", "#topology > h2"].forEach(swap);
  for (const tpl of next.querySelectorAll("template[id]")) swap("#" + tpl.id);
  document.querySelector("#stage-toggle button").textContent = t(stage ? "stage.leave" : "stage.enter");
  document.getElementById("receivers").setAttribute("aria-label", next.getElementById("receivers").getAttribute("aria-label"));
  document.querySelector("#receivers .empty").textContent = next.querySelector("#receivers .empty").textContent;
  const live = document.getElementById("live");
  live.textContent = t(live.classList.contains("on") ? "live.on" : "live.reconnecting");
  history.replaceState(null, "", stage ? "/?view=stage" : "/");
  // Everything the script drew is drawn again in the new words.
  columns.clear();
  for (const list of state.cards.values()) for (const d of list) d.el = d.timing = d.waited = undefined;
  dirty.broker = dirty.observe = dirty.queues = dirty.topology = dirty.order = dirty.lesson = true;
  draw();
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
