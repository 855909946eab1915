// Saving and loading runs as files: Save run, Load a run, drag and drop, and the exports (the
// sample grid as PNG, the history as CSV). Everything stays on this computer: files are made and
// read here, never sent anywhere. The autosave is web/autosave.js.

import { api, call, $, setStatus } from "./page.js";
import { historyTables } from "./history.js";
import { loadRun } from "./run.js";
import { snapshot } from "./recovery.js";

import { persist } from "./autosave.js";
import { timelapseFrames } from "./explore.js";
import { dropImages } from "./own-images.js";

// ---- Files ----------------------------------------------------------------------------------

function runName() {
  return (api.preset || "run").replace(/[^a-z0-9-]/gi, "") || "run";
}

// Hands `blob` to the browser as a download named `name` (a same-origin blob: URL).
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  persist.downloads.push({ name, bytes: blob.size });
}

async function saveRun() {
  const button = $("save-run");
  button.disabled = true;
  try {
    const kept = await snapshot();
    if (!kept) return;
    const name = `ganvas-${runName()}-step${kept.step}.ganvas`;
    download(new Blob([kept.bytes], { type: "application/octet-stream" }), name);
    setStatus(`Saved the run at step ${kept.step} as ${name} (${(kept.bytes.length / 1e6).toFixed(1)} MB). Load it here later to carry on.`);
  } finally {
    button.disabled = false;
  }
}

// A file from the picker or a drop: checked, then loaded; on any error the run stays as it was.
async function openFile(file) {
  if (!file) return;
  if (!api.ready) {
    setStatus(`"${file.name}" was not opened: the page is still loading. Try again in a moment.`, true);
    return;
  }
  // The checkpoint loader's own limit (ganvas_core::checkpoint::MAX_FILE_BYTES, in the run's
  // schema): larger files are refused before they are read.
  const MAX_FILE_BYTES = api.schema.maxFileBytes;
  if (file.size > MAX_FILE_BYTES) {
    setStatus(
      `"${file.name}" is ${(file.size / 1e6).toFixed(1)} MB; Ganvas run files are at most ${MAX_FILE_BYTES / (1 << 20)} MB. Your run is unchanged.`,
      true,
    );
    return;
  }
  setStatus(`Opening "${file.name}"…`);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const result = await loadRun(bytes);
    setStatus(
      `Loaded "${file.name}": step ${result.step}${result.full ? "" : " (weights only: the optimizers start fresh)"}. Press Train to carry on.`,
    );
  } catch (error) {
    setStatus(`"${file.name}" could not be loaded: ${error.message}. Your run is unchanged.`, true);
  }
}

async function exportPng() {
  const source = $("samples");
  const scale = 2;
  const canvas = document.createElement("canvas");
  canvas.width = source.width * scale;
  canvas.height = source.height * scale;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) {
    setStatus("The image could not be made.", true);
    return;
  }
  download(blob, `ganvas-${runName()}-samples-step${api.step}.png`);
}

async function exportCsv(table) {
  const tables = historyTables();
  const values = table === "losses" ? tables.losses : tables.quality;
  if (values.length === 0) {
    setStatus(table === "losses" ? "There are no losses yet: train first." : "There are no quality measurements yet.");
    return;
  }
  const text = await call("historyCsv", { table, values: Array.from(values) });
  download(new Blob([text], { type: "text/csv" }), `ganvas-${runName()}-${table}-step${api.step}.csv`);
}

// The grids kept while training (web/explore.js's replay) as one animated PNG: it plays in any
// browser and in chat apps.
async function exportTimelapse() {
  const frames = timelapseFrames();
  if (frames.length === 0) {
    setStatus("There is no timelapse yet: train first (a grid is kept every few steps).");
    return;
  }
  const steps = Float64Array.from(frames, (f) => f.step);
  const pixels = new Float32Array(frames.reduce((n, f) => n + f.pixels.length, 0));
  frames.reduce((at, f) => (pixels.set(f.pixels, at), at + f.pixels.length), 0);
  let bytes;
  try {
    bytes = await call("timelapsePng", { steps, pixels }, [steps.buffer, pixels.buffer]);
  } catch (error) {
    setStatus(`The timelapse could not be made: ${error.message}.`, true);
    return;
  }
  const last = frames[frames.length - 1].step;
  const name = `ganvas-${runName()}-timelapse-step${last}.png`;
  download(new Blob([bytes], { type: "image/png" }), name);
  setStatus(`Saved the timelapse as ${name}: ${frames.length} grids, steps ${frames[0].step} to ${last} (${(bytes.length / 1e6).toFixed(1)} MB).`);
}

$("save-run").addEventListener("click", saveRun);
$("export-timelapse").addEventListener("click", exportTimelapse);
$("load-run").addEventListener("change", (event) => {
  openFile(event.target.files[0]);
  event.target.value = "";
});
$("export-png").addEventListener("click", exportPng);
$("export-losses").addEventListener("click", () => exportCsv("losses"));
$("export-quality").addEventListener("click", () => exportCsv("quality"));

// Drop a .ganvas file anywhere on the page.
let depth = 0;
document.addEventListener("dragenter", (e) => {
  if (!api.ready || !e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
  depth += 1;
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", () => {
  depth = Math.max(0, depth - 1);
  if (depth === 0) document.body.classList.remove("dragging");
});
document.addEventListener("dragover", (e) => {
  if (e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files")) e.preventDefault();
});
document.addEventListener("drop", (e) => {
  depth = 0;
  document.body.classList.remove("dragging");
  if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
  e.preventDefault();
  if (!api.ready) return;
  // A run file loads; anything else is pictures for "Your images" (folders are walked).
  const files = Array.from(e.dataTransfer.files);
  const run = files.find((f) => f.name.toLowerCase().endsWith(".ganvas"));
  if (run) openFile(run);
  else dropImages(e.dataTransfer);
});
