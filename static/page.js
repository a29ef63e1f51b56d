// rabbitboard's page: what every part of the page script shares. The
// page's state as the server's events made it, what of it needs drawing
// again, the server's words, the markup's templates, and the server's
// clock. Imports nothing; every other module imports it.

export const PRESENTER = document.body.dataset.presenter === "true"; // viewers get no controls
export const MAX_CARDS = 50; // cards drawn per receiver; older ones are counted

export const state = {
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
  observe: { enabled: false, tracing: "unknown", skipped: 0 }, // observing other programs
  observed: [], // their latest publishes, oldest first
  lesson: { name: "" }, // the lesson set up last, shown to everyone
  activity: "", // what the last publish did, said to everyone
  wholeVhost: false, // the stage's diagram shows the whole vhost, not the lesson's part
  pace: 1, // the pace of rabbitboard's receivers: 1, 0.5, 0.25, 0 (held)
  paceSaid: null, // the pace in words, { en, ko }
};

// dirty says which parts of the page to draw again at the next frame.
export const dirty = {
  observe: true,
  lesson: true,
  topology: true,
  queues: true,
  broker: true,
  order: true,
  noticed: true,
  receivers: new Set(), // receiver ids
};

// drawWith names the function that draws what is dirty; schedule asks
// for it at the next animation frame (once, however often asked), draw
// runs it now.
let drawer = () => {};
let frameRequested = false;
export function drawWith(fn) {
  drawer = fn;
}
export function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(draw);
  }
}
export function draw() {
  frameRequested = false;
  drawer();
}

// ---- words ----

let TEXT = JSON.parse(document.body.dataset.text); // the page's sentences, in its language, from the server

// setWords takes the sentences of another language (a language switch).
export function setWords(text) {
  TEXT = text;
}

// t returns a sentence of the server's catalogue with its {values} filled in.
// A value holding right-to-left letters or bidi controls (a name from the
// broker, say) is isolated in the sentence (U+2068 ... U+2069), so it
// cannot reorder the words around it.
const BIDI = /[\u0590-\u08FF\u200E\u200F\u202A-\u202E\u2066-\u2069\uFB1D-\uFDFF\uFE70-\uFEFF]/;
export function t(key, values) {
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
export function inLang(said, fallback) {
  return (said && said[document.documentElement.lang]) ?? fallback;
}

// ---- markup ----

// The page's markup is the server's: clone copies one of the <template>
// elements it rendered, fill sets what the markup marks (data-f: text,
// data-show: shown or hidden, data-v: an input's value, data-enable: an
// input's use), and paths puts ids in place of a form's {placeholders}.
export function clone(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

export function fill(root, values) {
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

export function paths(root, values) {
  for (const f of root.querySelectorAll("form[action]")) {
    let a = f.getAttribute("action");
    for (const [k, v] of Object.entries(values)) a = a.replaceAll("%7B" + k + "%7D", encodeURIComponent(v));
    f.setAttribute("action", a);
  }
  return root;
}

// ---- time ----

// The server's clock times every event; clock.skew is how far this
// browser's clock is ahead of it, measured at the snapshot, so that
// timers and charts agree with what a page opened elsewhere, or
// reloaded, shows. During a replay clock.replay is the replay's clock,
// and every timer shows the time as it was then.
export const clock = { skew: 0, replay: null };
export const serverNow = () => (clock.replay ? clock.replay() : Date.now() - clock.skew);
export const eventTime = (ev) => Date.parse(ev.at) || serverNow();
