// End-to-end: the classroom features on the CPU backend (fast and deterministic here), and every
// preset on the real WebGPU path (SwiftShader here). Asserts behaviour, reports timings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launch, open, waitReady, watchState, states } from "./browser.mjs";

const OUT = new URL("./output/", import.meta.url).pathname;
mkdirSync(OUT, { recursive: true });
const LONG = 15 * 60_000;

const state = (page) => page.evaluate(() => window.ganvas);
const inked = (page, id) =>
  page.evaluate((id) => {
    const c = document.getElementById(id);
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 40) lit++;
    return lit;
  }, id);

test("step mode: D step, G step and Full step advance the right counters and show the update", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    let s = await state(page);
    assert.equal(s.step, 0);
    assert.equal(s.dUpdates, 0);

    await page.click("#d-step");
    await page.waitForFunction(() => window.ganvas.dUpdates === 1, null, { timeout: 60_000 });
    s = await state(page);
    assert.equal(s.step, 0, "a D step is not a G update");
    assert.equal(await page.textContent("#d-updates"), "1");
    assert.equal(await page.isVisible("#step-view"), true);
    // Four numbered stages; 8 real and 8 fake images before, and again after.
    assert.equal(await page.locator("#step-view-body .stage").count(), 4);
    assert.equal(await page.locator("#step-view-body .image-row li").count(), 32);
    const before = await page.locator("#step-view-body .stage").nth(1).locator("li span").allTextContents();
    assert.ok(before.every((t) => Number.isFinite(parseFloat(t))), `D scores shown: ${before}`);

    await page.click("#g-step");
    await page.waitForFunction(() => window.ganvas.step === 1, null, { timeout: 60_000 });
    s = await state(page);
    assert.equal(s.dUpdates, 1, "a G step is not a D update");
    assert.equal(await page.textContent("#step"), "1");
    assert.equal(await page.locator("#step-view-body .image-row li").count(), 16, "8 fakes before, 8 after");
    assert.match(await page.textContent("#step-view-body"), /gradient size/);

    await page.click("#full-step");
    await page.waitForFunction(() => window.ganvas.step === 2, null, { timeout: 60_000 });
    s = await state(page);
    assert.equal(s.dUpdates, 2, "a full step is one D update (d_steps 1) and one G update");
    assert.ok(Number.isFinite(s.lastStats.gGrad) && s.lastStats.gGrad > 0, `G gradient ${s.lastStats.gGrad}`);

    // With 3 D steps per G step, a full step is 3 D updates.
    await page.fill("#set-dSteps", "3");
    await page.dispatchEvent("#set-dSteps", "change");
    await page.waitForFunction(() => window.ganvas.settings.dSteps === 3, null, { timeout: 30_000 });
    assert.match(await page.textContent("#status"), /applied to the running networks/);
    await page.click("#full-step");
    await page.waitForFunction(() => window.ganvas.step === 3, null, { timeout: 60_000 });
    assert.equal((await state(page)).dUpdates, 5);
    await page.screenshot({ path: `${OUT}step-mode.png`, fullPage: true });
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("settings: live changes apply, structural ones restart and say so, bad values are refused", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.step >= 5, null, { timeout: 60_000 });
    await watchState(page);
    // A learning rate applies live: the step count keeps going.
    await page.fill("#set-lrG", "0.0005");
    await page.dispatchEvent("#set-lrG", "change");
    await page.waitForFunction(() => window.ganvas.settings.lrG === 0.0005, null, { timeout: 30_000 });
    const live = await state(page);
    assert.ok(live.step >= 5, "a live change keeps the run");
    assert.match(await page.textContent("#status"), /G learning rate changed to 0.0005: applied/);
    // The latent size needs new networks: step 0, and the page says so.
    await page.fill("#set-latentDim", "32");
    await page.dispatchEvent("#set-latentDim", "change");
    await page.waitForFunction(() => /restarted at step 0/.test(document.getElementById("status").textContent), null, { timeout: 30_000 });
    assert.equal((await state(page)).latentDim, 32);
    assert.equal((await state(page)).step, 0);
    assert.match(await page.textContent("#status"), /restarted at step 0/);
    const seen = await states(page);
    assert.ok(seen.includes("restarting"), `#state said so while it restarted: ${seen.join(", ")}`);
    assert.notEqual(seen.at(-1), "restarting");
    // An out-of-range value is refused with a message, and the field shows the value in use.
    await page.fill("#set-batchSize", "5000");
    await page.dispatchEvent("#set-batchSize", "change");
    await page.waitForFunction(() => /not changed/.test(document.getElementById("status").textContent), null, { timeout: 30_000 });
    assert.match(await page.textContent("#status"), /batch size 5000 is out of range/);
    assert.equal(await page.inputValue("#set-batchSize"), "32");
    // Fashion-MNIST: a new data set, new real images, and its own classifier measures it.
    const realBefore = await inked(page, "real");
    await page.selectOption("#set-dataset", "fashion");
    await page.waitForFunction(() => /Data set changed to fashion/.test(document.getElementById("status").textContent), null, { timeout: 60_000 });
    assert.equal(await page.textContent("#dataset-name"), "Fashion-MNIST");
    assert.notEqual(await inked(page, "real"), realBefore, "the real grid shows clothes");
    const measured = await page.evaluate(() => window.ganvas.evaluations);
    await page.click("#train");
    await page.waitForFunction((n) => window.ganvas.step >= 3 && window.ganvas.evaluations > n, measured, { timeout: 120_000 });
    await page.click("#train");
    assert.match(await page.textContent("#quality-readout"), /^Step \d+: classifier score [\d.]+, FID/);
    assert.match(await page.textContent("#coverage-readout"), /^\d+ of 10 kinds of clothing are being drawn\. \(Real clothes do not reach 10 either/);
    assert.match(await page.getAttribute("#class-histogram", "aria-label"), /^Clothes drawn, out of \d+ samples: T-shirt\/top: \d+/);
    // The copy check compares with the training clothes, by their class names.
    const box = await page.locator("#samples").boundingBox();
    await page.mouse.click(box.x + (2.5 / 8) * box.width, box.y + (1.5 / 8) * box.height);
    await page.waitForFunction(() => document.querySelectorAll("#neighbours li").length === 5, null, { timeout: 60_000 });
    assert.match(await page.textContent("#neighbours"), /Its 5 nearest training images/);
    assert.match(await page.textContent("#neighbours li"), /^a (T-shirt\/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot), distance/);
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("latent space: interpolation strip, sliders, timelapse, conditional digit picker", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu&preset=conditional");
    await waitReady(page);
    assert.equal((await state(page)).conditional, true);
    assert.equal(await page.isVisible("#digit-picker"), true);
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.timelapse.frames >= 3, null, { timeout: LONG });
    await page.click("#train");
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 60_000 });

    // Clicking two grid cells sets A and B; the strip draws 10 images between them.
    const box = await page.locator("#samples").boundingBox();
    await page.mouse.click(box.x + box.width * (0.5 / 8), box.y + box.height * (0.5 / 8));
    await page.mouse.click(box.x + box.width * (3.5 / 8), box.y + box.height * (2.5 / 8));
    assert.equal(await page.inputValue("#interp-a"), "1");
    assert.equal(await page.inputValue("#interp-b"), "20");
    for (const mode of ["linear", "slerp"]) {
      await page.evaluate(() => (window.ganvas.interpolation = null));
      await page.click(`#interp-${mode}`);
      await page.waitForFunction(() => window.ganvas.interpolation, null, { timeout: 60_000 });
      assert.equal((await state(page)).interpolation.images, 10);
      assert.ok((await inked(page, "interp-strip")) > 50, `the ${mode} strip has ink`);
    }
    // A slider redraws image A.
    const draws = (await state(page)).sliderDraws;
    await page.fill("#latent-0", "2.5");
    await page.dispatchEvent("#latent-0", "input");
    await page.waitForFunction((n) => window.ganvas.sliderDraws > n, draws, { timeout: 60_000 });
    // The digit picker asks every cell for one digit.
    await page.selectOption("#digit-picker", "7");
    await page.waitForFunction(() => window.ganvas.digit === 7, null, { timeout: 30_000 });
    // The replay scrubs back to step 0's noise.
    await page.fill("#timelapse", "0");
    await page.dispatchEvent("#timelapse", "input");
    assert.match(await page.textContent("#timelapse-step"), /^step 0 /);
    await page.screenshot({ path: `${OUT}explore.png`, fullPage: true });
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("draw and probe: a drawing gets D's score and the classifier's guess; the search finds a near image", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.classifier === "ready", null, { timeout: LONG });
    await page.click("#train");
    // Draw a "1": one stroke down the middle of the pad.
    await page.locator("#draw").scrollIntoViewIfNeeded();
    const pad = await page.locator("#draw").boundingBox();
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * (0.2 + 0.06 * i));
    await page.mouse.up();
    await page.waitForFunction(() => window.ganvas.probe && window.ganvas.probe.guess !== null, null, { timeout: 60_000 });
    const probe = (await state(page)).probe;
    assert.ok(probe.realness >= 0 && probe.realness <= 1, `D's probability ${probe.realness}`);
    assert.equal(probe.guess, 1, "the classifier reads a drawn stroke as a 1");
    assert.match(await page.textContent("#probe-readout"), /classifier reads a 1/);

    await page.click("#find");
    await page.waitForFunction(() => window.ganvas.search && window.ganvas.search.steps >= 30, null, { timeout: LONG });
    const first = (await state(page)).search.distance;
    // Cancel: the button stops the search.
    await page.click("#find");
    await page.waitForFunction(() => document.getElementById("find").textContent === "Find it in the GAN", null, { timeout: 60_000 });
    const s = (await state(page)).search;
    assert.ok(s.cancelled && s.steps < 300, `stopped at step ${s.steps}`);
    assert.ok(Number.isFinite(first) && first > 0, `distance ${first}`);
    assert.match(await page.textContent("#found-readout"), /Stopped/);
    await page.screenshot({ path: `${OUT}probe.png`, fullPage: true });
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("keyboard only: presets, training, step buttons, settings and help are reachable and work", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    // Tab until a control is focused; returns its id.
    const tabTo = async (selector, limit = 80) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press("Tab");
        if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), selector)) return;
      }
      throw new Error(`${selector} was not reached with Tab`);
    };
    await tabTo("#preset-dcgan");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.ganvas.preset === "dcgan", null, { timeout: 60_000 });
    assert.match(await page.textContent("#preset-caption"), /Convolutional/);
    await tabTo("#train");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.ganvas.step >= 2, null, { timeout: 120_000 });
    await page.keyboard.press("Enter"); // pause
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 60_000 });
    const step = (await state(page)).step;
    await tabTo("#g-step");
    await page.keyboard.press("Space");
    await page.waitForFunction((n) => window.ganvas.step === n + 1, step, { timeout: 60_000 });
    // A help "?" opens with the keyboard.
    await tabTo("details.help > summary");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.parentElement.open), true);
    // A setting changes with the keyboard alone.
    await tabTo("#set-loss");
    await page.keyboard.press("ArrowDown"); // non-saturating -> minimax
    await page.waitForFunction(() => window.ganvas.settings.loss === "minimax", null, { timeout: 30_000 });
    // Every control is labelled for screen readers.
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("button, input, select, canvas, summary")]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim())
        .map((el) => el.id || el.outerHTML.slice(0, 60)),
    );
    assert.deepEqual(unlabelled, [], "controls without a label");
    // A projector, a laptop, a tablet and a phone: Train, the step, the grid and the loss plot are
    // all in view without scrolling, and nothing sticks out sideways.
    await page.evaluate(() => window.scrollTo(0, 0));
    for (const [width, height] of [[1280, 720], [1280, 800], [820, 1180], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await page.evaluate(() => window.scrollTo(0, 0));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `at ${width}px the page is ${overflow}px too wide`);
      const outOfView = await page.evaluate(() =>
        ["train", "step", "samples", "loss-plot"].filter((id) => {
          const r = document.getElementById(id).getBoundingClientRect();
          return !(r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth);
        }),
      );
      assert.deepEqual(outOfView, [], `at ${width}x${height}, out of view`);
      await page.screenshot({ path: `${OUT}layout-${width}x${height}.png` });
    }
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});

test("WebGPU: every preset loads and trains a few steps", async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, log } = await open(browser, "?backend=webgpu");
    await waitReady(page);
    assert.equal((await state(page)).backend, "WebGPU");
    const ids = await page.evaluate(() => window.ganvas.presets.map((p) => p.id));
    const report = [];
    for (const id of ids) {
      const t0 = Date.now();
      // Loads a preset by its button and waits until it is in place.
      const load = async (selector) => {
        const loads = await page.evaluate(() => window.ganvas.presetLoads);
        await page.click(selector);
        await page.waitForFunction((n) => window.ganvas.presetLoads > n, loads, { timeout: LONG });
      };
      // Failure presets' fixes are reached through "Show the fix".
      const failure = await page.evaluate((id) => window.ganvas.presets.find((p) => p.fix === id), id);
      if (failure) {
        await load(`#preset-${failure.id}`);
        await load("#show-fix");
      } else {
        await load(`#preset-${id}`);
      }
      const loaded = await state(page);
      assert.equal(loaded.preset, id);
      assert.equal(loaded.step, 0, `${id} starts at step 0`);
      await page.click("#train");
      await page.waitForFunction(() => window.ganvas.step >= 2, null, { timeout: LONG, polling: 250 });
      await page.click("#train");
      await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: LONG });
      const s = await state(page);
      for (const k of ["dLoss", "gLoss", "dReal", "dFake", "gGrad"]) {
        assert.ok(Number.isFinite(s.lastStats[k]), `${id}: ${k} = ${s.lastStats[k]}`);
      }
      report.push({ preset: id, steps: s.step, ms: Date.now() - t0 });
      console.log(`# ${JSON.stringify(report[report.length - 1])}`);
    }
    assert.equal(report.length, ids.length);
    await page.screenshot({ path: `${OUT}presets-webgpu.png`, fullPage: true });
    assert.deepEqual(log.errors, [], "no console errors");
  } finally {
    await browser.close();
  }
});
