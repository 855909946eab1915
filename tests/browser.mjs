// Launches Debian's Chromium for the end-to-end tests and benchmarks, and opens the served site.
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SITE = process.env.GANVAS_URL || "http://127.0.0.1:8080/";

/**
 * A fresh headless Chromium. With `webgpu`, `--enable-unsafe-webgpu` gives WebGPU on SwiftShader (a
 * CPU Vulkan) on machines without a GPU; without it, this Chromium has no WebGPU adapter.
 * `bypassCSP` lets a test inject a script (axe-core) that the page's CSP would refuse.
 */
export async function launch({ webgpu, bypassCSP = false }) {
  const args = [
    "--headless=new",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ];
  if (webgpu) args.push("--enable-unsafe-webgpu");
  const userDataDir = mkdtempSync(join(tmpdir(), "ganvas-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args,
    viewport: { width: 1280, height: 900 },
    // Only for the accessibility check, which injects axe-core's script into the page.
    bypassCSP,
  });
  // Each profile holds the site's cached files (tens of MB): gone with its browser. (Chromium may
  // still be writing as it exits: retried, and never a test's failure.)
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    try {
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (error) {
      console.error(`# could not remove ${userDataDir}: ${error.message}`);
    }
  };
  return context;
}

/** Opens the page with `query` and collects console errors, page errors and every request URL. */
export async function open(context, query = "") {
  const page = context.pages()[0] || (await context.newPage());
  const log = { errors: [], requests: [] };
  page.on("console", (m) => m.type() === "error" && log.errors.push(m.text()));
  page.on("pageerror", (e) => log.errors.push(e.message));
  page.on("request", (r) => log.requests.push(r.url()));
  await page.goto(new URL(query, SITE).href);
  return { page, log };
}

/** Clicks `selector` and returns the download it starts: { name, bytes }. */
export async function downloadOf(page, selector) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), page.click(selector)]);
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

/** Waits until the page says it is ready (backend and data loaded), or fails with its #status. */
export async function waitReady(page, timeout = 300_000) {
  await page.waitForFunction(
    () => window.ganvas && (window.ganvas.ready || window.ganvas.errors.length > 0),
    null,
    { timeout, polling: 250 },
  );
  const state = await page.evaluate(() => window.ganvas);
  if (!state.ready) throw new Error(`the page did not start: ${state.errors.join(" | ")}`);
  return state;
}

/**
 * Records every word the page's #state shows from now on; `states(page)` returns them in order
 * (a word shown for a moment is caught too: the record is kept on each change).
 */
export async function watchState(page) {
  await page.evaluate(() => {
    const el = document.getElementById("state");
    window.__states = [el.textContent];
    new MutationObserver(() => window.__states.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  });
}
export const states = (page) => page.evaluate(() => window.__states);

/**
 * Presses "Full step" `n` times, each time waiting for the step to count up, then returns the
 * page's loss history as rows of [step, dLoss, gLoss, dReal, dFake].
 */
export async function fullSteps(page, n) {
  for (let i = 0; i < n; i++) {
    const step = await page.evaluate(() => window.ganvas.step);
    await page.click("#full-step");
    await page.waitForFunction((s) => window.ganvas.step === s + 1, step, { timeout: 60_000 });
  }
  return page.evaluate(() => window.ganvasTest.history().map((h) => [h.step, h.dLoss, h.gLoss, h.dReal, h.dFake]));
}

/** Records requestAnimationFrame intervals (ms) until `stopFrames` is called. */
export async function startFrames(page) {
  await page.evaluate(() => {
    window.__frames = [];
    window.__recording = true;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

export async function stopFrames(page) {
  return page.evaluate(() => {
    window.__recording = false;
    return window.__frames;
  });
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
