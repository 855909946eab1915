// Working offline: registers the offline service worker (web/offline-worker.js, served from the
// site's root so that its scope holds the page) and, once the run is up, sends it the list of the
// site's files: the page and its modules, the wasm module, both data sets, the classifier and the
// shipped models. The worker fetches those this visit did not use, and the next visit loads and
// trains with the network gone. The Save & share panel says how far this has come.

import { api, $, on } from "./page.js";
import { wasmUrls } from "./client.js";
import { shippedModels } from "./run.js";
import { classifierFile } from "./quality.js";

// What the tests read (window.ganvasTest.offline): "preparing", "ready", "failed" or "unsupported",
// with the worker's answer ({ files, fetched, bytes, failed }).
export const offline = { state: "preparing", files: 0, bytes: 0, failed: /** @type {string[]} */ ([]) };

function say(text) {
  $("offline-note").textContent = text;
}

// Every file of the site, as absolute URLs: what this page loaded (its modules, styles and data
// files; the page itself without its query), what its worker loads (the wasm module), and what a
// later visit may ask for (the other data set, the classifiers, the shipped models, the icons).
async function siteFiles() {
  const base = document.baseURI;
  const site = new URL("./", base);
  const files = new Set([site.href]);
  for (const entry of performance.getEntriesByType("resource")) {
    if (new URL(entry.name).origin === site.origin) files.add(entry.name);
  }
  const { js, wasm } = wasmUrls();
  const shipped = await shippedModels();
  const named = [
    js,
    wasm,
    "web/worker.js",
    "manifest.webmanifest",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "models/pretrained.json",
    ...api.schema.datasets.flatMap((d) => [...d.files.map((f) => `data/${f}`), classifierFile(d.id)]),
    ...Object.keys(shipped).map((id) => `models/${id}.ganvas`),
  ];
  for (const name of named) files.add(new URL(name, base).href);
  return [...files];
}

async function prepare() {
  if (!navigator.serviceWorker) {
    offline.state = "unsupported";
    say("This browser cannot keep Ganvas for offline use (it has no service workers here, as in some private windows). Online, it works as usual.");
    return;
  }
  say("Keeping Ganvas in this browser for offline use…");
  try {
    // Earlier versions registered the autosave part alone, for web/: that registration would
    // take the training worker (web/worker.js) out of this one's hands.
    const earlier = new URL("web/", document.baseURI).href;
    for (const r of await navigator.serviceWorker.getRegistrations()) if (r.scope === earlier) await r.unregister();
    await navigator.serviceWorker.register("offline-worker.js", { scope: "./" });
    const registration = await navigator.serviceWorker.ready;
    if (!registration.active) throw new Error("the offline worker did not start");
    registration.active.postMessage({ precache: await siteFiles() });
  } catch (error) {
    failed(error.message || String(error));
  }
}

function failed(reason) {
  offline.state = "failed";
  say(`Ganvas is not kept for offline use: ${reason}. Online, it works as usual.`);
}

function onPrecached(result) {
  if (result.error) return failed(result.error);
  Object.assign(offline, result);
  if (result.failed.length) return failed(`${result.failed.length} of its files could not be fetched (${result.failed[0]})`);
  offline.state = "ready";
  say(
    `Ready offline: this browser keeps Ganvas, both data sets and the models (${result.files} files, ` +
      `${(result.bytes / 1e6).toFixed(1)} MB). The next visit loads and trains without a network; the browser's menu can install it as an app.`,
  );
}

if (navigator.serviceWorker) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.precached) onPrecached(event.data.precached);
  });
  navigator.serviceWorker.startMessages();
}
on("ready", prepare);
