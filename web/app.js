// Ganvas page logic: loads the data, starts the training worker (web/worker.js, which runs the wasm
// module and the training loop), tells it to play and pause, and draws the chunks of steps it
// reports: the digits and plots. No framework, no network beyond this page's own files.
"use strict";

(() => {
  // Time aimed for per chunk of steps in the worker: the plots and counters update this often.
  const CHUNK_BUDGET_MS = 60;
  const MAX_CHUNK = 64;
  const SAMPLE_EVERY_MS = 500;
  const MAX_POINTS = 4000;
  // The measuring classifier: loaded after the first training step, so it never delays it.
  const CLASSIFIER = "models/classifier.ganvas";
  // Samples per measurement (FID and the classifier score are biased upwards at small counts).
  const EVAL_SAMPLES = 256;
  // Measuring takes at most this share of the time: the next measurement waits until training has
  // run for (last measurement's duration) / EVAL_SHARE, and at least EVAL_MIN_GAP_MS.
  const EVAL_SHARE = 0.2;
  const EVAL_MIN_GAP_MS = 1500;
  // A drop of this many covered digits below the best so far raises the mode-collapse warning.
  const COLLAPSE_DROP = 2;
  // Diversity (mean distance between samples / the same for real images) below this: the samples
  // are near copies of each other. Real images score 1, an untrained generator about 0.13, a
  // collapsed one under 0.01 (README, "Teaching with Ganvas").
  const COLLAPSED_DIVERSITY = 0.05;
  // The run is kept (in memory, and in IndexedDB by web/persist.js) after its first chunk of
  // steps and then every this much training time: a reload or a lost GPU costs at most this much.
  const SNAPSHOT_EVERY_MS = 30000;
  // A lost GPU or a crash is recovered at most this many times a minute (a bug would loop).
  const MAX_RECOVERIES_PER_MINUTE = 3;

  // For automation and teachers' scripts: the page's live state.
  const api = (window.ganvas = {
    ready: false,
    running: false,
    inFlight: false, // the worker's training loop is running (after Pause, its last chunk still lands)
    step: 0,
    backend: null,
    backendNote: "",
    backendDetail: "", // the error or adapter behind backendNote, when there is one
    lastStats: null,
    firstStepMs: null,
    chunk: 1,
    samplesDrawn: 0,
    errors: [],
    classifier: "waiting", // "waiting" | "loading" | "ready" | "failed"
    metrics: null, // the last measurement: { step, classifierScore, fid, digitsCovered, histogram, ... }
    evaluations: 0,
    evalMs: null, // how long the last measurement took
    collapseWarning: false,
    neighbours: null, // the last copy check: { sample, neighbours: [{ index, label, distance, ratio, verdict }] }
    dUpdates: 0,
    settings: null, // every setting of the run (see crates/web/src/options.rs)
    preset: null, // the preset last loaded, if the settings still match it
    presets: [],
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
  });
  // For the page's other scripts (web/classroom.js, web/explore.js).
  const page = (window.ganvasPage = {
    api,
    hooks: { ready: [], samples: [], restart: [], stats: [], pick: [], snapshot: [] },
  });
  const emit = (name, ...args) => page.hooks[name].forEach((f) => f(...args));

  let run = null; // the training worker, once the model is built
  let history = []; // { step, dLoss, gLoss, dReal, dFake }
  let speedMarks = []; // [time, step]
  let lastSampleAt = 0;
  let crashed = false;
  let generation = 0; // bumped by Reset, so a chunk in flight from the old run is dropped
  let classifierBytes = null; // a promise of the classifier file, fetched once the model is up
  let quality = []; // measurements of this run
  let bestCovered = 0;
  let lastEval = { step: -1, endedAt: 0, ms: 0 };
  // A new run's first measurement is of its untrained generator (kept in the worker at step 0),
  // so the quality plot starts where the run did: at step 0, with no digit covered.
  let untrainedDue = true;
  let worker = null; // the training worker (replaced after a lost GPU)
  let lastGood = null; // { bytes, step }: the latest checkpoint taken while the losses were finite
  let trainedMs = 0; // training time of this page, for the snapshot cadence
  let snapshotDueAt = 0; // trainedMs at which the next snapshot is taken (0: after the next chunk)
  let recoveryTimes = [];
  let backendChoice; // the link's ?backend=, if it gave one
  let recovering = false;
  let stoppedByErrorAt = -Infinity; // when a failed chunk stopped training (see onChunkError)

  const $ = (id) => document.getElementById(id);
  const history_ = window.history; // the browser's; `history` below is the run's loss history

  function setStatus(text, isError = false) {
    const el = $("status");
    el.textContent = text; // text only: nothing here is ever parsed as HTML
    el.classList.toggle("error", isError);
  }

  function fail(text) {
    api.errors.push(text);
    setStatus(text, true);
    stop();
  }

  // After a panic the wasm module cannot be trusted, so training ends.
  function crash(message) {
    crashed = true;
    fail(`The training code crashed: ${message}. Reload the page to start again.`);
    $("train").disabled = true;
    $("reset").disabled = true;
  }

  // The worker, behind promises: call("trainSteps", { n }) resolves with the wasm method's result.
  function startWorker() {
    const w = new Worker(new URL("worker.js", document.baseURI), { type: "module" });
    worker = w;
    const pending = new Map();
    let next = 0;
    w.onmessage = ({ data }) => {
      if (w !== worker) return; // a worker replaced after a lost GPU
      if (data.deviceLost !== undefined) {
        for (const { reject } of pending.values()) reject(new Error(`the GPU was lost (${data.deviceLost})`));
        pending.clear();
        recover(`the GPU was lost (${data.deviceLost})`);
        return;
      }
      if (data.panic !== undefined) {
        for (const { reject } of pending.values()) reject(new Error("the training code crashed"));
        pending.clear();
        if (lastGood && canRecover()) recover(`the training code crashed (${data.panic})`);
        else crash(data.panic);
        return;
      }
      if (data.chunk !== undefined) return onChunk(data.chunk);
      if (data.chunkError !== undefined) return onChunkError(data.chunkError);
      if (data.stopped !== undefined) return onStopped();
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (!waiting) return;
      if (data.ok) waiting.resolve(data.value);
      else waiting.reject(new Error(data.error));
    };
    w.onerror = (event) => {
      event.preventDefault();
      const error = new Error(event.message || "the training worker failed to start");
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
    };
    return (method, args, transfer = []) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        w.postMessage({ id, method, args }, transfer);
      });
  }

  window.addEventListener("error", (event) => {
    if (!api.ready && !crashed) {
      fail(`The page could not start: ${event.message || "a script failed to load"}.`);
    }
  });
  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason && event.reason.message ? event.reason.message : String(event.reason);
    if (!api.ready && !crashed) fail(`The page could not start: ${reason}.`);
  });

  // The data set a run will use: its options name it, or its preset does (asked of the module).
  async function datasetOf(call, options) {
    if (options.dataset) return options.dataset;
    if (!options.preset) return "mnist";
    const presets = await call("presetList");
    const p = presets.find((x) => x.id === options.preset);
    return (p && p.settings.dataset) || "mnist";
  }

  // A data set's description in the run's schema (ganvas_core::data::Dataset), MNIST if unknown.
  function datasetInfo(id) {
    const all = api.schema.datasets;
    return all.find((d) => d.id === id) || all[0];
  }
  page.datasetInfo = datasetInfo;

  function fetchDataset(id) {
    return Promise.all(datasetInfo(id).files.map((file) => fetchBytes(`data/${file}`)));
  }
  page.fetchDataset = fetchDataset;

  // The run's settings and shape, as the worker reports them after create and configure.
  function describe(info) {
    api.settings = info.settings;
    api.latentDim = info.latentDim;
    api.conditional = info.conditional;
    const dataset = datasetInfo(info.settings.dataset);
    $("dataset-name").textContent = dataset.name;
    $("digit-picker-box").hidden = !info.conditional;
    if (!info.conditional) api.digit = null;
    // The picker names the classes of the data set in use.
    for (const o of $("digit-picker").options) {
      if (o.value === "") continue;
      const c = Number(o.value);
      o.textContent = dataset.id === "mnist" ? `only ${c}s` : `only: ${dataset.classes[c]}`;
    }
  }
  page.describe = describe;

  async function fetchBytes(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  // A setting's bounds, from the run's schema (ganvas_core::settings::BOUNDS).
  function bound(key) {
    return api.schema.bounds.find((b) => b.key === key);
  }
  page.bound = bound;

  // Run options from the page's URL: ?seed=N&batch=N&backend=cpu. Bad values are ignored, with a note.
  function readOptions() {
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
    return { options, ignored };
  }

  // Trunk writes the hashed names of the wasm module and its JS glue into this tag (Trunk.toml's
  // pattern_script), so the worker, not the page, loads them.
  function wasmUrls() {
    const tag = document.querySelector('meta[name="ganvas-wasm"]');
    if (!tag) throw new Error("this page was not built by Trunk (no ganvas-wasm tag)");
    return {
      js: new URL(tag.dataset.js, document.baseURI).href,
      wasm: new URL(tag.dataset.wasm, document.baseURI).href,
      // The worker counts its GPU buffers only when asked (the soak does: tests/soak.mjs).
      gpuAccounting: new URLSearchParams(location.search).has("gpu-accounting"),
    };
  }

  async function start() {
    if (run || crashed) return;
    let call;
    try {
      call = startWorker();
      setStatus("Loading the model…");
      await call("load", wasmUrls());
      api.schema = await call("schema");
    } catch (error) {
      fail(`The model could not be loaded: ${error.message}. Reload the page to try again.`);
      return;
    }
    const { options, ignored } = readOptions();
    backendChoice = options.backend;
    // A share link's hash sets the run (see crates/web/src/link.rs); what it cannot set is named.
    if (location.hash.length > 1) {
      const link = await call("parseLink", { hash: location.hash });
      if (link.preset) options.preset = link.preset;
      for (const [key, value] of Object.entries(link.settings)) {
        if (value !== null && value !== undefined) options[key] = value;
      }
      api.link = { autostart: link.autostart, pretrained: link.pretrained, hide: link.hide };
      ignored.push(...link.ignored);
    }
    let images, labels;
    try {
      setStatus("Loading the images…");
      [images, labels] = await fetchDataset(await datasetOf(call, options));
    } catch (error) {
      fail(`The image data could not be loaded (${error.message}). Check the connection and reload.`);
      return;
    }
    let backend;
    try {
      setStatus("Starting the GPU…");
      backend = await call("create", { images, labels, options }, [images.buffer, labels.buffer]);
    } catch (error) {
      fail(`The model could not start: ${error.message}.`);
      return;
    }
    run = call;
    page.call = call;
    api.presets = backend.presets;
    describe(backend);
    classifierBytes = fetchBytes(CLASSIFIER);
    classifierBytes.catch(() => {}); // reported when it is used, after the first step
    showBackend(backend);
    drawGrid($("real"), await run("realDigits", { n: 64 }));
    await drawSamples();
    $("train").disabled = false;
    $("copy-link").disabled = false;
    $("reset").disabled = false;
    for (const id of ["save-run", "load-run", "export-png", "export-losses", "export-quality"]) $(id).disabled = false;
    api.ready = true;
    emit("ready");
    const notes = [];
    if (backend.backendDetail) notes.push(`Training on the CPU: ${backend.backendDetail}.`);
    if (ignored.length) notes.push(`Ignored bad link settings: ${ignored.join(", ")}.`);
    if (api.link.pretrained) {
      const note = await startPretrained(options.preset);
      if (note) notes.push(note);
      page.updateLink(); // pretrained=1 stays in the link only where it applied
    }
    setStatus(["Ready. Press Train.", ...notes].join(" "));
    hidePanels(api.link.hide);
    if (api.link.autostart) go();
  }

  // pretrained=1: the preset's shipped model (www/models/<preset>.ganvas, from `cargo xtask
  // pretrain`). Returns a note for the status line.
  async function startPretrained(preset) {
    if (!preset) return "Ignored pretrained=1: the link names no preset.";
    let bytes;
    try {
      // Which presets ship a model: written by `cargo xtask pretrain`.
      const shipped = JSON.parse(new TextDecoder().decode(await fetchBytes("models/pretrained.json")));
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
      return `Starting from the pretrained "${preset}" model, trained for ${result.step} steps.`;
    } catch (error) {
      api.link.pretrained = false;
      return `The pretrained model could not be loaded (${error.message}), so training starts from scratch.`;
    }
  }

  // The backend a worker's run got, in the badge.
  function showBackend(backend) {
    api.backend = backend.backend;
    api.backendNote = backend.backendNote;
    api.backendDetail = backend.backendDetail || "";
    const badge = $("backend");
    badge.textContent = api.backend === "WebGPU" ? "WebGPU" : `CPU (${api.backendNote})`;
    badge.className = `badge ${api.backend === "WebGPU" ? "gpu" : "cpu"}`;
  }

  // The Train/Pause button. The status says what the learner now sees: paused, or training on.
  function toggle() {
    if (api.running) {
      stop();
      setStatus("Paused. Press Train to go on from here.");
      return;
    }
    go();
    if (api.running && api.firstStepMs !== null) {
      setStatus(`Training on ${api.backend === "WebGPU" ? "the GPU (WebGPU)" : "the CPU"}.`);
    }
  }

  function go() {
    if (!run || crashed || api.running) return;
    api.running = true;
    $("train").textContent = "Pause";
    $("train").classList.add("running");
    if (api.firstStepMs === null) {
      setStatus(
        api.backend === "WebGPU"
          ? "Preparing the GPU kernels for the first step…"
          : "Training on the CPU…",
      );
    }
    play();
  }

  // Pause: the worker stops after the chunk in flight, whose statistics still arrive.
  function stop() {
    api.running = false;
    $("train").textContent = "Train";
    $("train").classList.remove("running");
    if (run && !crashed) run("pause").catch(() => {});
  }

  // The worker trains chunk after chunk on its own (web/worker.js); the page hears of each chunk
  // here, draws it, and asks in between for what is due: a snapshot, the samples, a measurement.
  // The worker serves those requests between two chunks. `token` is the run's generation when
  // Train was pressed: chunks of a run replaced since (Reset, new settings) are dropped.
  function onChunk({ token, stats, ms, n }) {
    if (token !== generation || crashed || api.diverged) return;
    api.chunk = n;
    trainedMs += ms;
    if (api.firstStepMs === null) {
      api.firstStepMs = ms;
      if (api.running) setStatus(`Training. The first step took ${(ms / 1000).toFixed(1)} s.`);
      loadClassifier();
    }
    record(stats);
    if (![stats.dLoss, stats.gLoss, stats.dReal, stats.dFake, stats.gGrad].every(Number.isFinite)) {
      diverged(stats);
      return;
    }
    betweenChunks(token);
  }

  function onChunkError({ token, message }) {
    if (crashed || recovering || token !== generation) return;
    // On WebGPU a failed chunk can be the first sign of a lost device, whose recovery follows: it
    // trains on if training was on.
    if (api.running) stoppedByErrorAt = performance.now();
    fail(`Training stopped: ${message}.`);
  }

  // The loop in the worker ended (after Pause, a divergence or an error): nothing is in flight.
  function onStopped() {
    api.inFlight = false;
    // Pause, then Train again before the worker had stopped: start it again.
    if (api.running && !crashed) play();
  }

  let sideTasks = false; // one round of requests between chunks at a time
  async function betweenChunks(current) {
    if (sideTasks) return;
    sideTasks = true;
    try {
      if (trainedMs >= snapshotDueAt) await snapshot();
      if (current === generation && performance.now() - lastSampleAt > SAMPLE_EVERY_MS) await drawSamples();
      if (current === generation && evaluationDue()) await evaluate(current);
    } finally {
      sideTasks = false;
    }
  }

  // Tells the worker to train (or, while it does, at which pace).
  function play() {
    if (!run) return;
    api.inFlight = true;
    const pace = { token: generation, stepsPerFrame: api.stepsPerFrame, budgetMs: CHUNK_BUDGET_MS, maxChunk: MAX_CHUNK };
    run("play", pace).catch((error) => {
      if (!crashed && !recovering) fail(`Training could not start: ${error.message || error}.`);
    });
  }

  // A loss became NaN or infinite: pause, say so, and offer the last good state.
  function diverged(stats) {
    stop();
    api.diverged = true;
    const text =
      `Training diverged at step ${stats.step}: a loss became ${Number.isNaN(stats.dLoss) || Number.isNaN(stats.gLoss) ? "not a number (NaN)" : "infinite"}. ` +
      "The numbers in the networks grew too large to compute with, often because a learning rate is too high. Training is paused.";
    api.errors.push(text);
    setStatus(text, true);
    offerRestore(
      lastGood
        ? `Restore the run as it was at step ${lastGood.step}, then lower the learning rates before training on: the same settings will diverge again at the same step.`
        : "There is no earlier good state of this run to go back to: press Reset to start again.",
    );
  }

  function offerRestore(text) {
    $("restore-text").textContent = text;
    $("restore-good").hidden = !lastGood;
    $("restore-offer").hidden = false;
  }

  // Keeps the run as it is now (in memory, and via the snapshot hook in IndexedDB).
  async function snapshot() {
    snapshotDueAt = trainedMs + SNAPSHOT_EVERY_MS;
    if (!run || crashed) return null;
    let bytes, step;
    try {
      ({ bytes, step } = await run("checkpoint", historyTables()));
    } catch (error) {
      if (!crashed) setStatus(`The run could not be kept: ${error.message}.`);
      return null;
    }
    lastGood = { bytes, step };
    api.lastGood = { step, at: Date.now() };
    // Every 30 s of training: hand back pooled GPU memory nothing uses (see releaseMemory).
    run("releaseMemory").catch(() => {});
    api.snapshots += 1;
    emit("snapshot", bytes, { step, settings: api.settings, preset: api.preset });
    return lastGood;
  }
  page.snapshot = snapshot;

  // The run's history as the flat tables of a checkpoint, in the columns the schema names
  // (ganvas_core::resume's LOSS_COLUMNS and QUALITY_COLUMNS, in snake_case).
  const camel = (column) => column.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  function lossRow(h) {
    return api.schema.lossColumns.map((c) => h[camel(c)] ?? NaN);
  }
  function qualityRow(m) {
    return api.schema.qualityColumns.map((c) => (/^h\d$/.test(c) ? m.histogram[Number(c.slice(1))] : m[camel(c)]) ?? NaN);
  }
  function table(rows, toRow, columns) {
    const out = new Float64Array(rows.length * columns);
    rows.forEach((r, i) => out.set(toRow(r), i * columns));
    return out;
  }
  function historyTables() {
    const { lossColumns, qualityColumns } = api.schema;
    return {
      losses: table(history, lossRow, lossColumns.length),
      quality: table(quality, qualityRow, qualityColumns.length),
    };
  }
  page.historyTables = historyTables;

  // The inverse of historyTables: rows as objects keyed by the columns' camelCase names.
  function rowsOf(values, columns) {
    const rows = [];
    for (let i = 0; i + columns.length <= values.length; i += columns.length) {
      const row = {};
      columns.forEach((c, j) => (row[camel(c)] = values[i + j]));
      rows.push(row);
    }
    return rows;
  }
  function historyFromTables(losses, measured) {
    const { lossColumns, qualityColumns } = api.schema;
    const rows = rowsOf(losses, lossColumns);
    const ms = rowsOf(measured, qualityColumns).map((m) => {
      m.histogram = qualityColumns.filter((c) => /^h\d$/.test(c)).map((c) => m[c]);
      for (let d = 0; d < 10; d++) delete m[`h${d}`];
      return m;
    });
    return { rows, ms };
  }

  // Replaces the run with a checkpoint's (a Uint8Array). Throws, with the current run untouched,
  // when the file cannot be loaded. The run as it was becomes the last good state first, so a
  // wrong file loses nothing.
  async function loadRun(bytes) {
    if (!run || crashed) throw new Error("the model is not running");
    const info = await run("checkpointInfo", { bytes: bytes.slice() });
    stop();
    // Not while recovering: the fresh worker holds a new run at step 0, not the one being replaced.
    if (!recovering && !api.diverged && api.step > 0 && (!lastGood || lastGood.step !== api.step)) await snapshot();
    let files = {};
    if (info.settings.dataset !== api.settings.dataset) {
      const [images, labels] = await fetchDataset(info.settings.dataset);
      files = { images, labels };
    }
    const transfer = [bytes.buffer, ...(files.images ? [files.images.buffer, files.labels.buffer] : [])];
    const result = await run("loadCheckpoint", { bytes, ...files }, transfer);
    generation += 1;
    const datasetChanged = result.settings.dataset !== (api.settings && api.settings.dataset);
    describe(result);
    const { rows, ms } = historyFromTables(result.losses, result.quality);
    await showRun({ step: result.step, dUpdates: result.dUpdates, rows, ms });
    if (datasetChanged) await showData();
    // After a lost GPU, a fresh worker needs the classifier again.
    if (api.classifier === "waiting" && api.firstStepMs !== null) loadClassifier();
    page.updateLink();
    return result;
  }
  page.loadRun = loadRun;

  async function restoreGood() {
    if (!lastGood) return;
    const { bytes, step } = lastGood;
    try {
      await loadRun(bytes.slice());
      setStatus(`Restored the run at step ${step}. Lower the learning rates before training on.`);
    } catch (error) {
      setStatus(`The last good state could not be restored: ${error.message}.`, true);
    }
  }

  function canRecover() {
    const now = performance.now();
    recoveryTimes = recoveryTimes.filter((t) => now - t < 60000);
    return recoveryTimes.length < MAX_RECOVERIES_PER_MINUTE;
  }

  // The GPU was lost (or the training code crashed): a fresh worker, a fresh device (WebGPU if
  // the browser gives one, else the CPU), and the last good state.
  async function recover(reason) {
    if (recovering || crashed) return;
    if (!canRecover()) {
      crash(`${reason}, again and again`);
      return;
    }
    recovering = true;
    recoveryTimes.push(performance.now());
    const wasRunning = api.running || api.pausedByHiding || performance.now() - stoppedByErrorAt < 10000;
    stop();
    generation += 1;
    const old = worker;
    const from = lastGood ? `step ${lastGood.step}` : "step 0 (nothing was kept yet)";
    setStatus(`Training stopped: ${reason}. Recovering the run from ${from}…`, true);
    $("train").disabled = true;
    try {
      old.terminate();
      api.inFlight = false; // the old worker's loop is gone with it
      const call = startWorker();
      await call("load", wasmUrls());
      const [images, labels] = await fetchDataset(api.settings.dataset);
      // The link's backend choice holds for the fresh worker too.
      const options = backendChoice ? { ...api.settings, backend: backendChoice } : { ...api.settings };
      const backend = await call("create", { images, labels, options }, [images.buffer, labels.buffer]);
      run = call;
      page.call = call;
      showBackend(backend);
      if (api.classifier === "ready" || api.classifier === "loading") api.classifier = "waiting";
      if (lastGood) await loadRun(lastGood.bytes.slice());
      else {
        describe(backend);
        await showRun();
      }
      if (api.classifier === "waiting" && api.firstStepMs !== null) loadClassifier();
      api.recoveries += 1;
      setStatus(`Recovered after ${reason}: the run is back at step ${api.step}, on ${api.backend === "WebGPU" ? "WebGPU" : "the CPU"}.`);
      $("train").disabled = false;
      recovering = false;
      if (wasRunning) go();
    } catch (error) {
      recovering = false;
      crash(`${reason}, and recovering failed: ${error.message}`);
    }
  }

  // A hidden tab pauses training (the browser would throttle it anyway) and keeps the run.
  function onVisibility() {
    if (document.hidden) {
      if (api.running) {
        api.pausedByHiding = true;
        stop(); // web/persist.js keeps the run as it is now
        setStatus("Paused while the tab is hidden.");
      }
    } else if (api.pausedByHiding) {
      api.pausedByHiding = false;
      setStatus("Training again: the tab is visible.");
      go();
    }
  }

  function record(stats) {
    api.lastStats = stats;
    api.step = stats.step;
    history.push(stats);
    if (history.length > MAX_POINTS) history = history.filter((_, i) => i % 2 === 0);
    $("step").textContent = String(stats.step);
    setDUpdates(stats.dUpdates);
    emit("stats", stats);
    const now = performance.now();
    speedMarks.push([now, stats.step]);
    while (speedMarks.length > 2 && now - speedMarks[0][0] > 2000) speedMarks.shift();
    const [t0, s0] = speedMarks[0];
    const speed = now > t0 ? ((stats.step - s0) * 1000) / (now - t0) : 0;
    $("speed").textContent = speed >= 10 ? speed.toFixed(0) : speed.toFixed(1);
    drawPlots();
  }

  function setDUpdates(n) {
    if (n === undefined) return;
    api.dUpdates = n;
    $("d-updates").textContent = String(n);
  }

  async function drawSamples() {
    lastSampleAt = performance.now();
    const step = api.step;
    let pixels;
    try {
      pixels = await run("samples", api.digit === null ? {} : { digit: api.digit });
    } catch (error) {
      // A lost GPU shows up here first; the recovery that follows says what happened.
      if (!crashed && !recovering) setStatus(`Drawing the samples failed: ${error.message}.`, true);
      return;
    }
    drawGrid($("samples"), pixels);
    api.samplesDrawn += 1;
    if (api.digit === null) emit("samples", pixels, step);
  }
  page.drawSamples = drawSamples;

  // A D step or G step from the step buttons: counters and plots as for training. D steps have no
  // G loss yet: the last one is kept for the plot.
  page.recordStep = (result) => {
    const last = api.lastStats || { dLoss: NaN, gLoss: NaN, dReal: NaN, dFake: NaN, gGrad: NaN };
    const stats = {
      step: result.step,
      dUpdates: result.dUpdates,
      dLoss: result.dLoss ?? last.dLoss,
      gLoss: result.gLoss ?? last.gLoss,
      dReal: result.dReal ?? last.dReal,
      dFake: result.dFake ?? last.dFake,
      gGrad: result.gGrad ?? last.gGrad,
    };
    if (api.firstStepMs === null) {
      api.firstStepMs = 1;
      loadClassifier();
    }
    record(stats);
  };
  page.isBusy = () => api.running || api.inFlight;
  page.setStatus = setStatus;
  page.stop = stop;

  async function reset() {
    if (!run || crashed) return;
    stop();
    generation += 1;
    await run("reset");
    await showRun();
    setStatus("Reset to step 0 with the same seed. Press Train.");
  }

  // Every panel shows the run the worker now holds: a new one at step 0 (Reset, new settings), or
  // a loaded one with its counters and history (`rows` of losses, `ms` of measurements).
  async function showRun({ step = 0, dUpdates = 0, rows = [], ms = [] } = {}) {
    snapshotDueAt = trainedMs; // kept again after the next chunk trains finitely
    api.diverged = false;
    $("restore-offer").hidden = true;
    history = rows;
    quality = ms;
    speedMarks = [];
    api.step = step;
    api.lastStats = history.length ? history[history.length - 1] : null;
    $("step").textContent = String(step);
    $("speed").textContent = "0";
    bestCovered = Math.max(0, ...quality.map((m) => m.digitsCovered));
    untrainedDue = step === 0 && rows.length === 0;
    // A new run is measured from its first step; a loaded one once it has trained past its file.
    lastEval =
      step > 0 || rows.length > 0
        ? { step, endedAt: performance.now(), ms: lastEval.ms || api.firstStepMs || 0 }
        : { step: -1, endedAt: performance.now(), ms: api.firstStepMs || 0 };
    api.metrics = quality.length ? quality[quality.length - 1] : null;
    api.collapseWarning = false;
    drawPlots();
    drawQuality();
    showNeighboursHint();
    setDUpdates(dUpdates);
    api.restarts += 1;
    emit("restart");
    await drawSamples();
  }

  // The run's data set changed: its real images, and the classifier only where it measures them.
  async function showData() {
    if (api.classifier === "ready" && api.settings.dataset !== "mnist") api.classifier = "waiting";
    drawGrid($("real"), await run("realDigits", { n: 64 }));
    if (api.classifier === "waiting" && api.firstStepMs !== null) loadClassifier();
  }

  // New settings: live ones apply to the running run; others start a new run (the worker decides).
  // Resolves with "live" or "restarted".
  page.configure = async (options) => {
    if (!run || crashed) throw new Error("the model is not running");
    const wasRunning = api.running;
    let files = {};
    if (options.dataset && api.settings && options.dataset !== api.settings.dataset) {
      const [images, labels] = await fetchDataset(options.dataset);
      files = { images, labels };
    }
    // A chunk in flight finishes first: the worker answers in order.
    const result = await run("configure", { options, ...files }, files.images ? [files.images.buffer, files.labels.buffer] : []);
    describe(result);
    if (result.how === "restarted") {
      stop();
      generation += 1;
      await showRun();
      await showData();
    } else if (wasRunning && !api.running) {
      go();
    }
    return result.how;
  };

  // The classifier goes to the worker after the first step; a failure turns the quality panel off,
  // not training.
  async function loadClassifier() {
    if (api.classifier !== "waiting" || !classifierBytes) return;
    if (api.settings && api.settings.dataset !== "mnist") {
      $("quality-readout").textContent =
        "The measuring classifier knows handwritten digits only: it measures MNIST runs, not this one.";
      return;
    }
    api.classifier = "loading";
    $("quality-readout").textContent = "Loading the classifier…";
    try {
      const bytes = await classifierBytes;
      await run("loadClassifier", { bytes: bytes.slice() });
      api.classifier = "ready";
      $("quality-samples").textContent = String(EVAL_SAMPLES);
      // Until a measurement has been timed, the first step stands in for its cost (both compile
      // kernels first): on a slow GPU, training runs for a while before the first measurement.
      lastEval = { step: -1, endedAt: performance.now(), ms: api.firstStepMs };
      $("quality-readout").textContent = "The first measurement comes after a little training…";
    } catch (error) {
      api.classifier = "failed";
      const text = `The quality panel is off: the classifier could not be loaded (${error.message}). Training is not affected.`;
      $("quality-readout").textContent = text;
      setStatus(text);
    }
  }

  function evaluationDue() {
    if (api.classifier !== "ready" || api.step === lastEval.step) return false;
    if (api.settings && api.settings.dataset !== "mnist") return false;
    const gap = Math.max(EVAL_MIN_GAP_MS, lastEval.ms / EVAL_SHARE);
    return performance.now() - lastEval.endedAt >= gap;
  }

  async function evaluate(current) {
    const t0 = performance.now();
    const untrained = untrainedDue;
    untrainedDue = false;
    let metrics;
    try {
      metrics = await run("evaluate", { n: EVAL_SAMPLES, untrained });
    } catch (error) {
      if (crashed) return;
      api.classifier = "failed";
      $("quality-readout").textContent = `Measuring stopped: ${error.message}. Training goes on.`;
      return;
    } finally {
      lastEval = { step: api.step, endedAt: performance.now(), ms: performance.now() - t0 };
    }
    // A measurement allocates beside training: hand back what the pools keep of it.
    run("releaseMemory").catch(() => {});
    if (current !== generation) return;
    api.metrics = metrics;
    api.evaluations += 1;
    api.evalMs = lastEval.ms;
    quality.push(metrics);
    drawQuality();
  }

  function drawQuality() {
    const css = getComputedStyle(document.documentElement);
    const steps = quality.map((m) => m.step);
    plot($("quality-plot"), steps, [], null, [
      {
        title: "classifier score",
        series: [{ values: quality.map((m) => m.classifierScore), color: css.getPropertyValue("--g").trim(), alpha: 1, width: 2 }],
        range: [1, 10],
      },
      {
        title: "FID (log scale)",
        series: [{ values: quality.map((m) => m.fid), color: css.getPropertyValue("--d").trim(), alpha: 1, width: 2 }],
        log: true,
      },
    ]);
    drawHistogram(api.metrics);
    const m = api.metrics;
    if (!m) {
      if (api.classifier === "ready" || api.classifier === "waiting") {
        $("quality-readout").textContent = "Measured once training starts.";
      }
      $("coverage-readout").textContent = "Which digits are being drawn appears here.";
      $("collapse-warning").hidden = true;
      return;
    }
    $("quality-readout").textContent =
      `Step ${m.step}: classifier score ${m.classifierScore.toFixed(2)}, FID ${m.fid.toFixed(1)}, ` +
      `copies ${(m.copyRate * 100).toFixed(1)}%, diversity ${m.diversity.toFixed(2)} (${m.samples} samples).`;
    bestCovered = Math.max(bestCovered, m.digitsCovered);
    $("coverage-readout").textContent = `${m.digitsCovered} of 10 digits are being drawn.`;
    const warning = $("collapse-warning");
    const fewer = m.digitsCovered <= bestCovered - COLLAPSE_DROP;
    const same = m.step > 0 && m.diversity < COLLAPSED_DIVERSITY;
    api.collapseWarning = fewer || same;
    warning.hidden = !api.collapseWarning;
    warning.textContent = same
      ? `Mode collapse: the generator draws almost the same image every time (diversity ` +
        `${m.diversity.toFixed(3)}; real digits: 1). It found one image that fooled the discriminator once and stopped exploring.`
      : fewer
        ? `Mode collapse? The generator now draws only ${m.digitsCovered} of 10 digits; earlier it drew ` +
          `${bestCovered}. It is making fewer kinds of digits, a common way for GANs to fail.`
        : "";
  }

  // Ten bars, built from text and styles only (no HTML strings). Bars use at most 85% of the height,
  // leaving room for the count above them.
  function drawHistogram(m) {
    const counts = m ? m.histogram : new Array(10).fill(0);
    const total = m ? m.samples : 1;
    const bar5 = 0.05 * total;
    const top = Math.max(1, ...counts, bar5);
    const plotArea = document.createElement("div");
    plotArea.className = "bars";
    const labels = document.createElement("div");
    labels.className = "labels";
    if (m) {
      const line = document.createElement("div");
      line.className = "threshold";
      line.style.bottom = `${(bar5 / top) * 85}%`;
      plotArea.append(line);
    }
    counts.forEach((count, digit) => {
      const col = document.createElement("div");
      col.className = "col";
      const n = document.createElement("span");
      n.className = "count";
      n.textContent = m ? String(count) : "";
      const bar = document.createElement("div");
      bar.className = m && count >= bar5 ? "bar on" : "bar";
      bar.style.height = `${(count / top) * 85}%`;
      col.append(n, bar);
      plotArea.append(col);
      const label = document.createElement("span");
      label.textContent = String(digit);
      labels.append(label);
    });
    const box = $("class-histogram");
    box.replaceChildren(plotArea, labels);
    box.setAttribute(
      "aria-label",
      m
        ? `Digits drawn, out of ${total} samples: ${counts.map((c, d) => `${d}: ${c}`).join(", ")}`
        : "Which digits the generator draws: not measured yet",
    );
  }

  function showNeighboursHint(text) {
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent =
      text || "Click any generated digit above to see the 5 training digits nearest to it: is it new, or a copy?";
    $("neighbours").replaceChildren(p);
  }

  const VERDICT_WORDS = {
    novel: "novel: its nearest training digit is about as far away as a real digit's nearest usually is.",
    "close to a training digit": "close to a training digit: nearer than most real digits are to theirs.",
    copy: "a copy: it is almost the same image as a training digit.",
  };

  // A click picks the digit under the pointer; with the keyboard, the arrow keys move the pick and
  // Enter or Space checks it.
  let picked = 0;

  function onSamplesClick(event) {
    const rect = $("samples").getBoundingClientRect();
    const col = Math.floor(((event.clientX - rect.left) / rect.width) * 8);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * 8);
    if (col < 0 || col > 7 || row < 0 || row > 7) return;
    picked = row * 8 + col;
    emit("pick", picked);
    showNeighbours(picked);
  }

  function onSamplesKey(event) {
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -8, ArrowDown: 8 };
    if (event.key in moves) {
      event.preventDefault();
      picked = Math.min(63, Math.max(0, picked + moves[event.key]));
      $("samples").setAttribute(
        "aria-label",
        `Generated digits. Picked: row ${Math.floor(picked / 8) + 1}, column ${(picked % 8) + 1}. Press Enter to check it for copying.`,
      );
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      emit("pick", picked);
      showNeighbours(picked);
    }
  }

  async function showNeighbours(index) {
    if (!run || crashed) return;
    const row = Math.floor(index / 8);
    const col = index % 8;
    if (api.classifier !== "ready") {
      showNeighboursHint(
        api.classifier === "failed"
          ? "The copy check needs the classifier's data, which could not be loaded."
          : "The copy check starts with training: press Train, then click a digit.",
      );
      return;
    }
    let result;
    try {
      result = await run("neighbours", { index, k: 5 });
    } catch (error) {
      if (!crashed) showNeighboursHint(`The copy check failed: ${error.message}.`);
      return;
    }
    api.neighbours = { sample: index, neighbours: result.neighbours };
    const pick = document.createElement("div");
    pick.className = "pick";
    pick.append(digitCanvas(result.sample, 0, "the generated image"));
    const caption = document.createElement("p");
    caption.textContent = `Generated digit (row ${row + 1}, column ${col + 1})`;
    pick.append(caption);
    const list = document.createElement("ol");
    list.className = "near";
    result.neighbours.forEach((n, i) => {
      const item = document.createElement("li");
      item.append(digitCanvas(result.pixels, i, `training image ${i + 1}: a ${n.label}`));
      const text = document.createElement("span");
      text.textContent = `a ${n.label}, distance ${n.distance.toFixed(2)} (${n.ratio.toFixed(2)}× typical)`;
      item.append(text);
      list.append(item);
    });
    const verdict = document.createElement("p");
    const nearest = result.neighbours[0];
    const far = nearest.verdict === "novel" && nearest.ratio > 1.5;
    verdict.className = `verdict ${nearest.verdict === "novel" ? "novel" : nearest.verdict === "copy" ? "copy" : "close"}`;
    verdict.textContent = far
      ? "Verdict: novel, and far from every training digit: new, but perhaps not yet a digit."
      : `Verdict: ${VERDICT_WORDS[nearest.verdict] || nearest.verdict}`;
    const heading = document.createElement("p");
    heading.className = "hint";
    heading.textContent =
      "Its 5 nearest training digits (pixel distance; \"typical\" is the median distance from a real unseen digit to its nearest training digit):";
    $("neighbours").replaceChildren(pick, heading, list, verdict);
  }

  // One 28x28 digit (the `n`th of `pixels`) on its own canvas, scaled up by CSS.
  function digitCanvas(pixels, n, label = "a 28 by 28 image") {
    const canvas = document.createElement("canvas");
    canvas.width = 28;
    canvas.height = 28;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round((pixels[n * 784 + i] + 1) * 127.5);
      image.data[i * 4] = image.data[i * 4 + 1] = image.data[i * 4 + 2] = v;
      image.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    return canvas;
  }

  // 64 images of 28x28 pixels in [-1, 1], drawn 8x8 at one canvas pixel per image pixel; CSS
  // scales the canvas up with nearest-neighbour sampling, so digits stay crisp.
  function drawGrid(canvas, pixels, cols = 8) {
    const side = 28;
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(cols * side, cols * side);
    const count = Math.min(cols * cols, Math.floor(pixels.length / (side * side)));
    for (let n = 0; n < count; n++) {
      const ox = (n % cols) * side;
      const oy = Math.floor(n / cols) * side;
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const v = Math.round((pixels[n * side * side + y * side + x] + 1) * 127.5);
          const at = ((oy + y) * cols * side + ox + x) * 4;
          image.data[at] = image.data[at + 1] = image.data[at + 2] = v;
          image.data[at + 3] = 255;
        }
      }
    }
    canvas.width = cols * side;
    canvas.height = cols * side;
    ctx.putImageData(image, 0, 0);
  }

  // Exponential moving average with bias correction (as in Adam), so the first points are not
  // pulled towards zero or the first value.
  function smooth(values, alpha = 0.05) {
    let ema = 0;
    return values.map((v, i) => {
      ema = alpha * v + (1 - alpha) * ema;
      return ema / (1 - (1 - alpha) ** (i + 1));
    });
  }

  function drawPlots() {
    const steps = history.map((h) => h.step);
    const dLoss = history.map((h) => h.dLoss);
    const gLoss = history.map((h) => h.gLoss);
    const css = getComputedStyle(document.documentElement);
    const color = (name) => css.getPropertyValue(name).trim();
    plot($("loss-plot"), steps, [
      { values: dLoss, color: color("--d"), alpha: 0.25, width: 1 },
      { values: gLoss, color: color("--g"), alpha: 0.25, width: 1 },
      { values: smooth(dLoss), color: color("--d"), alpha: 1, width: 2 },
      { values: smooth(gLoss), color: color("--g"), alpha: 1, width: 2 },
    ]);
    plot(
      $("d-plot"),
      steps,
      [
        { values: history.map((h) => h.dReal), color: color("--real"), alpha: 1, width: 2 },
        { values: history.map((h) => h.dFake), color: color("--fake"), alpha: 1, width: 2 },
      ],
      api.lastStats && api.lastStats.dReal >= 0 && api.lastStats.dReal <= 1 && api.settings &&
        ["ns", "minimax"].includes(api.settings.loss) ? [0, 1] : null,
    );
    plot($("grad-plot"), steps, [
      { values: history.map((h) => h.gGrad), color: color("--g"), alpha: 1, width: 1.5 },
    ], null, null, true);
  }

  // Plots `series` over steps `xs`; with `panels` ([{ title, series, range, log }]), the canvas is
  // split into side-by-side plots sharing the steps.
  function plot(canvas, xs, series, fixedRange, panels, log = false) {
    // Draw at the canvas's displayed size, in device pixels, so lines and labels stay sharp.
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#6b6b70";
    if (xs.length === 0) {
      ctx.fillText("Press Train: the curves appear here.", 40, height / 2);
      return;
    }
    const parts = panels || [{ series, range: fixedRange, log }];
    const w = width / parts.length;
    parts.forEach((p, i) => plotPanel(ctx, { x: i * w, width: w, height }, xs, p));
  }

  function plotPanel(ctx, box, xs, { title, series, range, log }) {
    const pad = { left: 40, right: 8, top: title ? 18 : 8, bottom: 20 };
    const { width, height } = box;
    const t = log ? (v) => Math.log10(Math.max(v, 1e-9)) : (v) => v;
    const finite = series.flatMap((s) => s.values).filter(Number.isFinite).map(t);
    let [lo, hi] = range ? range.map(t) : [Math.min(log ? Infinity : 0, ...finite), Math.max(...finite, 1e-3)];
    if (log) [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
    if (!(hi - lo >= 1e-6)) hi = lo + 1;
    const x0 = xs[0];
    const x1 = Math.max(xs[xs.length - 1], x0 + 1);
    const px = (x) => box.x + pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const py = (y) => height - pad.bottom - ((y - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
    if (title) ctx.fillText(title, box.x + pad.left, 12);
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const y of [lo, (lo + hi) / 2, hi]) {
      ctx.moveTo(box.x + pad.left, py(y));
      ctx.lineTo(box.x + width - pad.right, py(y));
      const label = log ? (y >= 0 ? String(Math.round(10 ** y)) : `1e${Math.round(y)}`) : y.toFixed(2);
      ctx.fillText(label, box.x + 2, py(y) + 4);
    }
    ctx.stroke();
    ctx.fillText(`step ${x0}`, box.x + pad.left, height - 4);
    const last = `step ${xs[xs.length - 1]}`;
    ctx.fillText(last, box.x + width - pad.right - ctx.measureText(last).width, height - 4);
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      ctx.globalAlpha = s.alpha;
      ctx.lineWidth = s.width;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        const y = py(Math.min(hi, Math.max(lo, t(v))));
        if (i === 0) ctx.moveTo(px(xs[i]), y);
        else ctx.lineTo(px(xs[i]), y);
      });
      ctx.stroke();
      // Measurements are few: mark each one.
      if (s.values.length < 200) {
        s.values.forEach((v, i) => {
          ctx.fillRect(px(xs[i]) - 1.5, py(Math.min(hi, Math.max(lo, t(v)))) - 1.5, 3, 3);
        });
      }
      ctx.fillStyle = "#6b6b70";
    }
    ctx.globalAlpha = 1;
  }

  Object.assign(page, { drawGrid, digitCanvas, plot, $, showNeighbours, go, toggle, reset });
  page.history = () => history;

  // The share link: the address bar always holds the hash of the run's current settings.
  page.updateLink = async () => {
    if (!run || !api.settings) return;
    const hash = await run("formatLink", {
      preset: api.preset || undefined,
      settings: api.settings,
      autostart: api.link.autostart,
      pretrained: api.link.pretrained && !!api.preset,
      hide: api.link.hide,
    });
    history_.replaceState(null, "", hash);
    $("share-link").value = location.href;
  };

  // Panels a link hides (hide=settings,draw): each section, with its heading and note.
  const PANELS = {
    presets: ["section.presets"],
    settings: ["#settings-panel"],
    stepper: [".stepper"],
    quality: ["section.quality", "#quality-title", "#quality-note"],
    explore: ["section.explore", "#explore-title"],
    draw: ["section.draw", "#draw-title"],
    "step-view": ["#step-view"],
  };
  function hidePanels(names) {
    for (const name of names) {
      for (const selector of PANELS[name] || []) {
        const el = document.querySelector(selector);
        if (el) el.classList.add("hidden-by-link");
      }
    }
  }
  page.pick = (index) => {
    picked = index;
  };

  document.addEventListener("DOMContentLoaded", () => {
    $("train").addEventListener("click", toggle);
    $("reset").addEventListener("click", reset);
    $("restore-good").addEventListener("click", restoreGood);
    document.addEventListener("visibilitychange", onVisibility);
    $("samples").addEventListener("click", onSamplesClick);
    $("samples").addEventListener("keydown", onSamplesKey);
    $("speed-control").addEventListener("change", (e) => {
      api.stepsPerFrame = Number(e.target.value) || 0;
      if (api.running) play();
    });
    $("copy-link").addEventListener("click", async () => {
      await page.updateLink();
      try {
        await navigator.clipboard.writeText(location.href);
        setStatus("Link copied: it opens this run's settings and seed.");
      } catch {
        $("share-link").select();
        setStatus("Copy the selected link: it opens this run's settings and seed.");
      }
    });
    $("digit-picker").addEventListener("change", (e) => {
      api.digit = e.target.value === "" ? null : Number(e.target.value);
      if (run) drawSamples();
    });
    drawPlots();
    drawQuality();
    start();
  });
})();
