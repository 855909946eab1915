// End-to-end: the page passes an automated accessibility check (axe-core, pinned in
// tests/package.json) with no serious or critical violation, as it first loads and with its
// panels in use (a D step's slow-motion view, a picked sample's neighbours, an open help), on a
// laptop and on a phone. Moderate and minor findings are printed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { launch, open, waitReady } from "./browser.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function check(page, when) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window["axe"].run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  for (const v of violations) console.log(`# ${when}: ${v.impact} ${v.id} (${v.help}): ${v.nodes.join(", ")}`);
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${when}: serious or critical accessibility violations`);
}

test("the page passes axe-core with no serious or critical violation, at rest and with its panels open", async () => {
  const browser = await launch({ webgpu: false, bypassCSP: true });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    for (const [width, height] of [[1280, 720], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await check(page, `at rest, ${width}x${height}`);
    }
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.click("#d-step");
    await page.waitForSelector("#step-view:not([hidden])", { timeout: 120_000 });
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.classifier === "ready" && window.ganvas.evaluations >= 1, null, { timeout: 300_000 });
    await page.click("#train");
    const box = await page.locator("#samples").boundingBox();
    await page.mouse.click(box.x + 10, box.y + 10);
    await page.waitForSelector("#neighbours .verdict", { timeout: 60_000 });
    await page.click(".controls details.help > summary");
    for (const [width, height] of [[1280, 720], [390, 844]]) {
      await page.setViewportSize({ width, height });
      await check(page, `in use, ${width}x${height}`);
    }
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});
