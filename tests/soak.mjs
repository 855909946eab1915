// Soak: trains in headless Chromium for a while and samples memory once a minute: the page's JS heap
// (performance.memory), the wasm module's linear memory, and the page's own GPU buffer accounting
// (buffers created through the worker's GPU devices and not yet destroyed). Prints one JSON line per
// sample, then a summary line with the spread of each series after the first sample.
// Usage: node tests/soak.mjs --minutes 30 [--backend webgpu|cpu] [--preset ID]
import { launch, open, waitReady } from "./browser.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const minutes = Number(args.minutes || 30);
const backend = args.backend === "cpu" ? "cpu" : "webgpu";
const preset = args.preset || "dcgan";

const browser = await launch({ webgpu: backend === "webgpu" });
try {
  // --enable-precise-memory-info is not needed: the heap size is rounded, which is fine per minute.
  // gpu-accounting: the worker counts the GPU buffers it creates and releases (web/worker.js).
  const query = `?backend=${backend}&gpu-accounting=1#preset=${preset}&autostart=1`;
  const { page, log } = await open(browser, query);
  const state = await waitReady(page);
  const samples = [];
  const started = Date.now();
  for (let minute = 0; minute <= minutes; minute++) {
    if (minute > 0) await page.waitForTimeout(Math.max(0, started + minute * 60_000 - Date.now()));
    const sample = await page.evaluate(async () => {
      const mem = await window.ganvasTest.call("memory");
      return {
        step: window.ganvas.step,
        running: window.ganvas.running,
        evaluations: window.ganvas.evaluations,
        snapshots: window.ganvas.snapshots,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
        wasmBytes: mem.wasmBytes,
        gpuLiveBuffers: mem.liveBuffers,
        gpuLiveBytes: mem.liveBytes,
        gpuBuffersCreated: mem.created,
        gpuBuffersReleased: mem.destroyed + mem.collected,
      };
    });
    sample.minute = minute;
    samples.push(sample);
    console.log(JSON.stringify(sample));
    if (!sample.running) throw new Error(`training stopped: ${await page.textContent("#status")}`);
  }
  const spread = (key) => {
    const v = samples.slice(1).map((s) => s[key]).filter((x) => typeof x === "number");
    if (v.length === 0) return null;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { min: Math.min(...v), max: Math.max(...v), maxDeviationPct: mean ? Number(((100 * Math.max(...v.map((x) => Math.abs(x - mean)))) / mean).toFixed(1)) : 0 };
  };
  console.log(
    JSON.stringify({
      summary: true,
      backend: state.backend,
      preset,
      minutes,
      steps: samples[samples.length - 1].step,
      jsHeapBytes: spread("jsHeapBytes"),
      wasmBytes: spread("wasmBytes"),
      gpuLiveBytes: spread("gpuLiveBytes"),
      gpuLiveBuffers: spread("gpuLiveBuffers"),
      errors: log.errors,
    }),
  );
} finally {
  await browser.close();
}
