// Step-by-step mode: one D step, one G step or one full step at a time, with a slow-motion view
// of the update (the images each network saw, and D's scores before and after).

import { api, call, live, isBusy, $, setStatus, on, serial } from "./page.js";
import { stop, recordStep } from "./training.js";
import { drawSamples, digitCanvas } from "./grid.js";
import { showPanel } from "./panels.js";

// Step-by-step mode ------------------------------------------------------------------------------

async function pauseFirst() {
  if (api.running) stop();
  while (isBusy()) await new Promise((r) => setTimeout(r, 20));
}

const oneStep = serial(async (kind) => {
  if (!live()) return;
  try {
    await pauseFirst();
    if (kind === "full") {
      const stats = await call("trainSteps", { n: 1 });
      recordStep(stats);
      $("step-view").hidden = true;
    } else {
      const result = await call(kind === "d" ? "dStep" : "gStep");
      recordStep(result);
      showStep(kind, result);
    }
    await drawSamples();
  } catch (error) {
    setStatus(`The step failed: ${error.message}.`, true);
  }
});

// A score as a border colour: red (fake) to green (real). Raw scores go through a sigmoid first.
function scoreColor(score, probabilities) {
  const p = probabilities ? score : 1 / (1 + Math.exp(-score));
  const hue = Math.round(120 * Math.min(1, Math.max(0, p)));
  return `hsl(${hue} 70% 40%)`;
}

function imageRow(pixels, scores, probabilities, caption, before) {
  const row = document.createElement("div");
  row.className = "image-row";
  const title = document.createElement("p");
  title.textContent = caption;
  row.append(title);
  const list = document.createElement("ol");
  for (let i = 0; i < scores.length; i++) {
    const item = document.createElement("li");
    const c = digitCanvas(pixels, i, `${caption} image ${i + 1}: D score ${scores[i].toFixed(2)}`);
    c.style.borderColor = scoreColor(scores[i], probabilities);
    const n = document.createElement("span");
    const arrow = before ? (scores[i] > before[i] ? " ↑" : scores[i] < before[i] ? " ↓" : "") : "";
    n.textContent = scores[i].toFixed(2) + arrow;
    item.append(c, n);
    list.append(item);
  }
  row.append(list);
  return row;
}

function stage(number, text, ...content) {
  const s = document.createElement("div");
  s.className = "stage";
  const p = document.createElement("p");
  const n = document.createElement("b");
  n.textContent = `${number}. `;
  p.append(n, text);
  s.append(p, ...content);
  return s;
}

function showStep(kind, r) {
  const unit = r.probabilities ? "1 = sure it is real, 0 = sure it is fake" : "higher = more real";
  const mean = (xs) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
  let stages;
  if (kind === "d") {
    stages = [
      stage(1, "The discriminator (D) is shown a batch of real images and a batch of fakes from the generator. Here are 8 of each."),
      stage(2, `Before learning, D scores each one (${unit}); the border colour shows the score.`,
        imageRow(r.real, r.realBefore, r.probabilities, "Real"),
        imageRow(r.fake, r.fakeBefore, r.probabilities, "Fake")),
      stage(3, `D changes its weights a little to push real scores up and fake scores down (D loss ${r.dLoss.toFixed(3)}).`),
      stage(4, `After the update: real average ${mean(r.realBefore).toFixed(2)} → ${mean(r.realAfter).toFixed(2)}, fake average ${mean(r.fakeBefore).toFixed(2)} → ${mean(r.fakeAfter).toFixed(2)}.`,
        imageRow(r.real, r.realAfter, r.probabilities, "Real, after", r.realBefore),
        imageRow(r.fake, r.fakeAfter, r.probabilities, "Fake, after", r.fakeBefore)),
    ];
  } else {
    stages = [
      stage(1, "The generator (G) draws a batch of images from fresh random noise. Here are 8."),
      stage(2, `D scores them (${unit}).`, imageRow(r.before, r.scoreBefore, r.probabilities, "Before")),
      stage(3, `G changes its weights so that D would score these drawings higher (G loss ${r.gLoss.toFixed(3)}, gradient size ${r.gGrad.toExponential(1)}). D does not change.`),
      stage(4, `The same noise, drawn by the updated G, and D's new scores: average ${mean(r.scoreBefore).toFixed(2)} → ${mean(r.scoreAfter).toFixed(2)}.`,
        imageRow(r.after, r.scoreAfter, r.probabilities, "After", r.scoreBefore)),
    ];
  }
  const body = $("step-view-body");
  body.replaceChildren(...stages);
  body.dataset.kind = kind;
  $("step-view").hidden = false;
  showPanel("step-view");
}


on("ready", () => {
  for (const id of ["d-step", "g-step", "full-step"]) $(id).disabled = false;
});

on("restart", () => {
  $("step-view").hidden = true;
});

$("d-step").addEventListener("click", () => oneStep("d"));
$("g-step").addEventListener("click", () => oneStep("g"));
$("full-step").addEventListener("click", () => oneStep("full"));
