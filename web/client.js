// The training worker's client: starts web/worker.js (which loads the wasm module and runs the
// training loop off the main thread) and puts its messages behind promises. The worker answers
// each { id, method, args } with one { id, ok, value | error }; on its own it reports the chunks it
// trains, a chunk that failed, the end of its loop, a lost GPU and a panic.

/**
 * What the page does with the worker's own reports.
 * @typedef {{
 *   chunk: (chunk: { token: number, stats: any, ms: number, n: number }) => void,
 *   chunkError: (error: { token: number, message: string }) => void,
 *   stopped: () => void,
 *   deviceLost: (reason: string) => void,
 *   panic: (message: string) => void,
 * }} WorkerEvents
 */

let current = null; // the worker whose messages count (one replaced after a lost GPU is ignored)

/**
 * Starts a worker and returns its `call(method, args, transfer)`. Calls pending when the GPU is
 * lost or the module panics are rejected before `events` hears of it.
 * @param {WorkerEvents} events
 */
export function startWorker(events) {
  const w = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  current = w;
  const pending = new Map();
  const rejectAll = (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  let next = 0;
  w.onmessage = ({ data }) => {
    if (w !== current) return;
    if (data.deviceLost !== undefined) {
      rejectAll(new Error(`the GPU was lost (${data.deviceLost})`));
      return events.deviceLost(`the GPU was lost (${data.deviceLost})`);
    }
    if (data.panic !== undefined) {
      rejectAll(new Error("the training code crashed"));
      return events.panic(data.panic);
    }
    if (data.chunk !== undefined) return events.chunk(data.chunk);
    if (data.chunkError !== undefined) return events.chunkError(data.chunkError);
    if (data.stopped !== undefined) return events.stopped();
    const waiting = pending.get(data.id);
    pending.delete(data.id);
    if (!waiting) return;
    if (data.ok) waiting.resolve(data.value);
    else waiting.reject(new Error(data.error));
  };
  w.onerror = (event) => {
    event.preventDefault();
    rejectAll(new Error(event.message || "the training worker failed to start"));
  };
  /** @type {import("./boundary").Call} */
  const call = (method, args = undefined, transfer = []) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      w.postMessage({ id, method, args }, transfer);
    });
  return call;
}

/** Ends the current worker and its training loop (before a fresh one takes over). */
export function stopWorker() {
  if (current) current.terminate();
  current = null;
}

// Trunk writes the hashed names of the wasm module and its JS glue into this tag (Trunk.toml's
// pattern_script), so the worker, not the page, loads them.
export function wasmUrls() {
  const tag = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="ganvas-wasm"]'));
  if (!tag) throw new Error("this page was not built by Trunk (no ganvas-wasm tag)");
  return {
    js: new URL(tag.dataset.js, document.baseURI).href,
    wasm: new URL(tag.dataset.wasm, document.baseURI).href,
    // The worker counts its GPU buffers only when asked (the soak does: tests/soak.mjs).
    gpuAccounting: new URLSearchParams(location.search).has("gpu-accounting"),
  };
}
