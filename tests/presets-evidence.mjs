// Runs each failure preset and its fix in the page (headless Chromium) for a number of steps and
// prints what the page itself shows: the last losses and scores, G's gradient, and the quality
// panel's last measurement. Not a test (it takes minutes per preset); see README "Teaching with
// Ganvas". Usage: GANVAS_URL=http://127.0.0.1:8080/ node tests/presets-evidence.mjs [steps] [cpu|webgpu] [id,id...]
import { launch, open, waitReady } from "./browser.mjs";

// Steps per preset: the saturating pair does 5 D updates per step, so it runs half as many.
const steps = Number(process.argv[2] || 1000);
const backend = process.argv[3] || "cpu";
// Optional: only these presets (comma-separated).
const only = process.argv[4] ? process.argv[4].split(",") : null;
const pairs = [
  [["mode-collapse", "mode-collapse-fix"], steps],
  [["saturating", "saturating-fix"], Math.ceil(steps / 2)],
  [["d-wins", "d-wins-fix"], steps],
];

const browser = await launch({ webgpu: backend === "webgpu" });
try {
  for (const [pair, steps] of pairs) {
    for (const id of pair) {
      if (only && !only.includes(id)) continue;
      const query = `?preset=${id}&backend=${backend}`;
      const { page } = await open(browser, query);
      await waitReady(page);
      const t0 = Date.now();
      await page.click("#train");
      await page.waitForFunction((n) => window.ganvas.step >= n, steps, { timeout: 60 * 60_000, polling: 500 });
      // One more measurement after the last step.
      const before = await page.evaluate(() => window.ganvas.evaluations);
      await page.waitForFunction((n) => window.ganvas.evaluations > n, before, { timeout: 10 * 60_000 });
      await page.click("#train");
      // The statistics are noisy from step to step: the means over the last 50 chunks read.
      const s = await page.evaluate(() => {
        const h = window.ganvasTest.history().slice(-50);
        const mean = (k) => h.reduce((a, x) => a + x[k], 0) / h.length;
        return {
        step: window.ganvas.step,
        preset: window.ganvas.preset,
        last: { dLoss: mean("dLoss"), dReal: mean("dReal"), dFake: mean("dFake"), gGrad: mean("gGrad"), from: h[0].step },
        metrics: window.ganvas.metrics,
        collapseWarning: window.ganvas.collapseWarning,
        warning: document.getElementById("collapse-warning").textContent,
        };
      });
      const m = s.metrics;
      console.log(
        JSON.stringify({
          preset: id,
          backend,
          step: s.step,
          seconds: Math.round((Date.now() - t0) / 1000),
          means_from_step: s.last.from,
          d_loss: s.last.dLoss,
          d_real: s.last.dReal,
          d_fake: s.last.dFake,
          g_grad: s.last.gGrad,
          measured_at: m.step,
          score: m.classifierScore,
          fid: m.fid,
          covered: m.digitsCovered,
          diversity: m.diversity,
          collapse_warning: s.collapseWarning,
        }),
      );
      await page.screenshot({ path: new URL(`./output/evidence-${id}.png`, import.meta.url).pathname, fullPage: false });
    }
  }
} finally {
  await browser.close();
}
