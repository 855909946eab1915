// End-to-end: compare runs. Two saved runs that differ in one setting open beside the current
// run: one curve each in the overlay, three grids side by side, and the settings table marks the
// one setting that differs; a file that is not a run is named and the rest stay.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SITE, downloadOf, launch, open, waitReady } from "./browser.mjs";

// Trains with Train until the quality panel has measured twice, pauses, and saves the run.
async function trainAndSave(page) {
  await page.click("#train");
  await page.waitForFunction(() => window.ganvas.evaluations >= 2, null, { timeout: 180_000, polling: 250 });
  await page.click("#train");
  await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 60_000 });
  return (await downloadOf(page, "#save-run")).bytes;
}

test("two saved runs overlay beside this one: a curve and a grid each, and the setting that differs is marked", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu#batch=16&seed=5");
    await waitReady(page);
    const slow = await trainAndSave(page);
    await page.goto("about:blank");
    await page.goto(new URL("?backend=cpu#batch=16&seed=5&lrG=0.0002", SITE).href);
    await waitReady(page);
    const fast = await trainAndSave(page);

    await page.click('[data-goto="compare-panel"]');
    await page.setInputFiles("#compare-files", [
      { name: "slow.ganvas", mimeType: "application/octet-stream", buffer: slow },
      { name: "fast.ganvas", mimeType: "application/octet-stream", buffer: fast },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a run") },
    ]);
    await page.waitForFunction(() => window.ganvas.compare && window.ganvas.compare.runs.length === 3, null, { timeout: 60_000 });
    assert.match(await page.textContent("#compare-message"), /Not compared: "notes\.txt" \(this is not a Ganvas file/);
    const compare = await page.evaluate(() => window.ganvas.compare);
    assert.deepEqual(compare.runs.map((r) => r.name), ["this run", "slow", "fast"]);
    for (const run of compare.runs) {
      assert.ok(run.losses > 0 && run.measurements >= 2, `${run.name}: ${run.losses} losses, ${run.measurements} measurements`);
    }
    assert.deepEqual(compare.differing, ["lrG"], `only the G learning rate differs: ${await page.textContent("#compare-table")}`);
    const marked = await page.$$eval("#compare-table tr.differs th", (ths) => ths.map((th) => th.textContent));
    assert.deepEqual(marked, ["G learning rate (differs)"]);
    assert.deepEqual(await page.$$eval("#compare-table thead th", (ths) => ths.map((th) => th.textContent.replace(" ×", ""))), [
      "Setting",
      "this run",
      "slow",
      "fast",
    ]);

    // One line per run in the overlay, for the losses and for a quality measurement.
    const series = () => page.$$eval("#compare-plot .u-legend .u-series", (rows) => rows.slice(1).map((r) => r.textContent));
    assert.equal((await series()).length, 3);
    await page.selectOption("#compare-curve", "classifierScore");
    await page.waitForFunction(() => window.ganvas.compare.curve === "classifierScore");
    assert.equal((await series()).length, 3);

    // Three grids side by side, each drawn (more than one grey level, not an empty box).
    const contrast = await page.$$eval("#compare-grids canvas", (canvases) =>
      canvases.map((canvas) => {
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let [lo, hi] = [255, 0];
        for (let i = 0; i < data.length; i += 4) [lo, hi] = [Math.min(lo, data[i]), Math.max(hi, data[i])];
        return hi - lo;
      }),
    );
    assert.equal(contrast.length, 3);
    assert.ok(contrast.every((c) => c > 64), `grid contrast ${contrast}`);
    // The saved grid of the run that is still open is this run's own grid.
    const same = await page.$$eval("#compare-grids canvas", (c) => {
      const pixels = (canvas) => Array.from(canvas.getContext("2d").getImageData(0, 0, 224, 224).data);
      const [here, saved] = [pixels(c[0]), pixels(c[2])];
      return here.every((v, i) => v === saved[i]);
    });
    assert.ok(same, "the fast run's file draws the grid this run shows (it is the same run, not trained since)");

    // Removing one leaves the other.
    await page.click('#compare-table thead button[aria-label="Stop comparing slow"]');
    await page.waitForFunction(() => window.ganvas.compare.runs.length === 2);
    assert.deepEqual(await page.evaluate(() => window.ganvas.compare.differing), []);
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});
