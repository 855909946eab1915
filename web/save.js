// Saving and loading runs: checkpoint files (Save run, Load a run, drag and drop), exports (the
// sample grid as PNG, the history as CSV), and the autosave in this browser's IndexedDB with the
// "Resume run" offer on the next visit. Everything stays on this computer: files are made and read
// here, never sent anywhere.

import { api, call, $, setStatus, on } from "./page.js";
import { historyTables } from "./history.js";
import { loadRun } from "./run.js";
import { snapshot } from "./recovery.js";

const DB_NAME = "ganvas";
const STORE = "runs";
const KEY = "autosave";

// What the autosave and the downloads did (tests read it through window.ganvasTest).
export const persist = { saves: 0, lastSave: null, storageError: null, offered: null, downloads: [] };

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

// ---- The autosave ---------------------------------------------------------------------------

function openDb() {
  return new Promise((resolve, reject) => {
    let request;
    try {
      if (!self.indexedDB) throw new Error("this browser has no IndexedDB");
      request = indexedDB.open(DB_NAME, 1);
    } catch (error) {
      reject(error);
      return;
    }
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error || new Error("the browser's storage would not open"));
    request.onblocked = () => reject(new Error("the browser's storage is busy in another tab"));
  });
}

async function withStore(mode, use) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = use(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result.result);
      tx.onerror = () => reject(tx.error || new Error("the browser's storage refused"));
      tx.onabort = () => reject(tx.error || new Error("the browser's storage gave up"));
    });
  } finally {
    db.close();
  }
}

function storageMessage(error) {
  const full = error && (error.name === "QuotaExceededError" || /quota/i.test(error.message || ""));
  return full
    ? "Autosave is off: this browser's storage for the page is full. Use Save run to keep this run in a file."
    : `Autosave is off: this browser's storage is unavailable (${(error && error.message) || error}). Use Save run to keep this run in a file.`;
}

let saving = Promise.resolve();
// While "Resume run" is on offer, the kept run is not overwritten: this visit's snapshots wait
// (the latest one is saved once the offer is answered).
let offered = null;
let held = null;
function autosave(bytes, meta) {
  if (offered) {
    held = [bytes, meta];
    return saving;
  }
  const record = {
    bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    step: meta.step,
    preset: meta.preset,
    savedAt: Date.now(),
  };
  saving = saving
    .then(() => withStore("readwrite", (store) => store.put(record, KEY)))
    .then(() => {
      persist.saves += 1;
      persist.lastSave = { step: record.step, at: record.savedAt };
      persist.storageError = null;
    })
    .catch((error) => {
      const text = storageMessage(error);
      if (persist.storageError !== text) setStatus(text, true);
      persist.storageError = text;
    });
  return saving;
}
on("snapshot", autosave);

async function offerResume() {
  let saved;
  try {
    saved = await withStore("readonly", (store) => store.get(KEY));
  } catch (error) {
    persist.storageError = storageMessage(error);
    setStatus(persist.storageError);
    return;
  }
  if (!saved || !saved.bytes) return;
  const when = new Date(saved.savedAt).toLocaleString();
  const name = saved.preset ? ` (${saved.preset})` : "";
  $("resume-text").textContent = `A run${name} from your last visit was kept in this browser at step ${saved.step}, on ${when}.`;
  $("resume-run").textContent = `Resume run at step ${saved.step}`;
  $("resume-offer").hidden = false;
  offered = saved;
  persist.offered = { step: saved.step };
}

// The offer is answered: snapshots are kept again, starting with the one that waited.
function answered() {
  offered = null;
  $("resume-offer").hidden = true;
  if (held) autosave(...held);
  held = null;
}

async function resume() {
  const saved = offered;
  if (!saved) return;
  try {
    const result = await loadRun(new Uint8Array(saved.bytes));
    held = null; // the kept run is this run again; the one this visit started stays in memory only
    setStatus(`Resumed the run at step ${result.step}. Press Train to carry on.`);
  } catch (error) {
    setStatus(`The kept run could not be resumed: ${error.message}. This run is unchanged.`, true);
  }
  answered();
}

async function startFresh() {
  try {
    await withStore("readwrite", (store) => store.delete(KEY));
    setStatus("The kept run is deleted. This is a fresh run: press Train.");
  } catch (error) {
    setStatus(storageMessage(error), true);
  }
  answered();
}

// Leaving or hiding the page: keep the run as it is now, if it trained since it was last kept.
function keepOnLeave() {
  if (api.ready && api.step > 0 && (!api.lastGood || api.lastGood.step !== api.step) && !api.diverged) {
    snapshot();
  }
}

on("ready", offerResume);

$("save-run").addEventListener("click", saveRun);
$("load-run").addEventListener("change", (event) => {
  openFile(event.target.files[0]);
  event.target.value = "";
});
$("export-png").addEventListener("click", exportPng);
$("export-losses").addEventListener("click", () => exportCsv("losses"));
$("export-quality").addEventListener("click", () => exportCsv("quality"));
$("resume-run").addEventListener("click", resume);
$("start-fresh").addEventListener("click", startFresh);
window.addEventListener("pagehide", keepOnLeave);
document.addEventListener("visibilitychange", () => {
  if (document.hidden) keepOnLeave();
});
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
  openFile(e.dataTransfer.files[0]);
});
