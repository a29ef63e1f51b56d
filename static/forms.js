// rabbitboard's publish form filled from the page (a card's Publish again,
// a lesson's suggestion) and the flash line that says how a form went.
import { clone, fill, t } from "./page.js";

// publishAgain fills the publish form with a message as it was delivered:
// its exchange, routing key, body, properties and headers, to edit and
// send again.
const AGAIN_PROPERTIES = ["content_type", "message_id", "correlation_id", "reply_to", "expiration", "priority", "type", "app_id"];
export function publishAgain(r, d) {
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

// lessonReady fills the publish form with the lesson's suggestion.
export function lessonReady(p) {
  const f = document.querySelector('form[action="/api/publish"]');
  f.elements.exchange.value = p.try.exchange;
  f.elements.routing_key.value = p.try.routing_key;
  f.elements.body.value = p.try.body;
  f.elements.count.value = p.try.count;
  f.elements.persistent.checked = p.try.persistent;
  f.elements["properties.reply_to"].value = p.try.reply_to || "";
}

export function showFlash(ok, text) {
  const line = fill(clone("tpl-flash"), { text });
  line.classList.toggle("ok", ok);
  line.classList.toggle("error", !ok);
  document.getElementById("flash").replaceChildren(line);
}
