// End-to-end: the run is never lost. The page keeps a fresh copy of the run in memory while it
// trains and writes it to IndexedDB every 30 s, on Pause, when the tab is hidden and when the page
// is left, with the steps trained since the copy; the next visit offers "Resume run" at the step
// the page had reached, and Resume trains those steps again from the copy. Reload while training,
// pause then reload, close the tab and open the page again; Start fresh forgets the kept run; a
// hidden tab pauses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SITE, fullSteps, launch, open, waitReady, watchState, states } from "./browser.mjs";

const statusText = (page) => page.textContent("#status");
const LINK = "?backend=cpu#batch=16&seed=9&autostart=1";

// The step the page offers to resume, once the offer is shown.
async function offeredStep(page) {
  await waitReady(page);
  await page.waitForSelector("#resume-offer:not([hidden])", { timeout: 30_000 });
  const offered = await page.evaluate(() => window.ganvasTest.persist.offered.step);
  assert.match(await page.textContent("#resume-run"), new RegExp(`Resume run at step ${offered}$`));
  return offered;
}

// Training until the page holds a copy of the run newer than the one last written (the copy the
// page must hand on when it is left).
const unwritten = (page) =>
  page.waitForFunction(
    () => window.ganvas.running && window.ganvasTest.persist.lastSave && window.ganvas.lastGood.step > window.ganvasTest.persist.lastSave.step,
    null,
    { timeout: 120_000, polling: 100 },
  );

// What the page holds just before it is left: its step, the step of the copy in memory and the
// chunk's size in steps.
const held = (page) =>
  page.evaluate(() => ({ step: window.ganvas.step, kept: window.ganvas.lastGood, chunk: window.ganvas.chunk }));

// Notes the page's step when it is left (pagehide), where the next visit can read it.
const noteStepAtLeave = (page) =>
  page.evaluate(() =>
    window.addEventListener("pagehide", () => localStorage.setItem("stepAtLeave", String(window.ganvas.step))),
  );
const stepAtLeave = async (page) => Number(await page.evaluate(() => localStorage.getItem("stepAtLeave")));

// The sample grid's pixels (the generator on the run's fixed latents), as numbers.
const samplePixels = async (page) => page.evaluate(async () => Array.from(await window.ganvasTest.call("samples", {})));

test("a reload while training offers the step reached; Resume brings back that run, bit for bit; Start fresh forgets it", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, LINK);
    await noteStepAtLeave(page);
    await waitReady(page);
    // 15 s of training (the first chunk's copy is written at once, the next ones every 30 s).
    await page.waitForFunction(() => window.ganvas.running && window.ganvas.step >= 1, null, { timeout: 120_000 });
    await page.waitForTimeout(15_000);
    await unwritten(page);
    const before = await held(page);
    assert.ok(before.kept && before.kept.step > 1, "a copy of the run is kept in memory");
    await page.reload();
    const offered = await offeredStep(page);
    // The step the page had reached when it was left: the worker was at most a chunk ahead.
    const left = await stepAtLeave(page);
    const { replay } = await page.evaluate(() => window.ganvasTest.persist.offered);
    assert.equal(offered, left, `offered step ${offered}, the page was at step ${left} when it was left`);
    console.log(`# reload at step ${left}: offered ${offered} (a copy at step ${offered - replay} and ${replay} steps to train again), chunk ${before.chunk} steps, a copy takes ${before.kept.ms.toFixed(0)} ms`);

    await watchState(page);
    await page.click("#resume-run");
    await page.waitForFunction(() => /Resumed the run|could not be resumed/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.match(await statusText(page), new RegExp(`Resumed the run at step ${offered}\\.`));
    const seen = await states(page);
    for (const word of ["loading a run", ...(replay > 0 ? ["resuming"] : [])]) assert.ok(seen.includes(word), `#state showed "${word}": ${seen.join(", ")}`);
    assert.equal(seen.at(-1), "paused");
    assert.equal(await page.evaluate(() => window.ganvas.step), offered);
    assert.ok((await page.evaluate(() => window.ganvasTest.history().length)) > 0, "with its history");
    const resumed = await samplePixels(page);
    await fullSteps(page, 1);

    // Start fresh: the kept run is deleted, and the next visit offers nothing. (This visit's link
    // does not autostart: a run that trains is kept again.) Its fresh run, trained to the resumed
    // step without a break, is the resumed run bit for bit: the copy plus the steps trained again
    // are the run as it was (the CPU backend in wasm computes the same everywhere).
    await page.goto(new URL("?backend=cpu&visit=2#batch=16&seed=9", SITE).href);
    await offeredStep(page);
    for (let done = 0; done < offered; done += 64) {
      await page.evaluate((n) => window.ganvasTest.call("trainSteps", { n }), Math.min(64, offered - done));
    }
    const unbroken = await samplePixels(page);
    assert.equal(unbroken.length, resumed.length);
    const differ = unbroken.filter((x, i) => x !== resumed[i]).length;
    assert.equal(differ, 0, `the resumed run's samples differ from the unbroken run's in ${differ} of ${resumed.length} pixels`);
    await page.click("#start-fresh");
    await page.waitForFunction(() => /kept run is deleted/.test(document.querySelector("#status").textContent), null, { timeout: 30_000 });
    await page.reload();
    await waitReady(page);
    await page.waitForTimeout(1500);
    assert.equal(await page.isVisible("#resume-offer"), false);
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

test("Pause, then reload: the paused step is offered; a hidden tab pauses and keeps the run", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, LINK);
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.running && window.ganvas.step >= 5, null, { timeout: 120_000 });

    // Hidden: training pauses and the run is written; visible again: it goes on.
    const saves = await page.evaluate(() => window.ganvasTest.persist.saves);
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight && window.ganvas.pausedByHiding, null, { timeout: 30_000 });
    const hiddenAt = await page.evaluate(() => window.ganvas.step);
    await page.waitForFunction((s) => window.ganvasTest.persist.lastSave?.step === s, hiddenAt, { timeout: 30_000 });
    assert.ok((await page.evaluate(() => window.ganvasTest.persist.saves)) > saves);
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.ganvas.step), hiddenAt, "no training while hidden");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: false, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForFunction((s) => window.ganvas.running && window.ganvas.step > s + 5, hiddenAt, { timeout: 60_000 });

    // Pause: the step training stopped at is written.
    await page.click("#train");
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 30_000 });
    const paused = await page.evaluate(() => window.ganvas.step);
    await page.waitForFunction((s) => window.ganvasTest.persist.lastSave?.step === s, paused, { timeout: 30_000 });
    assert.match(await statusText(page), /Paused/);
    await page.reload();
    assert.equal(await offeredStep(page), paused);
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

test("closing the tab while training, after a live setting changed, then opening the page again, offers the step at close", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, LINK);
    await noteStepAtLeave(page);
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.running && window.ganvas.step >= 1, null, { timeout: 120_000 });
    await unwritten(page);
    // A live setting: the copy before it cannot be trained on to the present, so the run is copied
    // again at once; the tab is closed a few chunks after that copy.
    await page.fill("#set-lrD", "0.0003");
    await page.dispatchEvent("#set-lrD", "change");
    await page.waitForFunction(() => /applied to the running networks/.test(document.querySelector("#status").textContent), null, { timeout: 30_000 });
    const changedAt = await page.evaluate(() => window.ganvas.step);
    await page.waitForFunction((s) => window.ganvas.lastGood.step >= s && window.ganvas.step > window.ganvas.lastGood.step, changedAt, { timeout: 60_000, polling: 50 });
    const before = await held(page);
    assert.deepEqual(log.errors, []);
    // As a person closes a tab: the page's unload handlers run (Playwright's plain close skips them).
    const closed = new Promise((resolve) => page.once("close", resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    const { page: again } = await open(browser, "?backend=cpu");
    const offered = await offeredStep(again);
    const left = await stepAtLeave(again);
    assert.equal(offered, left, `offered step ${offered}, the page was at step ${left} when it was closed`);
    const { replay } = await again.evaluate(() => window.ganvasTest.persist.offered);
    assert.ok(replay > 0, "the steps since the copy are kept as steps to train again");
    console.log(`# closed at step ${left}: offered ${offered} (a copy at step ${offered - replay} and ${replay} steps to train again), chunk ${before.chunk} steps, a copy takes ${before.kept.ms.toFixed(0)} ms`);
  } finally {
    await browser.close();
  }
});
