// The run the worker holds, from the page's side: starting the page (the module, the link's
// settings, the images, the run), a pretrained start, loading a checkpoint, Reset, new settings,
// and showing whichever run the worker now holds in every panel.

import { api, session, call, live, $, setStatus, emit, fetchBytes, fetchDataset, describe, whileDoing, showState } from "./page.js";
import { startWorker, wasmUrls } from "./client.js";
import { replaceHistory, historyFromTables } from "./history.js";
import { onChunk, onChunkError, onStopped, stop, go, fail, crash, setDUpdates } from "./training.js";
import { recover, canRecover, lastGood, snapshot, snapshotAfterNextChunk, keepBeforeReplacing } from "./recovery.js";
import { drawGrid, drawSamples, showNeighboursHint } from "./grid.js";
import { drawPlots } from "./plots.js";
import { fetchClassifier, startQuality, reloadClassifier, forgetClassifierFor } from "./quality.js";
import { readOptions, readLink, updateLink, hidePanels } from "./link.js";
import { setImages } from "./own-images.js";

/** A training worker wired to the page: its chunks, a lost GPU, a panic. */
export function openWorker() {
  return startWorker({
    chunk: onChunk,
    chunkError: onChunkError,
    stopped: onStopped,
    deviceLost: recover,
    panic: (message) => {
      if (lastGood() && canRecover()) recover(`the training code crashed (${message})`);
      else crash(message);
    },
  });
}

// The data set a run will use: its options name it, or its preset does (asked of the module).
async function datasetOf(worker, options) {
  if (options.dataset) return options.dataset;
  if (!options.preset) return "mnist";
  const presets = await worker("presetList");
  const p = presets.find((x) => x.id === options.preset);
  return (p && p.settings.dataset) || "mnist";
}

export async function start() {
  if (session.call || session.crashed) return;
  let worker;
  try {
    worker = openWorker();
    setStatus("Loading the model…");
    await worker("load", wasmUrls());
    api.schema = await worker("schema");
  } catch (error) {
    fail(`The model could not be loaded: ${error.message}. Reload the page to try again.`);
    return;
  }
  const { options, ignored } = readOptions();
  // A share link's hash sets the run (see crates/web/src/link.rs); what it cannot set is named.
  if (location.hash.length > 1) ignored.push(...(await readLink(worker, options)));
  const notes = [];
  let dataset = await datasetOf(worker, options);
  if (dataset === "own") {
    // A link of a run on someone's own images: those never left their browser.
    options.dataset = dataset = "mnist";
    notes.push(
      "This link's run trained on the sender's own images, which never leave their browser, so it starts on MNIST. Add your own in the \"Your images\" panel.",
    );
  }
  let images, labels;
  try {
    setStatus("Loading the images…");
    [images, labels] = await fetchDataset(dataset);
  } catch (error) {
    fail(`The image data could not be loaded (${error.message}). Check the connection and reload.`);
    return;
  }
  let backend;
  try {
    setStatus("Starting the GPU…");
    backend = await worker("create", { images, labels, options }, [images.buffer, labels.buffer]);
  } catch (error) {
    fail(`The model could not start: ${error.message}.`);
    return;
  }
  session.call = worker;
  api.presets = backend.presets;
  describe(backend);
  showNeighboursHint(); // in the words of the run's data set
  fetchClassifier();
  setBackend(backend);
  drawGrid($("real"), await call("realDigits", { n: 64 }));
  await drawSamples();
  for (const id of ["train", "copy-link", "reset", "save-run", "load-run", "export-png", "export-losses", "export-quality"]) {
    $(id).disabled = false;
  }
  api.ready = true;
  showState();
  emit("ready");
  if (api.backend !== "WebGPU" && api.backendWhy) notes.push(api.backendWhy);
  if (ignored.length) notes.push(`Ignored bad link settings: ${ignored.join(", ")}.`);
  if (api.link.pretrained) {
    const note = await startPretrained(options.preset);
    if (note) notes.push(note);
    await updateLink(); // pretrained=1 stays in the link only where it applied, before the status says so
  }
  setStatus(["Ready. Press Train.", ...notes].join(" "));
  hidePanels(api.link.hide);
  if (api.link.autostart) go();
}

// Which presets ship a trained model, and after how many steps: { "<preset>": { steps, bytes } }
// (www/models/pretrained.json, written by `cargo xtask pretrain`). Fetched once.
let shippedList = null;
export function shippedModels() {
  shippedList ??= fetchBytes("models/pretrained.json").then((b) => JSON.parse(new TextDecoder().decode(b)));
  return shippedList;
}

// pretrained=1, or "Start from a trained model": the preset's shipped model
// (www/models/<preset>.ganvas). Returns a note for the status line.
export async function startPretrained(preset) {
  if (!preset) return "Ignored pretrained=1: the link names no preset.";
  let bytes;
  try {
    const shipped = await shippedModels();
    if (!Object.hasOwn(shipped, preset)) {
      api.link.pretrained = false;
      const names = Object.keys(shipped).join(", ");
      return `Ignored pretrained=1: no pretrained model ships for the "${preset}" preset (only for ${names}), so training starts from scratch.`;
    }
    bytes = await fetchBytes(`models/${preset}.ganvas`);
  } catch (error) {
    api.link.pretrained = false;
    return `The pretrained model could not be fetched (${error.message}), so training starts from scratch.`;
  }
  try {
    const result = await loadRun(bytes);
    api.preset = preset;
    api.pretrainedStep = result.step;
    api.link.pretrained = true;
    return `Starting from the pretrained "${preset}" model, trained for ${result.step} steps.`;
  } catch (error) {
    api.link.pretrained = false;
    return `The pretrained model could not be loaded (${error.message}), so training starts from scratch.`;
  }
}

// The backend a worker's run got, in the badge.
export function setBackend(backend) {
  api.backend = backend.backend;
  api.backendNote = backend.backendNote;
  api.backendDetail = backend.backendDetail || "";
  const badge = $("backend");
  badge.textContent = api.backend === "WebGPU" ? "WebGPU" : `CPU (${api.backendNote})`;
  badge.className = `badge ${api.backend === "WebGPU" ? "gpu" : "cpu"}`;
  api.backendWhy = api.backend === "WebGPU" ? "" : whyCpu(api.backendNote);
  $("backend-help").hidden = !api.backendWhy;
  $("backend-why").textContent = api.backendWhy;
  $("backend-detail").textContent = api.backendDetail ? `Technical detail: ${api.backendDetail}.` : "";
}

// Why the run is on the CPU, in a sentence a learner understands (the badge's short reason comes
// from crates/web/src/backend.rs). Empty where the link asked for the CPU.
function whyCpu(note) {
  if (/software WebGPU/.test(note)) {
    return "This browser's WebGPU has no GPU behind it (it runs on the processor, emulated), so Ganvas trains on the CPU directly, which is faster here.";
  }
  if (/no WebGPU in this browser/.test(note)) return "This browser has no WebGPU, so Ganvas trains on the CPU.";
  if (/chosen in the link/.test(note)) return "";
  return "This browser has no usable GPU for WebGPU, so Ganvas trains on the CPU.";
}

// Replaces the run with a checkpoint's (a Uint8Array). Throws, with the current run untouched,
// when the file cannot be loaded. The run as it was becomes the last good state first, so a
// wrong file loses nothing.
export async function loadRun(bytes) {
  if (!live()) throw new Error("the model is not running");
  const info = await call("checkpointInfo", { bytes: bytes.slice() });
  stop();
  return whileDoing("loading a run", async () => {
    await keepBeforeReplacing();
    let files = {};
    // A run on own images brings them in its file.
    if (info.settings.dataset !== api.settings.dataset && info.ownImages === null) {
      const [images, labels] = await fetchDataset(info.settings.dataset);
      files = { images, labels };
    }
    const transfer = [bytes.buffer, ...(files.images ? [files.images.buffer, files.labels.buffer] : [])];
    const result = await call("loadCheckpoint", { bytes, ...files }, transfer);
    session.generation += 1;
    const datasetChanged = result.settings.dataset !== (api.settings && api.settings.dataset) || result.ownImages !== null;
    if (result.ownImages) setImages(result.ownImages);
    describe(result);
    const { rows, ms } = historyFromTables(result.losses, result.quality);
    await showRun({ step: result.step, dUpdates: result.dUpdates, rows, ms });
    if (datasetChanged) await showData();
    // After a lost GPU, a fresh worker needs the classifier again.
    reloadClassifier();
    await updateLink();
    return result;
  });
}

export async function reset() {
  if (!live()) return;
  stop();
  await whileDoing("restarting", async () => {
    session.generation += 1;
    await call("reset");
    await showRun();
  });
  setStatus("Reset to step 0 with the same seed. Press Train.");
}

// Every panel shows the run the worker now holds: a new one at step 0 (Reset, new settings), or
// a loaded one with its counters and history (`rows` of losses, `ms` of measurements).
export async function showRun({ step = 0, dUpdates = 0, rows = [], ms = [] } = {}) {
  snapshotAfterNextChunk();
  api.diverged = false;
  $("restore-offer").hidden = true;
  replaceHistory(rows, ms);
  api.step = step;
  api.lastStats = rows.length ? rows[rows.length - 1] : null;
  $("step").textContent = String(step);
  $("speed").textContent = "0";
  startQuality(step, rows.length > 0);
  drawPlots();
  showNeighboursHint();
  setDUpdates(dUpdates);
  api.restarts += 1;
  emit("restart");
  await drawSamples();
}

// The run's data set changed: its real images, and the classifier only where it measures them.
async function showData() {
  forgetClassifierFor(api.settings.dataset);
  drawGrid($("real"), await call("realDigits", { n: 64 }));
  reloadClassifier();
}

// New settings: live ones apply to the running run; others start a new run (the worker decides).
// `newImages`: the learner's own images as they are now replace the run's (a new run on them).
// Resolves with "live" or "restarted".
export async function configure(options, { newImages = false } = {}) {
  if (!live()) throw new Error("the model is not running");
  const wasRunning = api.running;
  let files = {};
  const own = options.dataset === "own" && newImages;
  if (own || (options.dataset && api.settings && options.dataset !== api.settings.dataset)) {
    const [images, labels] = await fetchDataset(options.dataset);
    files = { images, labels };
  }
  // A chunk in flight finishes first: the worker answers in order.
  const result = await call("configure", { options, ...files }, files.images ? [files.images.buffer, files.labels.buffer] : []);
  describe(result);
  if (result.how === "restarted") {
    stop();
    await whileDoing("restarting", async () => {
      session.generation += 1;
      await showRun();
      await showData();
    });
    return result.how;
  }
  // The copy kept so far is of the old settings, which web/autosave.js cannot train on from: the
  // run is copied again now, behind the change (a diverged run once it trains finitely again).
  if (api.diverged || api.step === 0) snapshotAfterNextChunk();
  else snapshot();
  if (wasRunning && !api.running) go();
  return result.how;
}
