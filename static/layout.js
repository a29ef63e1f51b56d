// layout places the diagram of the vhost: a pure function of what there is
// to draw, the width and type size, and how wide a text is, so that it is
// tested on its own (layout.test.mjs) and diagram.js only turns its answer
// into SVG.
//
// Exchanges are on the left, queues in the middle, receivers on the right.
// Every route into a queue ends in a slot of its own beside the queue, its
// binding label written there on its own line, so no label meets another
// label, a box or another route; the route then runs straight into the
// queue. A queue's count is written first and its name gets the room left.
// Receivers are drawn in the order of their queues, so their lines do not
// cross. The default exchange routes to every queue by its name (its
// routes have the class default-route, drawn faintly). A list of sentences
// says the same in words.
//
// What it takes:
//   exchanges  [{name, type}], the default exchange "" among them to draw it
//   queues     [{name, messages, consumers, exclusive, auto_delete}], in order
//   bindings   [{exchange, queue, label}]
//   receivers  [{name, queue, colour}] in the order they were made
//   route      {exchange, queues: Map(queue -> class)} lit now, or null
//   stage      the stage view: receivers are columns below, not drawn here
//   width, fontSize, family (the CSS font family)
//   measure(text, font) the width of text in pixels
//   t(key, values) a sentence of the page's catalogue
// What it gives: {width, height, edges, labels, nodes, words}: edges are
// lines {edge, x1, y1, x2, y2, cls}, labels texts {edge, x, y, text, cls}
// (edge ties a label to its route's lines), nodes boxes {kind, x, y, w, h,
// title, cls, texts: [{x, y, text, cls, anchor}]}, words the sentences.
export function layout(input) {
  const { exchanges, queues, bindings, route, stage, fontSize: fs, family, measure, t } = input;
  const names = queues.map((q) => q.name);
  const byQueue = (r) => { const j = names.indexOf(r.queue); return j < 0 ? 1e9 : j; };
  const all = input.receivers.map((r, k) => ({ r, k })).sort((a, b) => byQueue(a.r) - byQueue(b.r) || a.k - b.k).map((x) => x.r);
  // On the stage the receivers are the columns below: the drawing keeps
  // to exchanges and queues, and so stays large enough to read.
  const receivers = stage ? [] : all;
  const font = `${fs}px ${family}`, bold = `600 ${font}`;
  const fit = (text, room, f) => fitText(text, room, f, measure);
  const lineH = Math.ceil(fs * 1.5), boxH = Math.ceil(fs * 2), pad = Math.ceil(fs * 0.5), gapY = Math.ceil(fs * 0.6);
  const W = Math.max(Math.floor(input.width) - 2, 480);
  const share = stage ? [0.27, 0.09, 0.2, 0.44, 0, 0] : [0.2, 0.07, 0.16, 0.29, 0.07, 0.21];
  const at = share.reduce((xs, f) => [...xs, xs[xs.length - 1] + f * W], [1]).map(Math.floor);
  const [exX, lineX, labelX, queueX, gapX, recvX, end] = at;
  const exW = lineX - exX, labelW = queueX - labelX - pad, queueW = gapX - queueX, recvW = end - recvX - 1;
  const exNames = exchanges.map((x) => x.name);
  const lit = (ex, q) => (route && route.exchange === ex && route.queues.has(q) ? route.queues.get(q) : "");
  // Each queue's routes in: the default exchange's first, then bindings.
  const slots = names.map((q) => exNames.includes("") ? [{ exchange: "", label: "", cls: "default-route " + lit("", q) }] : []);
  const words = [];
  if (names.length) words.push(t("diagram.default_words", { queues: names.join(", ") }));
  for (const b of bindings) {
    const i = exNames.indexOf(b.exchange), j = names.indexOf(b.queue);
    if (i < 0 || j < 0 || b.exchange === "") continue;
    slots[j].push({ exchange: b.exchange, label: b.label || "", cls: "binding " + lit(b.exchange, b.queue) });
    words.push(t("diagram.binding_words", { exchange: b.exchange, queue: b.queue, label: b.label || "" }));
  }
  const qTop = [], qH = [];
  let y = 1;
  names.forEach((q, j) => {
    qTop[j] = y;
    qH[j] = Math.max(boxH, slots[j].length * lineH);
    y += qH[j] + gapY;
  });
  const exH = (x) => (x === "" ? boxH + lineH : boxH);
  const exTop = [];
  let ey = 1;
  exNames.forEach((x, i) => {
    exTop[i] = ey;
    ey += exH(x) + gapY;
  });
  const height = Math.max(y, ey, 1 + receivers.length * (boxH + gapY)) + 1;
  const mid = (top, h) => top + h / 2;
  const baseline = (cy) => cy + fs * 0.35;
  const edges = [], labels = [], nodes = [];
  let edgeN = 0;
  names.forEach((q, j) => {
    const first = mid(qTop[j], qH[j]) - (slots[j].length * lineH) / 2;
    slots[j].forEach((s, k) => {
      const sy = first + (k + 0.5) * lineH, i = exNames.indexOf(s.exchange), edge = String(edgeN++);
      edges.push({ edge, x1: lineX, y1: mid(exTop[i], boxH), x2: labelX, y2: sy, cls: s.cls });
      let stubX = labelX;
      if (s.label) {
        // A lit route's label is bold (the stylesheet's text.label.predicted).
        const weight = /predicted|confirmed/.test(s.cls) ? bold : font;
        const text = fit(s.label, labelW - pad, weight);
        labels.push({ edge, x: labelX + pad / 2, y: baseline(sy), text, cls: "label " + s.cls });
        stubX = labelX + pad + measure(text, weight);
      }
      edges.push({ edge, x1: stubX, y1: sy, x2: queueX, y2: sy, cls: s.cls });
    });
  });
  exchanges.forEach(({ name, type }, i) => {
    const n = { kind: "exchange", x: exX, y: exTop[i], w: exW, h: exH(name), title: name, cls: "exchange" + (route && route.exchange === name ? " lit" : ""), texts: [] };
    if (name === "") {
      n.texts.push({ x: exX + pad, y: baseline(exTop[i] + boxH / 2), text: fit(t("diagram.default"), exW - 2 * pad, font) },
        { x: exX + pad, y: baseline(exTop[i] + boxH / 2 + lineH * 0.9), text: fit(t("diagram.default_key"), exW - 2 * pad, font), cls: "note" });
    } else {
      const kind = ` (${type})`;
      n.texts.push({ x: exX + pad, y: baseline(mid(exTop[i], boxH)), text: fit(name, exW - 2 * pad - measure(kind, font), font) + kind });
    }
    nodes.push(n);
  });
  queues.forEach((q, j) => {
    const marks = [q.exclusive && t("diagram.exclusive"), q.auto_delete && t("diagram.auto_delete")].filter(Boolean).join(", ");
    const said = { name: q.name, messages: q.messages, consumers: q.consumers, marks: marks ? ` (${marks})` : "" };
    const count = t("diagram.ready", said), cy = baseline(mid(qTop[j], qH[j]));
    const room = queueW - 3 * pad - measure(count, bold) - (q.exclusive ? measure(" ⊘", font) : 0);
    nodes.push({ kind: "queue", x: queueX, y: qTop[j], w: queueW, h: qH[j], title: t("diagram.queue_title", said),
      cls: "queue " + lit(route ? route.exchange : null, q.name) + (q.exclusive ? " exclusive" : "") + (q.auto_delete ? " auto-delete" : ""),
      texts: [{ x: queueX + pad, y: cy, text: fit(q.name, room, font) + (q.exclusive ? " ⊘" : ""), cls: "name" },
        { x: queueX + queueW - pad, y: cy, text: count, cls: "count", anchor: "end" }] });
    words.push(t("diagram.queue_words", said));
  });
  receivers.forEach((r, k) => {
    const j = names.indexOf(r.queue), top = 1 + k * (boxH + gapY);
    if (j >= 0) edges.push({ x1: queueX + queueW, y1: mid(qTop[j], qH[j]), x2: recvX, y2: mid(top, boxH), cls: "consumes" });
    nodes.push({ kind: "receiver", x: recvX, y: top, w: recvW, h: boxH, title: `${r.name} on ${r.queue}`, cls: `receiver c${r.colour}`,
      texts: [{ x: recvX + pad, y: baseline(mid(top, boxH)), text: fit(r.name, recvW - 2 * pad, font) }] });
  });
  for (const r of all) words.push(t("diagram.receiver_words", { name: r.name, queue: r.queue }));
  return { width: end + 1, height, edges, labels, nodes, words };
}

// fitText cuts text to a width in pixels, ending it with "…": the full text
// stays in the box's title and in the list of words.
export function fitText(text, width, font, measure) {
  if (measure(text, font) <= width) return text;
  const chars = Array.from(text);
  let lo = 0, hi = chars.length;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (measure(chars.slice(0, m).join("") + "…", font) <= width) lo = m;
    else hi = m - 1;
  }
  return chars.slice(0, lo).join("") + "…";
}
