// rabbitboard's journey of a message: its story, step by step with its
// times, as the server reads it from the timeline.
import { showFlash } from "./forms.js";
import { fill, inLang, t } from "./page.js";

// showJourney opens the dialog with the story of the message of this id.
export async function showJourney(id) {
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
