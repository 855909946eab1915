// The training worker: loads the wasm module and runs the GAN off the page's main thread, so the page
// paints and takes clicks whatever the backend (WebGPU works in workers; the CPU backend blocks only
// this thread). The page talks to it with { id, method, args } messages; each gets one
// { id, ok, value | error } reply. A Rust panic arrives as { panic: message }.
"use strict";

let bindings = null; // the wasm module's exports, once loaded
let run = null; // its Ganvas object, once created

// The wasm panic hook calls this (see crates/web/src/app.rs).
self.ganvasPanic = (message) => self.postMessage({ panic: String(message) });

// The GPU devices wgpu asks for, watched: when one is lost (a driver reset, a sleeping laptop, or
// GPUDevice.destroy()), the page hears of it and recovers the run in a fresh worker.
self.ganvasGpuDevices = [];
if (self.GPUAdapter && GPUAdapter.prototype.requestDevice) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    self.ganvasGpuDevices.push(device);
    device.lost.then((info) => {
      self.postMessage({ deviceLost: `${info.reason || "unknown"}: ${info.message || "no details"}` });
    });
    return device;
  };
}

// The page's own GPU memory accounting: buffers created through this worker's devices, and those
// released since, by GPUBuffer.destroy() or, since wgpu's web backend drops a buffer without
// destroying it, by the JS garbage collector (seen through a FinalizationRegistry). `liveBytes`
// is what is still held. `cargo xtask soak` samples it every minute. Only when the page's URL asks
// for it (`?gpu-accounting=1`, as the soak does): the shipped page leaves WebGPU's objects alone.
const gpuMemory = { accounting: false, created: 0, destroyed: 0, collected: 0, liveBuffers: 0, liveBytes: 0 };
function countGpuBuffers() {
  if (gpuMemory.accounting || !(self.GPUDevice && GPUDevice.prototype.createBuffer && self.GPUBuffer)) return;
  gpuMemory.accounting = true;
  const sizes = new WeakMap();
  const released = (size) => {
    gpuMemory.liveBuffers -= 1;
    gpuMemory.liveBytes -= size;
  };
  const collected = new FinalizationRegistry((token) => {
    if (token.done) return;
    token.done = true;
    gpuMemory.collected += 1;
    released(token.size);
  });
  const createBuffer = GPUDevice.prototype.createBuffer;
  GPUDevice.prototype.createBuffer = function (descriptor) {
    const buffer = createBuffer.call(this, descriptor);
    const token = { size: descriptor.size, done: false };
    sizes.set(buffer, token);
    collected.register(buffer, token);
    gpuMemory.created += 1;
    gpuMemory.liveBuffers += 1;
    gpuMemory.liveBytes += descriptor.size;
    return buffer;
  };
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () {
    const token = sizes.get(this);
    if (token && !token.done) {
      token.done = true;
      gpuMemory.destroyed += 1;
      released(token.size);
    }
    return destroy.call(this);
  };
}
let wasmMemory = null;

// The training loop lives here (the page says play and pause): chunk after chunk, each sized to
// take about `budgetMs` (at most `maxChunk` steps), or `stepsPerFrame` steps once per frame. Each
// chunk's statistics are posted as { chunk: { token, stats, ms, n } }, and { stopped: token } when
// the loop ends. On WebGPU the next chunk is queued before the previous chunk's readback resolves,
// so the GPU does not wait for the page; on the CPU a chunk computes while it is queued, so
// queueing ahead would only delay Pause. Between chunks the loop yields a macrotask, so the page's
// other requests (samples, measurements, checkpoints, pause) are served while it trains.
const training = { playing: false, looping: false, token: null, stepsPerFrame: 0, budgetMs: 60, maxChunk: 64, chunk: 1 };
// A macrotask without setTimeout's clamp: browsers hold a nested setTimeout(0) back at least 4 ms,
// which on the CPU backend cost about a tenth of the training time between chunks of one step.
const yieldChannel = new MessageChannel();
const yielded = [];
yieldChannel.port1.onmessage = () => yielded.shift()();
const macrotask = () =>
  new Promise((resolve) => {
    yielded.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
const nextFrame = () =>
  new Promise((resolve) => (self.requestAnimationFrame ? self.requestAnimationFrame(() => resolve()) : setTimeout(resolve, 16)));
const finite = (s) => [s.dLoss, s.gLoss, s.dReal, s.dFake, s.gGrad].every(Number.isFinite);

async function trainLoop() {
  if (training.looping) return;
  training.looping = true;
  let token = training.token;
  try {
    const ahead = run.backend === "WebGPU";
    const start = () => {
      const n = training.stepsPerFrame || training.chunk;
      const t0 = performance.now();
      return { promise: run.trainSteps(n), n, token: training.token, t0 };
    };
    let queued = null;
    let lastEnd = 0; // when the previous chunk's statistics arrived
    while (training.playing || queued) {
      const current = queued || start();
      queued = ahead && training.playing && !training.stepsPerFrame ? start() : null;
      token = current.token;
      let stats;
      try {
        stats = await current.promise;
      } catch (error) {
        training.playing = false;
        // The chunk queued behind this one fails too when the device is gone: its error is this
        // one's, already reported, and must not surface as an unhandled rejection.
        if (queued) queued.promise.catch(() => {});
        queued = null;
        self.postMessage({ chunkError: { token, message: error && error.message ? error.message : String(error) } });
        break;
      }
      // The chunk's training time: from its start, or from the previous chunk's end where it was
      // queued behind that one.
      const now = performance.now();
      const ms = now - Math.max(current.t0, lastEnd);
      lastEnd = now;
      if (!training.stepsPerFrame) {
        // Grow or shrink the chunk so that it takes about the budget (at most doubling at once).
        const perStep = Math.max(ms, 0.05) / current.n;
        training.chunk = Math.max(1, Math.min(training.maxChunk, Math.floor(training.budgetMs / perStep), current.n * 2));
      }
      self.postMessage({ chunk: { token, stats, ms, n: current.n } });
      if (!finite(stats)) training.playing = false; // diverged: the page says so
      await (training.stepsPerFrame ? nextFrame() : macrotask());
    }
  } finally {
    training.looping = false;
    self.postMessage({ stopped: token });
  }
}

const methods = {
  async load({ js, wasm, gpuAccounting }) {
    if (gpuAccounting) countGpuBuffers();
    bindings = await import(js);
    const exports = await bindings.default({ module_or_path: wasm });
    wasmMemory = exports.memory;
    return true;
  },
  async create({ images, labels, options }) {
    run = await bindings.Ganvas.create(images, labels, options);
    return {
      backend: run.backend,
      backendNote: run.backendNote,
      backendDetail: run.backendDetail,
      presets: bindings.presets(),
      ...describe(),
    };
  },
  configure({ options, images, labels }) {
    const how = run.configure(options, images, labels);
    // A new run: the loop stops here, before it trains the new networks under the old run's token
    // (the page would drop those steps, and show step 0 of a run that had trained on). Its chunk
    // sizing starts again when the page says play with the new run's token.
    if (how === "restarted") training.playing = false;
    return { how, ...describe() };
  },
  presetList: () => bindings.presets(),
  // 1: the module's static constructors ran once (crates/web/src/constructors.rs).
  constructorRuns: () => bindings.constructorRuns(),
  schema: () => bindings.schema(),
  releaseMemory() {
    run.releaseMemory();
    return true;
  },
  memory: () => ({ ...gpuMemory, wasmBytes: wasmMemory ? wasmMemory.buffer.byteLength : 0 }),
  // The run is taken when the call is made: the step read right after it is the file's.
  async checkpoint({ losses, quality }) {
    const saving = run.checkpoint(losses, quality);
    const step = run.step;
    return { bytes: await saving, step };
  },
  checkpointInfo: ({ bytes }) => bindings.checkpointInfo(bytes),
  compareRun: ({ bytes }) => run.compareRun(bytes),
  loadCheckpoint({ bytes, images, labels }) {
    const loaded = run.loadCheckpoint(bytes, images, labels);
    return { ...loaded, ...describe() };
  },
  historyCsv: ({ table, values }) => bindings.historyCsv(table, values),
  timelapsePng: ({ steps, pixels }) => bindings.timelapsePng(steps, pixels),
  parseLink: ({ hash }) => bindings.parseLink(hash),
  prepareImage: ({ grey, width, height }) => bindings.prepareImage(grey, width, height) ?? null,
  formatLink: ({ preset, settings, autostart, pretrained, hide }) =>
    bindings.formatLink(preset, settings, autostart, pretrained, hide),
  trainSteps: ({ n }) => run.trainSteps(n),
  // Starts the loop, or updates its pace while it runs; `token` is echoed in each chunk.
  play({ token, stepsPerFrame = 0, budgetMs = 60, maxChunk = 64 }) {
    // A new run (Reset, new settings, a loaded file) may step far slower than the last one: its
    // sizing starts again from one step, so Pause and the plots answer within one of its steps.
    if (token !== training.token) training.chunk = 1;
    Object.assign(training, { token, stepsPerFrame, budgetMs, maxChunk, playing: true });
    trainLoop();
    return true;
  },
  // Stops the loop after the chunk in flight (its statistics still arrive).
  pause() {
    training.playing = false;
    return true;
  },
  dStep: () => run.dStep(),
  gStep: () => run.gStep(),
  samples: ({ digit }) => run.samples(digit),
  fixedLatents: () => run.fixedLatents(),
  generate: ({ z, classes }) => run.generate(z, classes),
  probe: ({ pixels, digit }) => run.probe(pixels, digit),
  searchStart({ pixels, digit }) {
    run.searchStart(pixels, digit);
    return true;
  },
  searchSteps: ({ n }) => run.searchSteps(n),
  searchStop() {
    run.searchStop();
    return true;
  },
  realDigits: ({ n }) => run.realDigits(n),
  loadClassifier: ({ bytes }) => run.loadClassifier(bytes),
  evaluate: ({ n, untrained }) => run.evaluate(n, Boolean(untrained)),
  neighbours: ({ index, k }) => run.neighbours(index, k),
  reset() {
    run.reset();
    return true;
  },
};

// The run's settings and shape, after create or configure.
function describe() {
  return { settings: run.settings(), latentDim: run.latentDim, conditional: run.conditional };
}

self.onmessage = async (event) => {
  const { id, method, args } = event.data;
  try {
    const value = await methods[method](args || {});
    const view = ArrayBuffer.isView(value) ? value : value && ArrayBuffer.isView(value.bytes) ? value.bytes : null;
    const transfer = view ? [view.buffer] : [];
    self.postMessage({ id, ok: true, value }, transfer);
  } catch (error) {
    self.postMessage({ id, ok: false, error: error && error.message ? error.message : String(error) });
  }
};
