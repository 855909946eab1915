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
// is what is still held. `cargo xtask soak` samples it every minute.
const gpuMemory = { created: 0, destroyed: 0, collected: 0, liveBuffers: 0, liveBytes: 0 };
if (self.GPUDevice && GPUDevice.prototype.createBuffer && self.GPUBuffer) {
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

const methods = {
  async load({ js, wasm }) {
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
    return { how, ...describe() };
  },
  presetList: () => bindings.presets(),
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
  loadCheckpoint({ bytes, images, labels }) {
    const loaded = run.loadCheckpoint(bytes, images, labels);
    return { ...loaded, ...describe() };
  },
  historyCsv: ({ table, values }) => bindings.historyCsv(table, values),
  parseLink: ({ hash }) => bindings.parseLink(hash),
  formatLink: ({ preset, settings, autostart, pretrained, hide }) =>
    bindings.formatLink(preset, settings, autostart, pretrained, hide),
  trainSteps: ({ n }) => run.trainSteps(n),
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
