// Never losing the run: a fresh copy of it is kept in memory while it trains (web/save.js writes
// it to IndexedDB every 30 s, on Pause, when the tab is hidden and when the page is left); a
// divergence offers the last good state back; a lost GPU or a crash of the training code brings up
// a fresh worker with the last good state.

import { api, session, call, live, $, setStatus, emit, fetchDataset, describe, showState } from "./page.js";
import { historyTables } from "./history.js";
import { openWorker, loadRun, showRun, setBackend } from "./run.js";
import { stop, go, crash, stoppedByError } from "./training.js";
import { forgetClassifier, reloadClassifier } from "./quality.js";
import { wasmUrls, stopWorker } from "./client.js";
import { linkBackend } from "./link.js";

// Keeping the run costs the time to read it out of the worker (a few MB). It is kept as often as
// that stays within this share of the training time: after every chunk where reading is cheap,
// every few chunks where it is not. A reload or a closed tab keeps the training since as steps
// to train again (web/autosave.js).
const SNAPSHOT_SHARE = 0.05;
// Pooled GPU memory nothing uses is handed back at most this often (see releaseMemory).
const RELEASE_EVERY_MS = 30000;
// A lost GPU or a crash is recovered at most this many times a minute (a bug would loop).
const MAX_RECOVERIES_PER_MINUTE = 3;

let good = null; // { bytes, step }: the latest checkpoint taken while the losses were finite
let trainedMs = 0; // training time of this page, for the snapshot cadence
let snapshotDueAt = 0; // trainedMs at which the next snapshot is taken (0: after the next chunk)
let releasedAt = -Infinity; // performance.now() of the last releaseMemory
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

// Keeps the run as it is now (in memory; the snapshot event hands it to web/save.js). Resolves
// with { bytes, step }, or null when it could not be kept.
export async function snapshot() {
  if (!live()) return null;
  const started = performance.now();
  // The copy holds every change asked before it (the worker takes them in order).
  const edits = session.edits;
  let bytes, step;
  try {
    ({ bytes, step } = await call("checkpoint", historyTables()));
  } catch (error) {
    snapshotDueAt = trainedMs + RELEASE_EVERY_MS;
    if (!session.crashed) setStatus(`The run could not be kept: ${error.message}.`, true);
    return null;
  }
  const cost = performance.now() - started;
  snapshotDueAt = trainedMs + cost / SNAPSHOT_SHARE;
  good = { bytes, step };
  api.lastGood = { step, at: Date.now(), ms: cost };
  if (performance.now() - releasedAt >= RELEASE_EVERY_MS) {
    releasedAt = performance.now();
    call("releaseMemory").catch(() => {});
  }
  api.snapshots += 1;
  emit("snapshot", bytes, { step, edits, settings: api.settings, preset: api.preset });
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
    session.edits += 1; // a fresh worker's run, not the one the copies were taken of
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
    showState();
    if (wasRunning) go();
  } catch (error) {
    session.recovering = false;
    crash(`${reason}, and recovering failed: ${error.message}`);
  }
}
