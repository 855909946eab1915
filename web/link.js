// The share link. The page's URL sets a run: its query (?seed=N&batch=N&backend=cpu&preset=id)
// and its hash (every setting, and autostart, pretrained and hide flags: crates/web/src/link.rs).
// The address bar always holds the hash of the run's current settings; Copy link copies it.

import { api, session, call, $, setStatus, bound } from "./page.js";

let backendChoice; // the query's ?backend=, if it gave one: it holds for a recovered run too

// Run options from the URL's query. Bad values are ignored and named in `ignored`.
export function readOptions() {
  const params = new URLSearchParams(location.search);
  const options = {};
  const ignored = [];
  const int = (name, key) => {
    if (!params.has(name)) return undefined;
    const value = Number(params.get(name));
    const { min, max } = bound(key);
    if (Number.isInteger(value) && value >= min && value <= max) return value;
    ignored.push(name);
    return undefined;
  };
  const seed = int("seed", "seed");
  if (seed !== undefined) options.seed = seed;
  const batch = int("batch", "batchSize");
  if (batch !== undefined) options.batchSize = batch;
  if (params.has("preset")) options.preset = params.get("preset");
  if (params.has("backend")) {
    const backend = params.get("backend");
    if (backend === "cpu" || backend === "auto" || backend === "webgpu") options.backend = backend;
    else ignored.push("backend");
  }
  backendChoice = options.backend;
  return { options, ignored };
}

/** The link's backend choice, as options for a fresh run. */
export const linkBackend = () => (backendChoice ? { backend: backendChoice } : {});

// The URL's hash, parsed by the wasm module (before the run exists, so through `worker`): its
// settings go into `options`, its flags into api.link. Resolves with the names it could not use.
export async function readLink(worker, options) {
  const link = await worker("parseLink", { hash: location.hash });
  if (link.preset) options.preset = link.preset;
  for (const [key, value] of Object.entries(link.settings)) {
    if (value !== null && value !== undefined) options[key] = value;
  }
  api.link = { autostart: link.autostart, pretrained: link.pretrained, hide: link.hide };
  return link.ignored;
}

// The address bar takes the hash of the run's current settings.
export async function updateLink() {
  if (!session.call || !api.settings) return;
  const hash = await call("formatLink", {
    preset: api.preset || undefined,
    settings: api.settings,
    autostart: api.link.autostart,
    pretrained: api.link.pretrained && !!api.preset,
    hide: api.link.hide,
  });
  window.history.replaceState(null, "", hash);
  $("share-link").value = location.href;
}

// The Copy link button: to the clipboard, or selected for the learner to copy.
export async function copyLink() {
  await updateLink();
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus("Link copied: it opens this run's settings and seed.");
  } catch {
    $("share-link").select();
    setStatus("Copy the selected link: it opens this run's settings and seed.");
  }
}

// Panels a link hides (hide=settings,draw): every element marked data-panel="<name>" in
// index.html (a panel, its tab, its parts elsewhere on the page).
export function hidePanels(names) {
  for (const name of names) {
    for (const el of document.querySelectorAll(`[data-panel="${CSS.escape(name)}"]`)) el.classList.add("hidden-by-link");
  }
}
