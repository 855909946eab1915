// What every part of the page shares: the run's live state (`api`, which web/main.js also hands
// to automation as window.ganvas), the session with the training worker, the status line, the
// page's events, and the run's schema as the wasm module reports it. Imports nothing.

// The page's live state. Tests and teachers' scripts read it as window.ganvas.
export const api = {
  ready: false,
  running: false,
  inFlight: false, // the worker's training loop is running (after Pause, its last chunk still lands)
  step: 0,
  backend: null,
  backendNote: "",
  backendDetail: "", // the error or adapter behind backendNote, when there is one
  backendWhy: "", // on the CPU, why, in plain words (the status line and the badge's "?")
  lastStats: null,
  firstStepMs: null,
  chunk: 1,
  samplesDrawn: 0,
  errors: [],
  classifier: "waiting", // "waiting" | "loading" | "ready" | "failed"
  /** @type {import("./boundary").Quality} */
  metrics: null, // the last measurement: { step, classifierScore, fid, digitsCovered, histogram, ... }
  evaluations: 0,
  evalMs: null, // how long the last measurement took
  collapseWarning: false,
  picked: null, // the grid cell picked (0-63) by a click or the arrow keys, framed on the grid
  neighbours: null, // the last copy check: { sample, neighbours: [{ index, label, distance, ratio, verdict }] }
  dUpdates: 0,
  /** @type {import("./boundary").Schema} */
  schema: null, // the run's schema from the wasm module (ganvas_core::settings, resume, data)
  /** @type {import("./boundary").Settings} */
  settings: null, // every setting of the run (ganvas_core::settings::Settings)
  preset: null, // the preset last loaded, if the settings still match it
  /** @type {import("./boundary").Preset[]} */
  presets: [],
  presetLoads: 0, // presets loaded by their buttons (tests wait on it)
  latentDim: 0,
  conditional: false,
  digit: null, // the class the grid asks a conditional model for (null: column i asks for i % 10)
  stepsPerFrame: 0, // 0: sized by time
  restarts: 0,
  link: { autostart: false, pretrained: false, hide: [] }, // the share link's flags, kept in the links the page writes
  pretrainedStep: null, // the step of the shipped model a pretrained=1 link started from
  lastGood: null, // { step, at }: the last state kept (restored after a divergence or a lost GPU)
  snapshots: 0,
  diverged: false,
  recoveries: 0,
  pausedByHiding: false,
  measuring: false, // a quality measurement is under way (training waits for it)
  /** @type {string | null} */
  doing: null, // a task under way that the state names (restarting, resuming, loading a run)
  // The explorer's panels (web/explore.js, web/draw.js):
  interpolation: null, // the last strip: { mode, a, b, images }
  sliderDraws: 0,
  timelapse: { frames: 0, every: 0 },
  probe: null, // the last probe of the drawing pad: { realness, probabilities, guess }
  search: null, // the latent search: { steps, distance, running, cancelled }
  ownImages: 0, // how many of the learner's own images the page holds (web/own-images.js)
  compare: null, // the runs compared (web/compare.js): { runs: [{ name, step, losses, measurements }], differing, curve }
};

// The page's side of the training worker. `call` is set once the run is created (and replaced
// after a lost GPU); `generation` is bumped whenever the worker's run is replaced (Reset, new
// settings, a loaded file), so that a chunk in flight from the old run is dropped.
export const session = {
  /** @type {null | import("./boundary").Call} */
  call: null,
  generation: 0,
  crashed: false, // after a panic nothing more is asked of the module
  recovering: false, // a fresh worker is taking over (web/recovery.js)
  // Changes asked of the run other than training steps (see EDITS). A copy of the run taken with
  // the count unchanged since can be brought to the present step by training again: the run's
  // batches and noise come from its seed (web/autosave.js offers the step at leave that way).
  edits: 0,
  // The learner's own images (web/own-images.js): 784 bytes each, MNIST-like, in the order added.
  /** @type {Uint8Array[]} */
  ownImages: [],
};

// The worker's methods that change the run other than by training steps.
const EDITS = new Set(["create", "configure", "loadCheckpoint", "reset", "dStep", "gStep"]);

/**
 * The worker's `method`, once the run is up: resolves with the wasm method's result.
 * @type {import("./boundary").Call}
 */
export const call = (method, args = undefined, transfer = []) => {
  if (!session.call) return Promise.reject(new Error("the model is not running"));
  if (EDITS.has(method)) session.edits += 1;
  return session.call(method, args, transfer);
};

/** Whether the run can be asked anything: created, and the module not crashed. */
export const live = () => session.call !== null && !session.crashed;

/** Training, or its last chunk still in flight. */
export const isBusy = () => api.running || api.inFlight;

/** @param {string} id @returns {any} */
export const $ = (id) => document.getElementById(id);

export function setStatus(text, isError = false) {
  const el = $("status");
  el.textContent = text; // text only: nothing here is ever parsed as HTML
  el.classList.toggle("error", isError);
  showState();
}

// What the run is doing now, in a word beside the status line: loading, ready, training, paused,
// measuring (training waits while the samples are measured), restarting, resuming, loading a run,
// recovering, diverged or stopped. `api.doing` names a task under way that is none of the others.
export function showState() {
  const state = session.crashed
    ? "stopped"
    : session.recovering
      ? "recovering"
      : api.diverged
        ? "diverged"
        : api.doing || (api.measuring ? "measuring" : api.running ? "training" : !api.ready ? "loading" : api.step > 0 ? "paused" : "ready");
  const el = $("state");
  if (el.dataset.state === state) return;
  el.dataset.state = state;
  el.textContent = state;
}

/**
 * Shows `doing` as the run's state while `task` runs.
 * @template T @param {string} doing @param {() => Promise<T>} task @returns {Promise<T>}
 */
export async function whileDoing(doing, task) {
  const before = api.doing;
  api.doing = doing;
  showState();
  try {
    return await task();
  } finally {
    api.doing = before;
    showState();
  }
}

// The page's events, for the panels that follow the run:
// ready (the run is up), restart (a new or loaded run is shown), stats (a chunk's statistics),
// samples (the grid was drawn: pixels, step), pick (a grid cell was picked: index),
// snapshot (the run was kept in memory: bytes, { step, edits, settings, preset }), paused (training was
// paused by the learner or by hiding the tab).
const listeners = { ready: [], restart: [], stats: [], samples: [], pick: [], snapshot: [], paused: [] };

/** @param {keyof typeof listeners} name @param {(...args: any[]) => void} listener */
export function on(name, listener) {
  listeners[name].push(listener);
}

/** @param {keyof typeof listeners} name @param {...any} args */
export function emit(name, ...args) {
  for (const listener of listeners[name]) listener(...args);
}

// Step buttons, settings and presets run one after another, in the order they were asked for.
let queue = Promise.resolve();
/** @template {any[]} A @param {(...args: A) => Promise<void>} f @returns {(...args: A) => Promise<void>} */
export const serial =
  (f) =>
  (...args) =>
    (queue = queue.then(() => f(...args)));

// A setting's bounds, from the run's schema (ganvas_core::settings::BOUNDS).
export function bound(key) {
  return api.schema.bounds.find((b) => b.key === key);
}

// A data set's description in the run's schema (ganvas_core::data::Dataset), MNIST if unknown.
export function datasetInfo(id) {
  const all = api.schema.datasets;
  return all.find((d) => d.id === id) || all[0];
}

export async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A data set's images and labels (gzipped IDX files under data/); for the learner's own images,
 * the images themselves (784 bytes each) and no labels. Throws where there are too few of them.
 * @returns {Promise<Uint8Array[]>}
 */
export async function fetchDataset(id) {
  if (id === "own") return [ownImageBytes(), new Uint8Array(0)];
  return Promise.all(datasetInfo(id).files.map((file) => fetchBytes(`data/${file}`)));
}

/** The learner's own images in one array, once there are enough of them to train on. */
export function ownImageBytes() {
  const { min } = api.schema.ownImages;
  const n = session.ownImages.length;
  if (n < min) {
    throw new Error(
      `a run needs at least ${min} of your own images and there ${n === 1 ? "is 1" : `are ${n}`}: add more in the "Your images" panel`,
    );
  }
  const bytes = new Uint8Array(n * 784);
  session.ownImages.forEach((image, i) => bytes.set(image, i * 784));
  return bytes;
}

// What the discriminator tells the generator's images from, in the page's opening sentence.
const LEDE = { mnist: "real handwritten digits", fashion: "real photos of clothes", own: "your own images" };

// The run's settings and shape, as the worker reports them after create and configure.
export function describe(info) {
  api.settings = info.settings;
  api.latentDim = info.latentDim;
  api.conditional = info.conditional;
  const dataset = datasetInfo(info.settings.dataset);
  $("dataset-name").textContent = dataset.name;
  $("lede-data").textContent = LEDE[dataset.id] || LEDE.mnist;
  $("digit-picker-box").hidden = !info.conditional;
  if (!info.conditional) api.digit = null;
  // The picker names the classes of the data set in use.
  for (const o of $("digit-picker").options) {
    if (o.value === "") continue;
    const c = Number(o.value);
    o.textContent = dataset.id === "mnist" ? `only ${c}s` : `only: ${dataset.classes[c]}`;
  }
}
