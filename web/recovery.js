// Never losing the run: it is kept (in memory, and by web/save.js in IndexedDB) after its first
// chunk and then every 30 s of training; a divergence offers the last good state back; a lost GPU
// or a crash of the training code brings up a fresh worker with the last good state.

import { api, session, call, live, $, setStatus, emit, fetchDataset, describe } from "./page.js";
import { historyTables } from "./history.js";
import { openWorker, loadRun, showRun, setBackend } from "./run.js";
import { stop, go, crash, stoppedByError } from "./training.js";
import { forgetClassifier, reloadClassifier } from "./quality.js";
import { wasmUrls, stopWorker } from "./client.js";
import { linkBackend } from "./link.js";

// The run is kept after its first chunk of steps and then every this much training time: a
// reload or a lost GPU costs at most this much.
const SNAPSHOT_EVERY_MS = 30000;
// A lost GPU or a crash is recovered at most this many times a minute (a bug would loop).
const MAX_RECOVERIES_PER_MINUTE = 3;

let good = null; // { bytes, step }: the latest checkpoint taken while the losses were finite
let trainedMs = 0; // training time of this page, for the snapshot cadence
let snapshotDueAt = 0; // trainedMs at which the next snapshot is taken (0: after the next chunk)
let recoveryTimes = [];

/** The last state kept: { bytes, step }, or null. */
export const lastGood = () => good;

/** A chunk trained for `ms`. */
export function countTraining(ms) {
  trainedMs += ms;
}

export const snapshotDue = () => trainedMs >= snapshotDueAt;

/** A new or loaded run is kept again after its next chunk trains finitely. */
export function snapshotAfterNextChunk() {
  snapshotDueAt = trainedMs;
}

// Keeps the run as it is now (in memory, and via the snapshot event in IndexedDB). Resolves with
// { bytes, step }, or null when it could not be kept.
export async function snapshot() {
  snapshotDueAt = trainedMs + SNAPSHOT_EVERY_MS;
  if (!live()) return null;
  let bytes, step;
  try {
    ({ bytes, step } = await call("checkpoint", historyTables()));
  } catch (error) {
    if (!session.crashed) setStatus(`The run could not be kept: ${error.message}.`);
    return null;
  }
  good = { bytes, step };
  api.lastGood = { step, at: Date.now() };
  // Every 30 s of training: hand back pooled GPU memory nothing uses (see releaseMemory).
  call("releaseMemory").catch(() => {});
  api.snapshots += 1;
  emit("snapshot", bytes, { step, settings: api.settings, preset: api.preset });
  return good;
}

/** Keeps the run as it is before it is replaced, unless it is kept already. */
export async function keepBeforeReplacing() {
  // Not while recovering: the fresh worker holds a new run at step 0, not the one being replaced.
  if (!session.recovering && !api.diverged && api.step > 0 && (!good || good.step !== api.step)) await snapshot();
}

// The "Restore" button after a divergence.
export async function restoreGood() {
  if (!good) return;
  const { bytes, step } = good;
  try {
    await loadRun(bytes.slice());
    setStatus(`Restored the run at step ${step}. Lower the learning rates before training on.`);
  } catch (error) {
    setStatus(`The last good state could not be restored: ${error.message}.`, true);
  }
}

/** Whether another recovery is allowed this minute. */
export function canRecover() {
  const now = performance.now();
  recoveryTimes = recoveryTimes.filter((t) => now - t < 60000);
  return recoveryTimes.length < MAX_RECOVERIES_PER_MINUTE;
}

// The GPU was lost (or the training code crashed): a fresh worker, a fresh device (WebGPU if
// the browser gives one, else the CPU), and the last good state.
export async function recover(reason) {
  if (session.recovering || session.crashed) return;
  if (!canRecover()) {
    crash(`${reason}, again and again`);
    return;
  }
  session.recovering = true;
  recoveryTimes.push(performance.now());
  const wasRunning = api.running || api.pausedByHiding || stoppedByError();
  stop();
  session.generation += 1;
  const from = good ? `step ${good.step}` : "step 0 (nothing was kept yet)";
  setStatus(`Training stopped: ${reason}. Recovering the run from ${from}…`, true);
  $("train").disabled = true;
  try {
    stopWorker();
    api.inFlight = false; // the old worker's loop is gone with it
    const fresh = openWorker();
    await fresh("load", wasmUrls());
    const [images, labels] = await fetchDataset(api.settings.dataset);
    // The link's backend choice holds for the fresh worker too.
    const options = { ...api.settings, ...linkBackend() };
    const backend = await fresh("create", { images, labels, options }, [images.buffer, labels.buffer]);
    session.call = fresh;
    setBackend(backend);
    forgetClassifier();
    if (good) await loadRun(good.bytes.slice());
    else {
      describe(backend);
      await showRun();
    }
    reloadClassifier();
    api.recoveries += 1;
    setStatus(`Recovered after ${reason}: the run is back at step ${api.step}, on ${api.backend === "WebGPU" ? "WebGPU" : "the CPU"}.`);
    $("train").disabled = false;
    session.recovering = false;
    if (wasRunning) go();
  } catch (error) {
    session.recovering = false;
    crash(`${reason}, and recovering failed: ${error.message}`);
  }
}
