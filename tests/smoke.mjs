// The browser smoke check of `cargo xtask test --quick`: the page loads on the CPU backend, reads
// the run's schema from the wasm module (the settings form's ranges), trains a few steps, draws
// samples, and logs no error. A few seconds; the full end-to-end tests are `*.test.mjs`.
import assert from "node:assert/strict";
import { launch, open, waitReady } from "./browser.mjs";

const browser = await launch({ webgpu: false });
try {
  const t0 = Date.now();
  const { page, log } = await open(browser, "?backend=cpu");
  const state = await waitReady(page);
  assert.equal(state.backend, "CPU");
  // The form's ranges come from ganvas_core::settings through the wasm module.
  assert.equal(await page.getAttribute("#set-batchSize", "max"), "1024");
  assert.equal(await page.getAttribute("#set-lrG", "min"), "0.000001");
  await page.click("#train");
  await page.waitForFunction(() => window.ganvas.step >= 5 && window.ganvas.samplesDrawn >= 1, null, {
    timeout: 120_000,
    polling: 100,
  });
  await page.click("#train"); // pause
  // Its static constructors ran once, not at every call into the module (crates/web/src/constructors.rs).
  assert.equal(await page.evaluate(() => window.ganvasTest.call("constructorRuns")), 1);
  assert.deepEqual(log.errors, [], "no console or page errors");
  console.log(`smoke: trained to step ${await page.evaluate(() => window.ganvas.step)} in ${((Date.now() - t0) / 1000).toFixed(1)} s, no errors`);
} finally {
  await browser.close();
}
