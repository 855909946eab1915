// Browser benchmark: training speed of the seed GAN in headless Chromium, on one backend and batch.
// Prints one JSON line. Usage: node tests/bench.mjs --backend webgpu|cpu --batch 64 --seconds 30
import { launch, open, waitReady } from "./browser.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const backend = args.backend === "cpu" ? "cpu" : "webgpu";
const batch = Number(args.batch || 64);
const seconds = Number(args.seconds || 30);

const browser = await launch({ webgpu: backend === "webgpu" });
try {
  const query = `?batch=${batch}${backend === "cpu" ? "&backend=cpu" : ""}`;
  const { page } = await open(browser, query);
  const state = await waitReady(page);
  const want = backend === "cpu" ? "CPU" : "WebGPU";
  if (state.backend !== want) throw new Error(`asked for ${want}, the page runs on ${state.backend}`);
  await page.click("#train");
  await page.waitForFunction(() => window.ganvas.firstStepMs !== null, null, { timeout: 900_000 });
  // Steady state: the window starts once the first quality measurement has landed (it compiles the
  // classifier's kernels). From then on the page spends at most a fifth of its time measuring, and
  // steps/s includes that.
  await page.waitForFunction(() => window.ganvas.evalMs !== null, null, { timeout: 900_000 });
  const measureMs = await page.evaluate(() => window.ganvas.evalMs);
  const start = await page.evaluate(() => ({ step: window.ganvas.step, t: performance.now() }));
  await page.waitForTimeout(seconds * 1000);
  const end = await page.evaluate(() => ({ step: window.ganvas.step, t: performance.now() }));
  const firstStepMs = await page.evaluate(() => window.ganvas.firstStepMs);

  const stepsPerS = ((end.step - start.step) * 1000) / (end.t - start.t);
  console.log(
    JSON.stringify({
      where: "browser",
      backend,
      batch,
      steps_per_s: Number(stepsPerS.toFixed(2)),
      first_step_ms: Math.round(firstStepMs),
      measure_ms: Math.round(measureMs),
    }),
  );
} finally {
  await browser.close();
}
