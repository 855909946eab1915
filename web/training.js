// The training loop, from the page's side: Train and Pause, the chunks of steps the worker
// reports (counters, plots, a divergence), and what is due between two chunks (a snapshot, the
// samples, a measurement). The loop itself runs in web/worker.js.

import { api, session, call, live, $, setStatus, emit, showState } from "./page.js";
import { addLosses, speedAt } from "./history.js";
import { drawPlots } from "./plots.js";
import { drawSamples, samplesDue } from "./grid.js";
import { loadClassifier, evaluationDue, evaluate } from "./quality.js";
import { snapshot, snapshotDue, countTraining, lastGood } from "./recovery.js";

// Time aimed for per chunk of steps in the worker: the plots and counters update this often.
const CHUNK_BUDGET_MS = 60;
const MAX_CHUNK = 64;

let stoppedByErrorAt = -Infinity; // when a failed chunk stopped training (see onChunkError)

const finite = (stats) => [stats.dLoss, stats.gLoss, stats.dReal, stats.dFake, stats.gGrad].every(Number.isFinite);

export function fail(text) {
  api.errors.push(text);
  setStatus(text, true);
  stop();
}

// After a panic the wasm module cannot be trusted, so training ends.
export function crash(message) {
  session.crashed = true;
  fail(`The training code crashed: ${message}. Reload the page to start again.`);
  $("train").disabled = true;
  $("reset").disabled = true;
}

// The Train/Pause button. The status says what the learner now sees: paused, or training on.
export function toggle() {
  if (api.running) {
    stop();
    setStatus("Paused. Press Train to go on from here.");
    emit("paused");
    return;
  }
  go();
  if (api.running && api.firstStepMs !== null) {
    setStatus(`Training on ${api.backend === "WebGPU" ? "the GPU (WebGPU)" : "the CPU"}.`);
  }
}

export function go() {
  if (!live() || api.running) return;
  api.running = true;
  $("train").textContent = "Pause";
  $("train").classList.add("running");
  showState();
  if (api.firstStepMs === null) {
    setStatus(api.backend === "WebGPU" ? "Preparing the GPU kernels for the first step…" : "Training on the CPU…");
  }
  play();
}

// Pause: the worker stops after the chunk in flight, whose statistics still arrive.
export function stop() {
  api.running = false;
  $("train").textContent = "Train";
  $("train").classList.remove("running");
  showState();
  if (live()) call("pause").catch(() => {});
}

// Tells the worker to train (or, while it does, at which pace).
export function play() {
  if (!session.call) return;
  api.inFlight = true;
  const pace = { token: session.generation, stepsPerFrame: api.stepsPerFrame, budgetMs: CHUNK_BUDGET_MS, maxChunk: MAX_CHUNK };
  call("play", pace).catch((error) => {
    if (!session.crashed && !session.recovering) fail(`Training could not start: ${error.message || error}.`);
  });
}

// The worker trains chunk after chunk on its own; the page hears of each chunk here, draws it,
// and asks in between for what is due. The worker serves those requests between two chunks.
// `token` is the run's generation when Train was pressed: chunks of a run replaced since (Reset,
// new settings) are dropped.
export function onChunk({ token, stats, ms, n }) {
  if (token !== session.generation || session.crashed || api.diverged) return;
  api.chunk = n;
  countTraining(ms);
  if (api.firstStepMs === null) {
    api.firstStepMs = ms;
    if (api.running) setStatus(`Training. The first step took ${(ms / 1000).toFixed(1)} s.`);
    loadClassifier();
  }
  record(stats);
  if (!finite(stats)) {
    diverged(stats);
    return;
  }
  betweenChunks(token);
}

// Trains `n` steps outside the loop (a resumed run brought to the step it had reached), in chunks
// that show on the counters and plots as the loop's do; `progress(done)` after each. Resolves
// with false, before recording it, if a chunk's losses are not finite.
export async function trainAgain(n, progress) {
  stop();
  $("train").disabled = true;
  try {
    for (let done = 0; done < n; ) {
      const piece = Math.min(n - done, MAX_CHUNK);
      const stats = await call("trainSteps", { n: piece });
      if (!finite(stats)) return false;
      record(stats);
      done += piece;
      progress(done);
    }
    return true;
  } finally {
    $("train").disabled = session.crashed;
  }
}

export function onChunkError({ token, message }) {
  if (session.crashed || session.recovering || token !== session.generation) return;
  // On WebGPU a failed chunk can be the first sign of a lost device, whose recovery follows: it
  // trains on if training was on.
  if (api.running) stoppedByErrorAt = performance.now();
  fail(`Training stopped: ${message}.`);
}

/** Whether a failed chunk stopped training just now (a lost GPU's recovery then trains on). */
export const stoppedByError = () => performance.now() - stoppedByErrorAt < 10000;

// The loop in the worker ended (after Pause, a divergence or an error): nothing is in flight.
export function onStopped() {
  api.inFlight = false;
  // Pause, then Train again before the worker had stopped: start it again.
  if (api.running && !session.crashed) play();
  // Paused: the grid shows the step the counter does (it is otherwise redrawn twice a second).
  else if (live() && !session.recovering) drawSamples();
}

let sideTasks = false; // one round of requests between chunks at a time
async function betweenChunks(current) {
  if (sideTasks) return;
  sideTasks = true;
  try {
    if (snapshotDue()) await snapshot();
    if (current === session.generation && samplesDue()) await drawSamples();
    if (current === session.generation && evaluationDue()) await evaluate(current);
  } finally {
    sideTasks = false;
  }
}

// A loss became NaN or infinite: pause, say so, and offer the last good state.
function diverged(stats) {
  stop();
  api.diverged = true;
  const what = Number.isNaN(stats.dLoss) || Number.isNaN(stats.gLoss) ? "not a number (NaN)" : "infinite";
  const text =
    `Training diverged at step ${stats.step}: a loss became ${what}. ` +
    "The numbers in the networks grew too large to compute with, often because a learning rate is too high. Training is paused.";
  api.errors.push(text);
  setStatus(text, true);
  const good = lastGood();
  $("restore-text").textContent = good
    ? `Restore the run as it was at step ${good.step}, then lower the learning rates before training on: the same settings will diverge again at the same step.`
    : "There is no earlier good state of this run to go back to: press Reset to start again.";
  $("restore-good").hidden = !good;
  $("restore-offer").hidden = false;
}

// A hidden tab pauses training (the browser would throttle it anyway) and keeps the run.
function onVisibility() {
  if (document.hidden) {
    if (api.running) {
      api.pausedByHiding = true;
      stop();
      setStatus("Paused while the tab is hidden.");
      emit("paused"); // web/save.js keeps the run as it is now
    }
  } else if (api.pausedByHiding) {
    api.pausedByHiding = false;
    setStatus("Training again: the tab is visible.");
    go();
  }
}

function record(stats) {
  api.lastStats = stats;
  api.step = stats.step;
  addLosses(stats);
  $("step").textContent = String(stats.step);
  setDUpdates(stats.dUpdates);
  emit("stats", stats);
  const speed = speedAt(performance.now(), stats.step);
  $("speed").textContent = speed >= 10 ? speed.toFixed(0) : speed.toFixed(1);
  drawPlots();
}

export function setDUpdates(n) {
  if (n === undefined) return;
  api.dUpdates = n;
  $("d-updates").textContent = String(n);
}

// A D step or G step from the step buttons: counters and plots as for training. D steps have no
// G loss yet: the last one is kept for the plot.
export function recordStep(result) {
  const last = api.lastStats || { dLoss: NaN, gLoss: NaN, dReal: NaN, dFake: NaN, gGrad: NaN };
  const stats = {
    step: result.step,
    dUpdates: result.dUpdates,
    dLoss: result.dLoss ?? last.dLoss,
    gLoss: result.gLoss ?? last.gLoss,
    dReal: result.dReal ?? last.dReal,
    dFake: result.dFake ?? last.dFake,
    gGrad: result.gGrad ?? last.gGrad,
  };
  if (api.firstStepMs === null) {
    api.firstStepMs = 1;
    loadClassifier();
  }
  record(stats);
}

// Before web/save.js's listener, which keeps the run once it is paused.
document.addEventListener("visibilitychange", onVisibility);
