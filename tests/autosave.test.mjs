// End-to-end: the run is never lost. The page keeps a fresh copy of the run in memory while it
// trains and writes it to IndexedDB every 30 s, on Pause, when the tab is hidden and when the page
// is left; the next visit offers "Resume run" at that step. Reload while training, pause then
// reload, close the tab and open the page again; Start fresh forgets the kept run; a hidden tab
// pauses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SITE, fullSteps, launch, open, waitReady } from "./browser.mjs";

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

test("a reload while training offers the step reached; Resume continues it; Start fresh forgets it", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, LINK);
    await waitReady(page);
    // 15 s of training (the first chunk's copy is written at once, the next ones every 30 s).
    await page.waitForFunction(() => window.ganvas.running && window.ganvas.step >= 1, null, { timeout: 120_000 });
    await page.waitForTimeout(15_000);
    await unwritten(page);
    const before = await held(page);
    assert.ok(before.kept && before.kept.step > 1, "a copy of the run is kept in memory");
    await page.reload();
    const offered = await offeredStep(page);
    // The copy written on leave is the one in memory at the reload (or a later one).
    assert.ok(offered >= before.kept.step, `offered step ${offered}, kept in memory ${before.kept.step}`);
    console.log(`# reload at step ~${before.step}: offered ${offered}, chunk ${before.chunk} steps, a copy takes ${before.kept.ms.toFixed(0)} ms`);

    await page.click("#resume-run");
    await page.waitForFunction(() => /Resumed the run|could not be resumed/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.match(await statusText(page), new RegExp(`Resumed the run at step ${offered}\\.`));
    assert.equal(await page.evaluate(() => window.ganvas.step), offered);
    assert.ok((await page.evaluate(() => window.ganvasTest.history().length)) > 0, "with its history");
    await fullSteps(page, 1);

    // Start fresh: the kept run is deleted, and the next visit offers nothing. (This visit's link
    // does not autostart: a run that trains is kept again.)
    await page.goto(new URL("?backend=cpu&visit=2#batch=16&seed=9", SITE).href);
    await offeredStep(page);
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

test("closing the tab while training, then opening the page again, offers the step at close", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, LINK);
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.running && window.ganvas.step >= 1, null, { timeout: 120_000 });
    await unwritten(page);
    const before = await held(page);
    assert.deepEqual(log.errors, []);
    // As a person closes a tab: the page's unload handlers run (Playwright's plain close skips them).
    const closed = new Promise((resolve) => page.once("close", resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    const { page: again } = await open(browser, "?backend=cpu");
    const offered = await offeredStep(again);
    assert.ok(offered >= before.kept.step, `offered step ${offered}, kept in memory ${before.kept.step}`);
    console.log(`# closed at step ~${before.step}: offered ${offered}, chunk ${before.chunk} steps, a copy takes ${before.kept.ms.toFixed(0)} ms`);
  } finally {
    await browser.close();
  }
});
