// Ganvas page logic: loads the data, starts the training worker (web/worker.js, which runs the wasm
// module), asks it for training steps in small chunks, and draws the digits and plots. No framework,
// no network beyond this page's own files.
"use strict";

(() => {
  const DATA = {
    images: "data/mnist-10k-images-idx3-ubyte.gz",
    labels: "data/mnist-10k-labels-idx1-ubyte.gz",
  };
  // Time aimed for per chunk of steps in the worker: the plots and counters update this often.
  const CHUNK_BUDGET_MS = 60;
  const MAX_CHUNK = 64;
  const SAMPLE_EVERY_MS = 500;
  const MAX_POINTS = 4000;

  // For automation and teachers' scripts: the page's live state.
  const api = (window.ganvas = {
    ready: false,
    running: false,
    inFlight: false, // a chunk of steps is being computed (after Pause, the last one still lands)
    step: 0,
    backend: null,
    backendNote: "",
    lastStats: null,
    firstStepMs: null,
    chunk: 1,
    samplesDrawn: 0,
    errors: [],
  });

  let run = null; // the training worker, once the model is built
  let history = []; // { step, dLoss, gLoss, dReal, dFake }
  let speedMarks = []; // [time, step]
  let lastSampleAt = 0;
  let crashed = false;
  let generation = 0; // bumped by Reset, so a chunk in flight from the old run is dropped

  const $ = (id) => document.getElementById(id);

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
    const worker = new Worker(new URL("worker.js", document.baseURI), { type: "module" });
    const pending = new Map();
    let next = 0;
    worker.onmessage = ({ data }) => {
      if (data.panic !== undefined) {
        crash(data.panic);
        for (const { reject } of pending.values()) reject(new Error("the training code crashed"));
        pending.clear();
        return;
      }
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (!waiting) return;
      if (data.ok) waiting.resolve(data.value);
      else waiting.reject(new Error(data.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(event.message || "the training worker failed to start");
      for (const { reject } of pending.values()) reject(error);
      pending.clear();
    };
    return (method, args, transfer = []) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, method, args }, transfer);
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

  async function fetchBytes(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  // Run options from the page's URL: ?seed=N&batch=N&backend=cpu. Bad values are ignored, with a note.
  function readOptions() {
    const params = new URLSearchParams(location.search);
    const options = {};
    const ignored = [];
    const int = (name, min, max) => {
      if (!params.has(name)) return undefined;
      const value = Number(params.get(name));
      if (Number.isInteger(value) && value >= min && value <= max) return value;
      ignored.push(name);
      return undefined;
    };
    const seed = int("seed", 0, Number.MAX_SAFE_INTEGER);
    if (seed !== undefined) options.seed = seed;
    const batch = int("batch", 1, 1024);
    if (batch !== undefined) options.batchSize = batch;
    if (params.has("backend")) {
      const backend = params.get("backend");
      if (backend === "cpu" || backend === "auto") options.backend = backend;
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
    };
  }

  async function start() {
    if (run || crashed) return;
    const { options, ignored } = readOptions();
    let call;
    try {
      call = startWorker();
      setStatus("Loading the model…");
      await call("load", wasmUrls());
    } catch (error) {
      fail(`The model could not be loaded: ${error.message}. Reload the page to try again.`);
      return;
    }
    let images, labels;
    try {
      setStatus("Loading the digits…");
      [images, labels] = await Promise.all([fetchBytes(DATA.images), fetchBytes(DATA.labels)]);
    } catch (error) {
      fail(`The digit data could not be loaded (${error.message}). Check the connection and reload.`);
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
    api.backend = backend.backend;
    api.backendNote = backend.backendNote;
    const badge = $("backend");
    badge.textContent = api.backend === "WebGPU" ? "WebGPU" : `CPU (${api.backendNote})`;
    badge.classList.add(api.backend === "WebGPU" ? "gpu" : "cpu");
    drawGrid($("real"), await run("realDigits", { n: 64 }));
    await drawSamples();
    $("train").disabled = false;
    $("reset").disabled = false;
    api.ready = true;
    const notes = [];
    if (backend.backendDetail) notes.push(`Training on the CPU, slower: ${backend.backendDetail}.`);
    if (ignored.length) notes.push(`Ignored bad link settings: ${ignored.join(", ")}.`);
    setStatus(["Ready. Press Train.", ...notes].join(" "));
  }

  function toggle() {
    if (api.running) stop();
    else go();
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
    loop();
  }

  function stop() {
    api.running = false;
    $("train").textContent = "Train";
    $("train").classList.remove("running");
  }

  // A real yield to the browser: a macrotask, so it can paint and handle input before the next chunk.
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

  let looping = false; // one loop at a time, even after a quick Pause then Train

  async function loop() {
    if (looping) return;
    looping = true;
    try {
      await chunks();
    } finally {
      looping = false;
    }
    // Reset, then Train, while a chunk of the old run was in flight: that loop ended, start anew.
    if (api.running && !crashed) loop();
  }

  async function chunks() {
    const current = generation;
    while (api.running && current === generation) {
      const t0 = performance.now();
      let stats;
      try {
        api.inFlight = true;
        stats = await run("trainSteps", { n: api.chunk });
        sizeChunk(performance.now() - t0);
      } catch (error) {
        if (!crashed) fail(`Training stopped: ${error.message || error}.`);
        return;
      } finally {
        api.inFlight = false;
      }
      if (current !== generation) return;
      if (api.firstStepMs === null) {
        api.firstStepMs = performance.now() - t0;
        setStatus(`Training. The first step took ${(api.firstStepMs / 1000).toFixed(1)} s.`);
      }
      record(stats);
      if (![stats.dLoss, stats.gLoss, stats.dReal, stats.dFake].every(Number.isFinite)) {
        fail(
          `Training diverged at step ${stats.step}: a loss is no longer a number. ` +
            "Press Reset to start again.",
        );
        return;
      }
      if (performance.now() - lastSampleAt > SAMPLE_EVERY_MS) await drawSamples();
      await nextTask();
    }
  }

  // Grow or shrink the chunk so that it takes about the budget.
  function sizeChunk(chunkMs) {
    const perStep = Math.max(chunkMs, 0.05) / api.chunk;
    const target = Math.floor(CHUNK_BUDGET_MS / perStep);
    api.chunk = Math.max(1, Math.min(MAX_CHUNK, target, api.chunk * 2));
  }

  function record(stats) {
    api.lastStats = stats;
    api.step = stats.step;
    history.push(stats);
    if (history.length > MAX_POINTS) history = history.filter((_, i) => i % 2 === 0);
    $("step").textContent = String(stats.step);
    const now = performance.now();
    speedMarks.push([now, stats.step]);
    while (speedMarks.length > 2 && now - speedMarks[0][0] > 2000) speedMarks.shift();
    const [t0, s0] = speedMarks[0];
    const speed = now > t0 ? ((stats.step - s0) * 1000) / (now - t0) : 0;
    $("speed").textContent = speed >= 10 ? speed.toFixed(0) : speed.toFixed(1);
    drawPlots();
  }

  async function drawSamples() {
    lastSampleAt = performance.now();
    const pixels = await run("samples");
    drawGrid($("samples"), pixels);
    api.samplesDrawn += 1;
  }

  async function reset() {
    if (!run || crashed) return;
    stop();
    generation += 1;
    await run("reset");
    history = [];
    speedMarks = [];
    api.step = 0;
    api.lastStats = null;
    $("step").textContent = "0";
    $("speed").textContent = "0";
    drawPlots();
    await drawSamples();
    setStatus("Reset to step 0 with the same seed. Press Train.");
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
      [0, 1],
    );
  }

  function plot(canvas, xs, series, fixedRange) {
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
    const pad = { left: 40, right: 8, top: 8, bottom: 20 };
    ctx.clearRect(0, 0, width, height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#6b6b70";
    if (xs.length === 0) {
      ctx.fillText("Press Train: the curves appear here.", pad.left, height / 2);
      return;
    }
    const finite = series.flatMap((s) => s.values).filter(Number.isFinite);
    let [lo, hi] = fixedRange || [Math.min(0, ...finite), Math.max(...finite, 1e-3)];
    if (hi - lo < 1e-6) hi = lo + 1;
    const x0 = xs[0];
    const x1 = Math.max(xs[xs.length - 1], x0 + 1);
    const px = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const py = (y) => height - pad.bottom - ((y - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
    ctx.strokeStyle = "#ddd";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const y of [lo, (lo + hi) / 2, hi]) {
      ctx.moveTo(pad.left, py(y));
      ctx.lineTo(width - pad.right, py(y));
      ctx.fillText(y.toFixed(2), 2, py(y) + 4);
    }
    ctx.stroke();
    ctx.fillText(`step ${x0}`, pad.left, height - 4);
    const last = `step ${xs[xs.length - 1]}`;
    ctx.fillText(last, width - pad.right - ctx.measureText(last).width, height - 4);
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.globalAlpha = s.alpha;
      ctx.lineWidth = s.width;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        const y = py(Math.min(hi, Math.max(lo, v)));
        if (i === 0) ctx.moveTo(px(xs[i]), y);
        else ctx.lineTo(px(xs[i]), y);
      });
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("train").addEventListener("click", toggle);
    $("reset").addEventListener("click", reset);
    drawPlots();
    start();
  });
})();
