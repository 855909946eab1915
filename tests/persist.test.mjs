// End-to-end: a run survives. Save a checkpoint, load it in a fresh browser and get the same next
// losses; bad files (corrupted, truncated, not a Ganvas file, too large) are refused with a message
// and the run is untouched; a diverged run pauses and restores; a lost GPU is recovered. Over a whole
// session, no request leaves the page's origin. The autosave is tests/autosave.test.mjs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { SITE, downloadOf, fullSteps, launch, open, waitReady } from "./browser.mjs";

const ORIGIN = new URL(SITE).origin;

// Every request of the context (pages and workers): only the page's origin, blob: and data:.
function recordRequests(context) {
  const urls = [];
  context.on("request", (r) => urls.push(r.url()));
  return urls;
}
function assertSameOrigin(urls) {
  const away = urls.filter((u) => !u.startsWith(`${ORIGIN}/`) && !/^(blob|data):/.test(u));
  assert.deepEqual(away, [], "requests that left the origin");
  assert.ok(urls.length > 5, "the session was recorded");
}

const statusText = (page) => page.textContent("#status");

// An animated PNG's frame count as its acTL chunk declares it, and its frame controls (fcTL), read
// chunk by chunk.
function apngFrames(bytes) {
  let declared = null;
  let controls = 0;
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8).toString("latin1");
    if (type === "acTL") declared = bytes.readUInt32BE(at + 8);
    if (type === "fcTL") controls += 1;
    at += 12 + length;
  }
  return { declared, controls };
}

test("save a run, load it in a fresh browser: it continues from the same step with the same losses; exports; no request leaves the origin", async () => {
  let saved, after;
  const first = await launch({ webgpu: false });
  const urls = recordRequests(first);
  try {
    const { page, log } = await open(first, "?backend=cpu#batch=16&seed=5");
    await waitReady(page);
    await fullSteps(page, 3);
    saved = await downloadOf(page, "#save-run");
    assert.match(saved.name, /^ganvas-[a-z0-9-]+-step3\.ganvas$/);
    assert.equal(saved.bytes.subarray(0, 8).toString("latin1"), "GANVASCK");
    after = (await fullSteps(page, 3)).slice(3);

    const png = await downloadOf(page, "#export-png");
    assert.match(png.name, /samples-step6\.png$/);
    assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const csv = await downloadOf(page, "#export-losses");
    const lines = csv.bytes.toString("utf8").trim().split("\n");
    assert.equal(lines[0], "step,d_updates,d_loss,g_loss,d_real,d_fake,g_grad");
    assert.equal(lines.length, 7, "a header and 6 steps");
    // The timelapse: an animation with one frame per grid the replay kept.
    const kept = await page.evaluate(() => window.ganvas.timelapse.frames);
    assert.ok(kept >= 3, `the replay kept ${kept} grids`);
    const timelapse = await downloadOf(page, "#export-timelapse");
    assert.match(timelapse.name, /timelapse-step6\.png$/);
    assert.deepEqual([...timelapse.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    assert.deepEqual(apngFrames(timelapse.bytes), { declared: kept, controls: kept });
    assert.match(await statusText(page), new RegExp(`Saved the timelapse as .*: ${kept} grids, steps 0 to 6`));
    assert.deepEqual(log.errors, []);
  } finally {
    await first.close();
  }

  const second = await launch({ webgpu: false });
  const urls2 = recordRequests(second);
  try {
    const { page, log } = await open(second, "?backend=cpu");
    await waitReady(page);
    await page.setInputFiles("#load-run", { name: "run.ganvas", mimeType: "application/octet-stream", buffer: saved.bytes });
    await page.waitForFunction(() => /Loaded "run.ganvas": step 3/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.ganvas.settings.batchSize), 16);
    assert.equal(await page.evaluate(() => window.ganvasTest.history().length), 3, "the loss history came with it");
    const next = (await fullSteps(page, 3)).slice(3);
    assert.deepEqual(next, after, "the same next losses, bit for bit");
    assert.deepEqual(log.errors, []);
  } finally {
    await second.close();
  }
  assertSameOrigin([...urls, ...urls2]);
});

// The container (README, "Checkpoint files"): magic, version, kind, meta, sections, CRC-32.
function sections(bytes) {
  let at = 12;
  const kindLen = bytes[at];
  at += 1 + kindLen;
  const metaLen = bytes.readUInt32LE(at);
  at += 4 + metaLen;
  const count = bytes.readUInt32LE(at);
  at += 4;
  const out = {};
  for (let i = 0; i < count; i++) {
    const nameLen = bytes[at];
    const name = bytes.subarray(at + 1, at + 1 + nameLen).toString("utf8");
    at += 1 + nameLen;
    const len = Number(bytes.readBigUInt64LE(at));
    at += 8;
    out[name] = { start: at, len };
    at += len;
  }
  return out;
}
function reseal(bytes) {
  const body = bytes.subarray(0, bytes.length - 4);
  bytes.writeUInt32LE(crc32(body), bytes.length - 4);
  return bytes;
}

test("bad files and a garbage drop are refused with a message; the run is untouched; a diverged run pauses and restores", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu#batch=16&seed=3");
    await waitReady(page);
    const before = await fullSteps(page, 2);
    const good = (await downloadOf(page, "#save-run")).bytes;

    const flipped = Buffer.from(good);
    flipped[200] ^= 0xff;
    const wrongVersion = Buffer.from(good);
    wrongVersion.writeUInt32LE(99, 8);
    const cases = [
      ["flipped.ganvas", flipped, /corrupted \(its checksum does not match\)/],
      ["half.ganvas", good.subarray(0, good.length >> 1), /truncated/],
      ["photo.png", Buffer.from("\x89PNG\r\n\x1a\n not a run"), /not a Ganvas file/],
      ["future.ganvas", wrongVersion, /format version 99; this Ganvas reads version 1/],
      ["huge.ganvas", null, /at most 64 MB/],
    ];
    const dir = mkdtempSync(join(tmpdir(), "ganvas-files-"));
    for (const [name, buffer, message] of cases) {
      const path = join(dir, name);
      if (buffer) writeFileSync(path, buffer);
      else truncateSync((writeFileSync(path, ""), path), (64 << 20) + 1); // sparse: 64 MB + 1 byte
      await page.setInputFiles("#load-run", path);
      await page.waitForFunction((n) => {
        const text = document.querySelector("#status").textContent;
        return text.includes(`"${n}"`) && !text.startsWith("Opening");
      }, name, { timeout: 60_000 });
      const text = await statusText(page);
      assert.match(text, message, name);
      assert.match(text, /unchanged/, name);
      assert.equal(await page.evaluate(() => window.ganvas.step), 2, `${name}: the run is untouched`);
    }
    // A drop of a good file loads it (here: the same run at step 2).
    await page.evaluate((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "dropped.ganvas"));
      document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, good.toString("base64"));
    await page.waitForFunction(() => /Loaded "dropped.ganvas": step 2/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.deepEqual((await fullSteps(page, 1)).slice(0, 2), before, "the history is kept");

    // Divergence: a run whose discriminator weights are near the float limit (sealed with a valid
    // checksum, so it loads) gives NaN at its first step.
    const poisoned = Buffer.from(good);
    const d = sections(poisoned).discriminator;
    // Walk the "params" encoding and fill each tensor with 3e38 (alternating sign).
    let at = d.start;
    const count = poisoned.readUInt32LE(at);
    at += 4;
    for (let t = 0; t < count; t++) {
      const pathLen = poisoned.readUInt16LE(at);
      at += 2 + pathLen;
      const rank = poisoned[at];
      at += 1;
      let numel = 1;
      for (let r = 0; r < rank; r++) {
        numel *= poisoned.readUInt32LE(at);
        at += 4;
      }
      for (let i = 0; i < numel; i++) poisoned.writeFloatLE(i % 2 ? 3e38 : -3e38, at + 4 * i);
      at += 4 * numel;
    }
    reseal(poisoned);
    await page.setInputFiles("#load-run", { name: "poisoned.ganvas", mimeType: "application/octet-stream", buffer: poisoned });
    await page.waitForFunction(() => /Loaded "poisoned.ganvas"/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.diverged, null, { timeout: 60_000 });
    assert.match(await statusText(page), /Training diverged at step \d+: a loss became/);
    assert.equal(await page.evaluate(() => window.ganvas.running), false, "paused");
    assert.equal(await page.isVisible("#restore-good"), true);
    assert.match(await page.textContent("#restore-text"), /at step 3/);
    await page.click("#restore-good");
    await page.waitForFunction(() => /Restored the run at step 3/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.ganvas.step), 3);
    await fullSteps(page, 1);
    const last = await page.evaluate(() => window.ganvas.lastStats);
    assert.ok(Number.isFinite(last.dLoss) && Number.isFinite(last.gLoss), "training goes on");
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

test("autosave with no storage says so and training goes on", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      IDBObjectStore.prototype.put = function () {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(new URL("?backend=cpu#batch=16&autostart=1", SITE).href);
    await waitReady(page);
    await page.waitForFunction(() => /Autosave is off/.test(document.querySelector("#status").textContent), null, { timeout: 120_000 });
    assert.match(await statusText(page), /Autosave is off: this browser's storage for the page is full\. Use Save run/);
    const step = await page.evaluate(() => window.ganvas.step);
    await page.waitForFunction((s) => window.ganvas.step > s + 2, step, { timeout: 60_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("WebGPU: a lost GPU device (GPUDevice.destroy()) is recovered from the last good state", async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, log } = await open(browser, "?backend=webgpu#preset=dcgan&batch=8&autostart=1");
    const state = await waitReady(page);
    assert.equal(state.backend, "WebGPU");
    await page.waitForFunction(() => window.ganvas.snapshots >= 1 && window.ganvas.step >= 2, null, { timeout: 300_000 });
    // Every run kept from here on (in memory and in the autosave) is at least the kept step: the
    // fresh worker's new run at step 0 is never kept in its place.
    const kept = await page.evaluate(() => {
      window.__keptSteps = [];
      window.ganvasTest.on("snapshot", (bytes, { step }) => window.__keptSteps.push(step));
      return window.ganvas.lastGood.step;
    });
    const worker = page.workers()[0];
    assert.ok(worker, "the training worker");
    const destroyed = await worker.evaluate(() => {
      self.ganvasGpuDevices.forEach((d) => d.destroy());
      return self.ganvasGpuDevices.length;
    });
    assert.ok(destroyed >= 1);
    // Recovered, or failed with a message: a failure says why at once instead of timing out.
    await page
      .waitForFunction(() => window.ganvas.recoveries >= 1 || window.ganvas.errors.some((e) => /crashed/.test(e)), null, { timeout: 300_000, polling: 500 })
      .catch(async (error) => {
        throw new Error(`${error.message}; the status said: ${await statusText(page)}`);
      });
    const status = await statusText(page);
    assert.deepEqual(await page.evaluate(() => window.ganvas.errors.filter((e) => /crashed/.test(e))), [], status);
    assert.equal(await page.evaluate(() => window.ganvas.recoveries), 1, "one recovery");
    assert.match(status, /Recovered after the GPU was lost \(destroyed/);
    const after = await page.evaluate(() => ({ step: window.ganvas.step, backend: window.ganvas.backend, keptSteps: window.__keptSteps }));
    assert.ok(after.step >= kept, `back at step ${after.step}, kept ${kept}`);
    assert.ok(after.keptSteps.every((s) => s >= kept), `runs kept since the loss: steps ${after.keptSteps}, kept ${kept}`);
    await page.waitForFunction((s) => window.ganvas.step > s, after.step, { timeout: 300_000 });
    console.log(`device loss: kept step ${kept}, recovered on ${after.backend} at step ${after.step}`);
    assert.deepEqual(log.errors.filter((e) => !/destroyed|lost/i.test(e)), []);
  } finally {
    await browser.close();
  }
});
