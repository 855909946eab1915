// The autosave: the run is kept in this browser's IndexedDB, and the next visit offers "Resume
// run". web/recovery.js keeps a fresh copy of the run in memory while it trains; this module
// writes the latest copy every 30 s of wall time, when training is paused (by Pause or by hiding
// the tab), and when the page is left. Leaving gives no time to ask the worker for anything, nor
// to hand the browser megabytes: each copy becomes a Blob when it is taken (the browser holds its
// bytes from then on), so the write on leave is one small transaction, on a connection opened at
// start, that stores a reference to the latest Blob.

import { api, session, $, setStatus, on, whileDoing } from "./page.js";
import { loadRun } from "./run.js";
import { snapshot } from "./recovery.js";
import { trainAgain } from "./training.js";
import { drawSamples } from "./grid.js";

const DB_NAME = "ganvas";
const STORE = "runs";
const KEY = "autosave";
// While training, the latest copy is written at most this often (each write is a few MB).
const WRITE_EVERY_MS = 30000;

// What the autosave and the downloads did (tests read it through window.ganvasTest).
export const persist = { saves: 0, lastSave: null, storageError: null, offered: null, downloads: [] };

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

// One connection for the page's life, opened at start: the write on leave cannot wait for one.
let db = null;
let opening = null;
function connection() {
  if (db) return Promise.resolve(db);
  opening ??= openDb().then(
    (opened) => {
      db = opened;
      // Another tab upgrading the database, or the browser closing it: open again when needed.
      db.onversionchange = () => forget();
      db.onclose = () => forget();
      return db;
    },
    (error) => {
      opening = null;
      throw error;
    },
  );
  return opening;
}
function forget() {
  if (db) db.close();
  db = null;
  opening = null;
}

// One transaction on the open connection, committed at once. Resolves when it has completed.
function transact(mode, use, database = db) {
  return new Promise((resolve, reject) => {
    const tx = database.transaction(STORE, mode);
    const request = use(tx.objectStore(STORE));
    let value;
    request.onsuccess = () => (value = request.result);
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error || new Error("the browser's storage refused"));
    tx.onabort = () => reject(tx.error || new Error("the browser's storage gave up"));
    // Committing a write now (not when the page's task ends) lets a write begun on leave finish.
    if (mode === "readwrite" && tx.commit) tx.commit();
  });
}

async function withStore(mode, use) {
  return transact(mode, use, await connection());
}

function storageMessage(error) {
  const full = error && (error.name === "QuotaExceededError" || /quota/i.test(error.message || ""));
  return full
    ? "Autosave is off: this browser's storage for the page is full. Use Save run to keep this run in a file."
    : `Autosave is off: this browser's storage is unavailable (${(error && error.message) || error}). Use Save run to keep this run in a file.`;
}

let latest = null; // the latest copy: { blob, meta }
let writtenStep = null; // the step reached by the record last handed to IndexedDB
let writtenAt = -Infinity; // performance.now() of that write
// Until the kept run has been read, and while "Resume run" is on offer, the kept run is not
// overwritten: this visit's copies wait (the latest one is written once the offer is answered).
let checking = true;
let offered = null;

// What IndexedDB keeps: the copy (a Blob) at its step, the training steps that bring it to the
// step the page had reached (`replay`, see stepsSince) and what the offer on the next visit says.
const recordOf = ({ blob, meta }, replay = 0) => ({ blob, step: meta.step, replay, preset: meta.preset, savedAt: Date.now() });
// The step a record brings the run to (records of earlier versions have no `replay`).
const reached = (record) => record.step + (record.replay || 0);

// The training steps since the copy was taken, where nothing else changed the run since: the copy
// trained that many steps again is the run as it is now (its batches and noise come from the
// run's seed; on the CPU bit for bit, as tests/autosave.test.mjs checks). Else 0. Copying the run
// costs tens of milliseconds, so it is taken every second or so of training; this brings what a
// reload or a closed tab keeps to the last chunk the page has seen.
function stepsSince(meta) {
  const plain = meta.edits === session.edits && !api.diverged;
  return plain && api.step > meta.step ? api.step - meta.step : 0;
}

// Writes the record of the latest copy now, if it reaches further than the one written.
// Synchronous up to the transaction (which completes on its own), so that it works while the page
// is being left.
function write(record = latest && recordOf(latest)) {
  if (checking || offered || !record || reached(record) === writtenStep) return;
  if (!db) {
    // Not open yet (or closed by the browser): open it, and write then, unless the page is gone.
    connection().then(() => write(record), fail);
    return;
  }
  writtenStep = reached(record);
  writtenAt = performance.now();
  try {
    transact("readwrite", (store) => store.put(record, KEY)).then(() => {
      persist.saves += 1;
      persist.lastSave = { step: reached(record), at: record.savedAt };
      persist.storageError = null;
    }, fail);
  } catch (error) {
    fail(error);
  }
}

function fail(error) {
  writtenStep = null;
  const text = storageMessage(error);
  if (persist.storageError !== text) setStatus(text, true);
  persist.storageError = text;
}

// A fresh copy of the run (web/recovery.js): written if the last write is 30 s old.
on("snapshot", (bytes, meta) => {
  latest = { blob: new Blob([bytes]), meta };
  if (performance.now() - writtenAt >= WRITE_EVERY_MS) write();
});

// Pause (or a hidden tab): keep the run at the step it stopped at. The checkpoint request is
// served after the chunk in flight, so it holds that chunk's steps too.
on("paused", async () => {
  write(); // the copy in memory first, in case the page is being left
  if (await snapshot()) write();
});

// The site's service worker (registered by web/offline.js; its autosave part is
// web/autosave-worker.js) writes the last copy when the page is left: a page being unloaded cannot
// finish a write of its own. Where there is none (a browser without service workers, a private
// window), the copy of the last 30 s, the last pause or the last hiding stays.
let relay = null;
if (navigator.serviceWorker) {
  navigator.serviceWorker.ready.then((registration) => (relay = registration.active)).catch(() => {});
  navigator.serviceWorker.addEventListener("controllerchange", () => (relay = navigator.serviceWorker.controller || relay));
}

// Leaving or hiding the page: the copy in memory, with the steps trained since, is written at
// once, and handed to the relay in case the page is going away.
function keepOnLeave() {
  if (checking || offered || !latest) return;
  const record = recordOf(latest, stepsSince(latest.meta));
  if (reached(record) === persist.lastSave?.step) return;
  write(record);
  if (relay) relay.postMessage({ autosave: { key: KEY, record } });
}
window.addEventListener("pagehide", keepOnLeave);
document.addEventListener("visibilitychange", async () => {
  if (!document.hidden) return;
  keepOnLeave();
  // (Training paused by the hiding keeps its own copy: see "paused" above.)
  const kept = api.lastGood && api.lastGood.step === api.step;
  if (api.ready && api.step > 0 && !kept && !api.diverged && !api.pausedByHiding && (await snapshot())) write();
});

// ---- The offer on the next visit --------------------------------------------------------------

async function offerResume() {
  let saved;
  try {
    saved = await withStore("readonly", (store) => store.get(KEY));
  } catch (error) {
    persist.storageError = storageMessage(error);
    setStatus(persist.storageError);
  } finally {
    checking = false;
  }
  if (!saved || !(saved.blob || saved.bytes)) {
    write();
    return;
  }
  const when = new Date(saved.savedAt).toLocaleString();
  const name = saved.preset ? ` (${saved.preset})` : "";
  const step = reached(saved);
  $("resume-text").textContent = `A run${name} from your last visit was kept in this browser at step ${step}, on ${when}.`;
  $("resume-run").textContent = `Resume run at step ${step}`;
  $("resume-offer").hidden = false;
  offered = saved;
  persist.offered = { step, replay: saved.replay || 0 };
}

// The offer is answered: copies are written again, starting with the latest one.
function answered() {
  offered = null;
  $("resume-offer").hidden = true;
  write();
}

async function resume() {
  const saved = offered;
  if (!saved) return;
  try {
    // (Kept by an earlier version of the page: the bytes themselves.)
    const copy = async () => new Uint8Array(saved.blob ? await saved.blob.arrayBuffer() : saved.bytes.slice());
    const result = await loadRun(await copy());
    // The kept run is this run again; the one this visit started stays in memory only.
    latest = null;
    writtenStep = result.step;
    const replay = saved.replay || 0;
    const progress = (done) =>
      setStatus(`Resuming: training steps ${result.step + 1} to ${result.step + replay} again (${done} of ${replay} done)…`);
    if (replay > 0 && !(await whileDoing("resuming", () => trainAgain(replay, progress)))) {
      // A loss that is not finite where it was before (a GPU's sums can round differently).
      await loadRun(await copy());
      setStatus(`Resumed the run at step ${result.step}, where it was copied: training the ${replay} steps after it again gave a loss that is not a finite number.`, true);
    } else {
      writtenStep = result.step + replay;
      if (replay > 0) await drawSamples();
      setStatus(`Resumed the run at step ${result.step + replay}. Press Train to carry on.`);
    }
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

on("ready", offerResume);
$("resume-run").addEventListener("click", resume);
$("start-fresh").addEventListener("click", startFresh);
