// The quality panel: the measuring classifier of the run's data set (fetched once the model is up,
// sent to the worker after the first step), the measurements between chunks (classifier score,
// FID, classes covered, copies, diversity), their plot, the class histogram and the mode-collapse
// warning.

import { api, session, call, $, setStatus, fetchBytes, showState, datasetInfo } from "./page.js";
import { runHistory } from "./history.js";
import { drawQualityPlot } from "./plots.js";

// A data set's measuring classifier (the run's schema names its file): loaded after the first
// training step, so it never delays it.
export const classifierFile = (dataset) => `models/${datasetInfo(dataset).classifier}`;
// Samples per measurement (FID and the classifier score are biased upwards at small counts).
const EVAL_SAMPLES = 256;
// Measuring takes at most this share of the time: the next measurement waits until training has
// run for (last measurement's duration) / EVAL_SHARE, and at least EVAL_MIN_GAP_MS.
const EVAL_SHARE = 0.2;
const EVAL_MIN_GAP_MS = 1500;
// A drop of this many covered digits below the best so far raises the mode-collapse warning.
const COLLAPSE_DROP = 2;
// The warning needs this many measurements in a row that show collapse to appear, and this many
// in a row that do not to go: one noisy measurement neither raises nor clears it.
const COLLAPSE_ON = 2;
const COLLAPSE_OFF = 3;
// Diversity (mean distance between samples / the same for real images) below this: the samples
// are near copies of each other. Real images score 1, an untrained generator about 0.13, a
// collapsed one under 0.01 (README, "Teaching with Ganvas").
const COLLAPSED_DIVERSITY = 0.05;

// The data set's words for what it holds: MNIST has digits, Fashion-MNIST clothes. The learner's
// own images have no classes the classifier knows: only copies and variety are measured on them.
const own = () => Boolean(api.settings && api.settings.dataset === "own");
const clothes = () => Boolean(api.settings && api.settings.dataset === "fashion");
const things = () => (own() ? "images" : clothes() ? "items of clothing" : "digits");
const kinds = () => (clothes() ? "kinds of clothing" : "digits");
const ownNote =
  "The classifier knows digits and clothes, not your images, so on them this panel measures copies and variety only: " +
  "with a few dozen images, watch the copy rate rise as the GAN learns them by heart.";
const names = () => (api.settings ? datasetInfo(api.settings.dataset).classes : datasetInfo("mnist").classes);

let classifierBytes = null; // a promise of the classifier file, fetched once the model is up
let classifierFor = null; // the data set it measures
let bestCovered = 0;
let collapseRun = { on: 0, off: 0 }; // measurements in a row that show collapse, and that do not
let lastEval = { step: -1, endedAt: 0, ms: 0 };
// A new run's first measurement is of its untrained generator (kept in the worker at step 0),
// so the quality plot starts where the run did: at step 0, with no digit covered.
let untrainedDue = true;

/** Fetches the classifier file (once the model is up: it never delays the first step). */
export function fetchClassifier() {
  classifierFor = api.settings.dataset;
  classifierBytes = fetchBytes(classifierFile(classifierFor));
  classifierBytes.catch(() => {}); // reported when it is used, after the first step
}

/** The worker was replaced (a lost GPU): the fresh one needs the classifier again. */
export function forgetClassifier() {
  if (api.classifier === "ready" || api.classifier === "loading") api.classifier = "waiting";
}

/** The run's data set changed: its own classifier is fetched, and sent once training starts. */
export function forgetClassifierFor(dataset) {
  if (dataset === classifierFor) return;
  if (api.classifier !== "failed") api.classifier = "waiting";
  fetchClassifier();
}

/** Sends the classifier to the worker again where it is waiting and training has started. */
export function reloadClassifier() {
  if (api.classifier === "waiting" && api.firstStepMs !== null) loadClassifier();
}

/** A new run (at step 0, `loaded` false) or a loaded one: its measurements are the history's. */
export function startQuality(step, loaded) {
  const quality = runHistory.quality;
  bestCovered = Math.max(0, ...quality.map((m) => m.digitsCovered));
  untrainedDue = step === 0 && !loaded;
  // A new run is measured from its first step; a loaded one once it has trained past its file.
  lastEval =
    step > 0 || loaded
      ? { step, endedAt: performance.now(), ms: lastEval.ms || api.firstStepMs || 0 }
      : { step: -1, endedAt: performance.now(), ms: api.firstStepMs || 0 };
  api.metrics = quality.length ? quality[quality.length - 1] : null;
  api.collapseWarning = false;
  collapseRun = { on: 0, off: 0 };
  drawQuality();
}

// The classifier goes to the worker after the first step; a failure turns the quality panel off,
// not training.
export async function loadClassifier() {
  if (api.classifier !== "waiting" || !classifierBytes) return;
  api.classifier = "loading";
  $("quality-readout").textContent = "Loading the classifier…";
  const dataset = classifierFor;
  try {
    const bytes = await classifierBytes;
    await call("loadClassifier", { bytes: bytes.slice() });
    if (dataset !== classifierFor) {
      // The data set changed meanwhile: its own classifier follows.
      api.classifier = "waiting";
      loadClassifier();
      return;
    }
    api.classifier = "ready";
    $("quality-samples").textContent = String(EVAL_SAMPLES);
    // Until a measurement has been timed, the first step stands in for its cost (both compile
    // kernels first): on a slow GPU, training runs for a while before the first measurement.
    lastEval = { step: -1, endedAt: performance.now(), ms: api.firstStepMs };
    $("quality-readout").textContent = "The first measurement comes after a little training…";
  } catch (error) {
    api.classifier = "failed";
    const text = `The quality panel is off: the classifier could not be loaded (${error.message}). Training is not affected.`;
    $("quality-readout").textContent = text;
    setStatus(text);
  }
}

export function evaluationDue() {
  if (api.classifier !== "ready" || api.step === lastEval.step) return false;
  const gap = Math.max(EVAL_MIN_GAP_MS, lastEval.ms / EVAL_SHARE);
  return performance.now() - lastEval.endedAt >= gap;
}

export async function evaluate(current) {
  const t0 = performance.now();
  const untrained = untrainedDue;
  untrainedDue = false;
  let metrics;
  api.measuring = true;
  showState();
  try {
    metrics = await call("evaluate", { n: EVAL_SAMPLES, untrained });
  } catch (error) {
    if (session.crashed) return;
    api.classifier = "failed";
    $("quality-readout").textContent = `Measuring stopped: ${error.message}. Training goes on.`;
    return;
  } finally {
    lastEval = { step: api.step, endedAt: performance.now(), ms: performance.now() - t0 };
    api.measuring = false;
    showState();
  }
  // A measurement allocates beside training: hand back what the pools keep of it.
  call("releaseMemory").catch(() => {});
  if (current !== session.generation) return;
  api.metrics = metrics;
  api.evaluations += 1;
  api.evalMs = lastEval.ms;
  runHistory.quality.push(metrics);
  judgeCollapse(metrics);
  drawQuality();
}

// The mode-collapse warning, with hysteresis: it follows sustained changes only.
function judgeCollapse(m) {
  bestCovered = Math.max(bestCovered, m.digitsCovered);
  const fewer = !own() && m.digitsCovered <= bestCovered - COLLAPSE_DROP;
  const collapsed = fewer || (m.step > 0 && m.diversity < COLLAPSED_DIVERSITY);
  collapseRun = collapsed ? { on: collapseRun.on + 1, off: 0 } : { on: 0, off: collapseRun.off + 1 };
  if (collapseRun.on >= COLLAPSE_ON) api.collapseWarning = true;
  if (collapseRun.off >= COLLAPSE_OFF) api.collapseWarning = false;
}

export function drawQuality() {
  drawQualityPlot(runHistory.quality);
  drawHistogram(api.metrics);
  $("class-histogram").hidden = own();
  $("histogram-hint").hidden = own();
  const m = api.metrics;
  if (!m) {
    if (api.classifier === "ready" || api.classifier === "waiting") {
      $("quality-readout").textContent = "Measured once training starts.";
    }
    $("coverage-readout").textContent = own() ? ownNote : `Which ${kinds()} are being drawn appears here.`;
    $("collapse-warning").hidden = true;
    return;
  }
  if (own()) {
    $("quality-readout").textContent =
      `Step ${m.step}: copies ${(m.copyRate * 100).toFixed(1)}% (samples nearer to one of your images than your images are to each other), ` +
      `diversity ${m.diversity.toFixed(2)} (your images: 1; ${m.samples} samples).`;
    $("coverage-readout").textContent = ownNote;
  } else {
    $("quality-readout").textContent =
      `Step ${m.step}: classifier score ${m.classifierScore.toFixed(2)}, FID ${m.fid.toFixed(1)}, ` +
    `copies ${(m.copyRate * 100).toFixed(1)}%, diversity ${m.diversity.toFixed(2)} (${m.samples} samples).`;
    $("coverage-readout").textContent =
      `${m.digitsCovered} of 10 ${kinds()} are being drawn.` +
      (clothes() ? " (Real clothes do not reach 10 either: shirts and pullovers are seldom told from T-shirts and coats with confidence.)" : "");
  }
  const warning = $("collapse-warning");
  const fewer = !own() && m.digitsCovered <= bestCovered - COLLAPSE_DROP;
  const same = m.step > 0 && m.diversity < COLLAPSED_DIVERSITY;
  warning.hidden = !api.collapseWarning;
  warning.textContent = same
    ? `Mode collapse: the generator draws almost the same image every time (diversity ` +
      `${m.diversity.toFixed(3)}; real ${things()}: 1). It found one image that fooled the discriminator once and stopped exploring.`
    : fewer
      ? `Mode collapse? The generator now draws only ${m.digitsCovered} of 10 ${kinds()}; earlier it drew ` +
        `${bestCovered}. It is making fewer kinds of ${things()}, a common way for GANs to fail.`
      : warning.textContent; // held on by the hysteresis: the last reason stands
}

// Ten bars, built from text and styles only (no HTML strings). Bars use at most 85% of the height,
// leaving room for the count above them.
function drawHistogram(m) {
  const counts = m ? m.histogram : new Array(10).fill(0);
  const total = m ? m.samples : 1;
  const bar5 = 0.05 * total;
  const top = Math.max(1, ...counts, bar5);
  const plotArea = document.createElement("div");
  plotArea.className = "bars";
  const labels = document.createElement("div");
  labels.className = "labels";
  if (m) {
    const line = document.createElement("div");
    line.className = "threshold";
    line.style.bottom = `${(bar5 / top) * 85}%`;
    plotArea.append(line);
  }
  counts.forEach((count, digit) => {
    const col = document.createElement("div");
    col.className = "col";
    const n = document.createElement("span");
    n.className = "count";
    n.textContent = m ? String(count) : "";
    const bar = document.createElement("div");
    bar.className = m && count >= bar5 ? "bar on" : "bar";
    bar.style.height = `${(count / top) * 85}%`;
    col.append(n, bar);
    plotArea.append(col);
    const label = document.createElement("span");
    // Digits name themselves; clothes get their class number, named in the tooltip.
    label.textContent = String(digit);
    if (clothes()) label.title = datasetInfo(api.settings.dataset).classes[digit];
    labels.append(label);
  });
  const box = $("class-histogram");
  box.replaceChildren(plotArea, labels);
  box.setAttribute(
    "aria-label",
    m
      ? `${clothes() ? "Clothes" : "Digits"} drawn, out of ${total} samples: ${counts.map((c, d) => `${names()[d]}: ${c}`).join(", ")}`
      : `Which ${things()} the generator draws: not measured yet`,
  );
}
