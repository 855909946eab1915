// End-to-end: the built site in headless Chromium, on the real WebGPU path (SwiftShader here) and on
// the CPU fallback. Step counts stay small: WebGPU on SwiftShader is slow. These tests assert
// progress, not quality, and report timings without asserting them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launch, open, waitReady, startFrames, stopFrames, percentile, SITE, watchState, states } from "./browser.mjs";

const OUT = new URL("./output/", import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const STEP_TIMEOUT = 15 * 60_000;

// A canvas's pixels; for a plot (uPlot draws in a canvas inside the element), its canvas's.
const canvasPixels = (page, id) =>
  page.evaluate((id) => {
    const el = document.getElementById(id);
    const c = el instanceof HTMLCanvasElement ? el : el.querySelector("canvas");
    return Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data);
  }, id);

const differs = (a, b) => a.length !== b.length || a.some((v, i) => v !== b[i]);
const inked = (pixels) => pixels.some((v, i) => i % 4 === 3 && v !== 0);

async function trainAndCheck(page, log, { backendPrefix, minSteps, shot, measurements = 1 }) {
  const state = await waitReady(page);
  const badge = await page.textContent("#backend");
  assert.ok(badge.startsWith(backendPrefix), `#backend says "${badge}"`);
  assert.equal(await page.isDisabled("#train"), false, "#train is enabled once ready");

  const samplesBefore = await canvasPixels(page, "samples");
  assert.ok(inked(await canvasPixels(page, "real")), "the real digits are drawn");
  await watchState(page);
  await startFrames(page);
  const t0 = Date.now();
  await page.click("#train");
  await page.waitForFunction((n) => window.ganvas.step >= n, minSteps, {
    timeout: STEP_TIMEOUT,
    polling: 200,
  });
  const trainMs = Date.now() - t0;
  // Let at least one sample redraw happen after the steps.
  await page.waitForFunction((n) => window.ganvas.samplesDrawn >= n, 2, { timeout: 120_000 });
  const frames = await stopFrames(page);

  const after = await page.evaluate(() => window.ganvas);
  const stats = after.lastStats;
  for (const key of ["dLoss", "gLoss", "dReal", "dFake"]) {
    assert.ok(Number.isFinite(stats[key]), `${key} read back finite: ${stats[key]}`);
  }
  assert.ok(stats.dReal > 0 && stats.dReal < 1 && stats.dFake > 0 && stats.dFake < 1);
  const shown = await page.evaluate(() => [document.getElementById("step").textContent, window.ganvas.step]);
  assert.equal(Number(shown[0].trim()), shown[1], "#step shows the step");
  assert.ok(inked(await canvasPixels(page, "loss-plot")), "the loss plot has points");
  assert.ok(inked(await canvasPixels(page, "d-plot")), "the D plot has points");
  assert.ok(differs(samplesBefore, await canvasPixels(page, "samples")), "the samples changed");
  // The classifier runs on this backend too: the panels fill in and the copy check answers.
  const quality = await checkQuality(page, measurements);

  // Pause stops the counter, once the chunk in flight has landed.
  await page.click("#train");
  await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, {
    timeout: 120_000,
  });
  const paused = await page.evaluate(() => window.ganvas.step);
  await page.waitForTimeout(3000);
  assert.equal(await page.evaluate(() => window.ganvas.step), paused, "Pause stops training");
  assert.match(await page.textContent("#train"), /Train/);
  assert.match(await page.textContent("#status"), /^Paused/, "the status says so");
  // The state beside the status followed: ready, training, measuring (training waits for it), paused.
  const seen = await states(page);
  assert.equal(seen[0], "ready");
  for (const word of ["training", "measuring"]) assert.ok(seen.includes(word), `#state showed "${word}": ${seen.join(", ")}`);
  assert.equal(seen.at(-1), "paused");
  assert.equal(await page.textContent("#state"), "paused");

  await page.screenshot({ path: `${OUT}${shot}`, fullPage: true });
  const site = new URL(SITE);
  const outside = log.requests.filter((u) => !u.startsWith("data:") && new URL(u).host !== site.host);
  assert.deepEqual(outside, [], "no request leaves the page's origin");
  assert.deepEqual(log.errors, [], "no console errors");
  // After hundreds of calls into the wasm module, its static constructors have still run once
  // (crates/web/src/constructors.rs): run again at every call, they cost a third of the CPU's time.
  assert.equal(await page.evaluate(() => window.ganvasTest.call("constructorRuns")), 1, "the module's constructors ran once");

  // Frames once training is under way (the first step's setup is reported separately).
  const settled = frames.slice(Math.floor(frames.length / 4));
  const report = {
    backend: badge,
    steps: after.step,
    first_step_ms: Math.round(after.firstStepMs),
    measure_ms: Math.round(await page.evaluate(() => window.ganvas.evalMs)),
    measured_at_step: quality.step,
    train_ms: trainMs,
    frame_p95_ms: Math.round(percentile(settled, 95)),
    frame_p50_ms: Math.round(percentile(settled, 50)),
    frames: settled.length,
    screenshot: `tests/output/${shot}`,
  };
  console.log(`# ${JSON.stringify(report)}`);
  return { state, report };
}

test("WebGPU: the page loads, trains, plots, pauses, and stays on its origin", async () => {
  const browser = await launch({ webgpu: true });
  try {
    // This machine's WebGPU is SwiftShader, a software adapter: the link has to ask for it.
    const { page, log } = await open(browser, "?backend=webgpu");
    await trainAndCheck(page, log, { backendPrefix: "WebGPU", minSteps: 4, shot: "webgpu.png" });
  } finally {
    await browser.close();
  }
});

test("a software WebGPU adapter leads to the CPU backend, with the reason in the badge", async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, log } = await open(browser);
    const state = await waitReady(page);
    // The adapter the page judged: the test's own look at it, in the page.
    const fallback = await page.evaluate(async () => {
      const adapter = await navigator.gpu.requestAdapter();
      return Boolean(adapter && ((adapter.info && adapter.info.isFallbackAdapter) || adapter.isFallbackAdapter));
    });
    assert.ok(fallback, "this machine's headless Chromium offers only a software adapter");
    assert.equal(state.backend, "CPU");
    assert.equal(await page.textContent("#backend"), "CPU (faster here than this browser's software WebGPU)");
    assert.match(state.backendDetail, /software fallback/);
    // In plain words on the status line; the technical detail behind the badge's "?".
    assert.match(await page.textContent("#status"), /WebGPU has no GPU behind it.*trains on the CPU/);
    assert.equal(await page.isVisible("#backend-help"), true);
    assert.match(await page.textContent("#backend-detail"), /Technical detail: .*software fallback/);
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("without WebGPU the page falls back to the CPU, says so, and trains", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser);
    const { state } = await trainAndCheck(page, log, {
      backendPrefix: "CPU (",
      // Enough steps for the screenshot to show the first blurry digit shapes.
      minSteps: 200,
      shot: "cpu.png",
    });
    assert.equal(state.backend, "CPU");
    assert.ok(state.backendNote.length > 0, "the page says why it is on the CPU");
    assert.match(state.backendWhy, /^This browser has no (usable GPU for )?WebGPU, so Ganvas trains on the CPU\.$/);
  } finally {
    await browser.close();
  }
});

/** Waits for `count` quality measurements, checks the panels, then clicks a sample for its neighbours. */
async function checkQuality(page, count) {
  await page.waitForFunction((n) => window.ganvas.evaluations >= n, count, { timeout: STEP_TIMEOUT, polling: 250 });
  const m = await page.evaluate(() => window.ganvas.metrics);
  assert.ok(m.classifierScore >= 1 && m.classifierScore <= 10, `classifier score ${m.classifierScore}`);
  assert.ok(Number.isFinite(m.fid) && m.fid >= 0, `FID ${m.fid}`);
  assert.equal(m.histogram.length, 10);
  assert.ok(m.copyRate >= 0 && m.copyRate <= 1);
  assert.ok(inked(await canvasPixels(page, "quality-plot")), "the quality plot has points");
  assert.equal(await page.locator("#class-histogram .bars .col").count(), 10, "ten digit bars");
  assert.match(await page.textContent("#coverage-readout"), /^\d+ of 10 digits are being drawn\.$/);
  assert.match(await page.textContent("#quality-readout"), /classifier score \d+\.\d\d, FID \d+/);

  // Click the sample in row 2, column 3: its 5 nearest training digits and a verdict appear.
  const box = await page.locator("#samples").boundingBox();
  await page.mouse.click(box.x + (2.5 / 8) * box.width, box.y + (1.5 / 8) * box.height);
  await page.waitForFunction(() => document.querySelectorAll("#neighbours li").length === 5, null, {
    timeout: 120_000,
  });
  const shown = await page.evaluate(() => window.ganvas.neighbours);
  assert.equal(shown.sample, 10);
  const distances = shown.neighbours.map((n) => n.distance);
  assert.deepEqual([...distances].sort((a, b) => a - b), distances, "nearest first");
  assert.ok(shown.neighbours.every((n) => n.index >= 0 && n.index < 9000 && n.label >= 0 && n.label <= 9));
  assert.match(await page.textContent("#neighbours .verdict"), /^Verdict: (novel|close to a training digit|a copy)/);
  return m;
}

test("the quality panels update during training, and a clicked sample shows its 5 nearest training digits", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    assert.match(await page.textContent("#quality-readout"), /once training starts/);
    // The classifier goes to the device only after the first training step, so it cannot delay it.
    assert.equal(await page.evaluate(() => window.ganvas.classifier), "waiting");
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.evaluations >= 1, null, { timeout: STEP_TIMEOUT });
    const early = await page.evaluate(() => window.ganvas.metrics);
    const first = early.step;
    // The first measurement is of the untrained generator (kept at step 0), and the classifier
    // learned that noise is no digit (outlier exposure): no digit covered, a score near 1.
    assert.equal(first, 0, "the first measurement is of step 0");
    assert.equal(early.digitsCovered, 0, `step 0: ${JSON.stringify(early.histogram)}`);
    assert.ok(early.classifierScore < 1.2, `step 0: score ${early.classifierScore}`);
    console.log(`# first measurement: step ${first}, histogram ${JSON.stringify(early.histogram)}`);
    const m = await checkQuality(page, 3);
    assert.ok(m.step > first, "later measurements are of later steps");
    assert.ok(await page.evaluate(() => window.ganvas.running), "measuring does not stop training");
    // The keyboard reaches the copy check too: from the clicked digit (10), right twice and down once.
    await page.focus("#samples");
    for (const key of ["ArrowRight", "ArrowRight", "ArrowDown", "Enter"]) await page.keyboard.press(key);
    await page.waitForFunction(() => window.ganvas.neighbours.sample === 20, null, { timeout: 120_000 });
    await page.click("#train");
    await page.screenshot({ path: `${OUT}quality.png`, fullPage: true });
    assert.deepEqual(log.errors, [], "no console errors");
    console.log(`# ${JSON.stringify({ quality: m })}`);
  } finally {
    await browser.close();
  }
});

test("without the classifier file the quality panel says so and training goes on", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.route("**/classifier.ganvas", (route) => route.fulfill({ status: 404, body: "" }));
    await page.goto(`${SITE}?backend=cpu`);
    await waitReady(page);
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.classifier === "failed", null, { timeout: STEP_TIMEOUT });
    assert.match(await page.textContent("#quality-readout"), /quality panel is off.*404.*Training is not affected/);
    const step = await page.evaluate(() => window.ganvas.step);
    await page.waitForFunction((s) => window.ganvas.step > s + 5, step, { timeout: STEP_TIMEOUT });
    assert.deepEqual(await page.evaluate(() => window.ganvas.errors), []);
  } finally {
    await browser.close();
  }
});

test("Reset returns to step 0 and the same seed redraws the same first samples", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page } = await open(browser, "?backend=cpu&seed=7");
    await waitReady(page);
    const first = await canvasPixels(page, "samples");
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.step >= 5, null, { timeout: STEP_TIMEOUT });
    await page.click("#train");
    await page.waitForFunction(() => !window.ganvas.running);
    await page.click("#reset");
    await page.waitForFunction(() => window.ganvas.step === 0 && /Reset/.test(document.getElementById("status").textContent));
    assert.equal((await page.textContent("#step")).trim(), "0");
    assert.deepEqual(await canvasPixels(page, "samples"), first, "same seed, same untrained samples");
  } finally {
    await browser.close();
  }
});

test("a new run starts at step 1 with one-step chunks, however far the run before it had grown them", async () => {
  const browser = await launch({ webgpu: false });
  try {
    // A tiny network steps in well under a millisecond: the worker grows its chunks.
    const { page, log } = await open(browser, "?backend=cpu#gWidths=8&dWidths=8&latent=4&batch=2&autostart=1");
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.chunk >= 8, null, { timeout: 120_000 });
    const grown = await page.evaluate(() => {
      window.__first = null;
      let restarted = false;
      window.ganvasTest.on("restart", () => (restarted = true));
      window.ganvasTest.on("stats", () => {
        if (restarted && window.__first === null) window.__first = { chunk: window.ganvas.chunk, step: window.ganvas.step };
      });
      return window.ganvas.chunk;
    });
    // The DCGAN is a new run of far slower steps. Loading it while training restarts at step 0:
    // no step of it may run before Train (the worker once trained a hidden chunk of the old size).
    const loads = await page.evaluate(() => window.ganvas.presetLoads);
    await page.click("#preset-dcgan");
    await page.waitForFunction((n) => window.ganvas.presetLoads > n, loads, { timeout: 120_000 });
    if (!(await page.evaluate(() => window.ganvas.running))) await page.click("#train");
    await page.waitForFunction(() => window.__first !== null, null, { timeout: 300_000 });
    const first = await page.evaluate(() => window.__first);
    assert.deepEqual(first, { chunk: 1, step: 1 }, `the first chunk after a run whose chunks had grown to ${grown}`);
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

/** Serves `file` as a 404, opens the page, and returns the #status text once it reports an error. */
async function statusWhenMissing(file) {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.route(file, (route) => route.fulfill({ status: 404, body: "" }));
    await page.goto(SITE);
    await page.waitForFunction(() => window.ganvas && window.ganvas.errors.length > 0, null, {
      timeout: 120_000,
    });
    assert.equal(await page.isDisabled("#train"), true, "nothing to train");
    return await page.textContent("#status");
  } finally {
    await browser.close();
  }
}

test("a wasm module that fails to load is reported in #status, in words", async () => {
  assert.match(await statusWhenMissing("**/*_bg.wasm"), /model could not be loaded/);
});

test("a missing data file is reported in #status, in words", async () => {
  const status = await statusWhenMissing("**/mnist-10k-labels-idx1-ubyte.gz");
  assert.match(status, /image data could not be loaded/);
  assert.match(status, /404/);
});
