// End-to-end: the plots can be read. The legend shows the latest values, hovering shows the step
// under the pointer and every series' value there, dragging zooms to a range of steps and a double
// click zooms back out; a spike does not set the value axis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, open, waitReady } from "./browser.mjs";

const legendStep = (page) => page.textContent("#loss-plot .u-legend .u-series:first-child .u-value");

test("plots: latest values in the legend, hover read-out, drag to zoom, double-click to zoom out, robust axes", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu#batch=16&seed=3&autostart=1");
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.step >= 40, null, { timeout: 180_000 });
    await page.click("#train");
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 60_000 });
    const step = await page.evaluate(() => window.ganvas.step);
    assert.equal(await legendStep(page), String(step), "the legend shows the latest step");
    const legendValues = await page.$$eval("#loss-plot .u-legend .u-value", (els) => els.map((e) => e.textContent));
    assert.equal(legendValues.length, 5, "step, two raw losses, two smoothed");
    assert.ok(legendValues.slice(1).every((v) => Number.isFinite(Number(v))), `legend values: ${legendValues}`);

    // Hover: the legend follows the pointer.
    const over = await page.locator("#loss-plot .u-over").boundingBox();
    await page.mouse.move(over.x + over.width * 0.2, over.y + over.height / 2);
    await page.waitForFunction((s) => Number(document.querySelector("#loss-plot .u-legend .u-series:first-child .u-value").textContent) < s * 0.5, step, { timeout: 10_000 });

    // Drag from 40% to 70% of the width: zoomed to those steps. Double click: all steps again.
    await page.mouse.move(over.x + over.width * 0.4, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.7, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    const zoomed = await page.evaluate(() => window.ganvasTest.plotView("loss-plot"));
    assert.ok(zoomed.zoomed && zoomed.min > 1 && zoomed.max < step, `zoomed to ${zoomed.min}..${zoomed.max} of 1..${step}`);
    await page.mouse.dblclick(over.x + over.width * 0.5, over.y + over.height / 2);
    const whole = await page.evaluate(() => window.ganvasTest.plotView("loss-plot"));
    assert.ok(!whole.zoomed && whole.min <= 1 && whole.max >= step, `zoomed out to ${whole.min}..${whole.max}`);

    // A spike does not set the axis: 200 values near 1 and one of 50.
    const range = await page.evaluate(async () => {
      const { robustRange } = await import("./web/plots.js");
      return robustRange([...Array.from({ length: 200 }, (_, i) => 1 + (i % 10) / 100), 50]);
    });
    assert.ok(range[1] < 2 && range[0] > 0.5, `range ${range}`);
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});
