// Browser benchmark in headless Chromium, on one backend, batch and preset. Prints one JSON line.
//   node tests/bench.mjs --backend webgpu|cpu [--batch 64] --seconds 30 [--preset ID]
//     steady-state steps/s, once the first quality measurement has landed (without --batch, at the
//     preset's own batch size);
//   node tests/bench.mjs --backend cpu --preset seed-gan --until-digits 600
//     seconds of training from pressing Train until the page's own quality measurement first shows
//     a classifier score >= 5 with >= 8 digits covered, or "not reached" after that many seconds.
import { launch, open, waitReady } from "./browser.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const backend = args.backend === "cpu" ? "cpu" : "webgpu";
const batch = args.batch ? Number(args.batch) : null;
const seconds = Number(args.seconds || 30);
const preset = args.preset || "seed-gan";
const untilDigits = args["until-digits"] ? Number(args["until-digits"]) : null;
// What "digits appear" means for the time-to-digits figure.
const SCORE = 5;
const COVERED = 8;

const browser = await launch({ webgpu: backend === "webgpu" });
try {
  const query = `?${batch === null ? "" : `batch=${batch}&`}backend=${backend}#preset=${preset}`;
  const { page } = await open(browser, query);
  const state = await waitReady(page);
  const batchSize = await page.evaluate(() => window.ganvas.settings.batchSize);
  const want = backend === "cpu" ? "CPU" : "WebGPU";
  if (state.backend !== want) throw new Error(`asked for ${want}, the page runs on ${state.backend}`);
  const pressed = await page.evaluate(() => performance.now());
  await page.click("#train");
  await page.waitForFunction(() => window.ganvas.firstStepMs !== null, null, { timeout: 900_000 });
  const firstStepMs = await page.evaluate(() => window.ganvas.firstStepMs);
  const line = { where: "browser", backend, preset, batch: batchSize, threads: 1, first_step_ms: Math.round(firstStepMs) };

  if (untilDigits !== null) {
    // Polled every 200 ms: the figure is good to a fraction of a second.
    const reached = await page
      .waitForFunction(
        ({ score, covered }) => {
          const m = window.ganvas.metrics;
          return m && m.classifierScore >= score && m.digitsCovered >= covered ? { step: m.step, t: performance.now() } : false;
        },
        { score: SCORE, covered: COVERED },
        { timeout: untilDigits * 1000, polling: 200 },
      )
      .then((handle) => handle.jsonValue())
      .catch(() => null);
    const last = await page.evaluate(() => ({ step: window.ganvas.step, metrics: window.ganvas.metrics }));
    line.time_to_digits_s = reached ? Number(((reached.t - pressed) / 1000).toFixed(1)) : "not reached";
    line.digits_step = reached ? reached.step : null;
    line.limit_s = untilDigits;
    line.last_step = last.step;
    line.last_score = last.metrics ? Number(last.metrics.classifierScore.toFixed(2)) : null;
    line.last_covered = last.metrics ? last.metrics.digitsCovered : null;
  } else {
    // Steady state: the window starts once the first quality measurement has landed (it compiles
    // the classifier's kernels). From then on the page spends at most a fifth of its time
    // measuring, and steps/s includes that.
    await page.waitForFunction(() => window.ganvas.evalMs !== null, null, { timeout: 900_000 });
    const measureMs = await page.evaluate(() => window.ganvas.evalMs);
    const start = await page.evaluate(() => ({ step: window.ganvas.step, t: performance.now() }));
    await page.waitForTimeout(seconds * 1000);
    const end = await page.evaluate(() => ({ step: window.ganvas.step, t: performance.now() }));
    line.steps_per_s = Number((((end.step - start.step) * 1000) / (end.t - start.t)).toFixed(2));
    line.measure_ms = Math.round(measureMs);
  }
  console.log(JSON.stringify(line));
} finally {
  await browser.close();
}
