// End-to-end: your own images. Dropped pictures become 28x28 images in a preview (a text file and
// an empty file among them are named and skipped); a drawing joins them; too few cannot train; 20
// train, and after long training the copy check finds copies of them; a saved run brings them
// back in a fresh browser; a share link of such a run starts on MNIST and says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { downloadOf, launch, open, waitReady } from "./browser.mjs";

// Drops `n` MNIST training digits as PNG files (dark ink on light paper, 56x56, as a scan or a
// photo would be), plus a text file and an empty file (and, with `huge`, a 21 MB file), on the page
// as a person would drop files.
async function dropDigits(page, n, huge = false) {
  await page.evaluate(async ([count, withHuge]) => {
    const pixels = await window.ganvasTest.call("realDigits", { n: count });
    const files = [];
    for (let k = 0; k < count; k++) {
      const small = document.createElement("canvas");
      small.width = small.height = 28;
      const image = small.getContext("2d").createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = 255 - Math.round((pixels[k * 784 + i] + 1) * 127.5);
        image.data.set([v, v, v, 255], i * 4);
      }
      small.getContext("2d").putImageData(image, 0, 0);
      const big = document.createElement("canvas");
      big.width = big.height = 56;
      big.getContext("2d").drawImage(small, 0, 0, 56, 56);
      const blob = await new Promise((done) => big.toBlob(done, "image/png"));
      files.push(new File([blob], `digit-${String(k).padStart(2, "0")}.png`, { type: "image/png" }));
    }
    files.push(new File(["not a picture"], "notes.txt", { type: "text/plain" }));
    files.push(new File([], "empty.png", { type: "image/png" }));
    if (withHuge) files.push(new File([new Uint8Array(21 << 20)], "huge.png", { type: "image/png" }));
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f);
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [n, huge]);
  await page.waitForFunction((count) => window.ganvas.ownImages === count, n, { timeout: 60_000 });
}

test("dropped pictures join a preview, bad files are named and skipped, a drawing joins, too few cannot train; a link of such a run starts on MNIST", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    await page.click('[data-goto="own-panel"]');
    await dropDigits(page, 15, true);
    const message = await page.textContent("#own-message");
    assert.match(message, /Added 15 images/);
    assert.match(
      message,
      /Skipped 3 files: "notes\.txt" \(not an image this browser can read\), "empty\.png" \(empty\), "huge\.png" \(22\.0 MB, over the 20 MB limit\)/,
    );
    assert.equal(await page.locator("#own-preview canvas").count(), 15);
    assert.match(await page.textContent("#own-count"), /15 images: add 1 more to train \(at least 16\)/);
    assert.ok(await page.isDisabled("#own-train"), "15 images cannot train");
    // Choosing them in the settings says why not, and the run stays on MNIST.
    await page.click('[data-goto="settings-panel"]');
    await page.selectOption("#set-dataset", "own");
    await page.waitForFunction(() => /Data set not changed/.test(document.querySelector("#status").textContent));
    assert.match(await page.textContent("#status"), /at least 16 of your own images and there are 15/);
    assert.equal(await page.evaluate(() => window.ganvas.settings.dataset), "mnist");

    // A drawing on the pad is the 16th: the pad clears for the next one.
    await page.click('[data-goto="draw-panel"]');
    await page.locator("#draw").scrollIntoViewIfNeeded();
    const pad = await page.locator("#draw").boundingBox();
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.click("#add-drawing");
    await page.waitForFunction(() => window.ganvas.ownImages === 16, null, { timeout: 10_000 }).catch(async (e) => {
      throw new Error(`${e.message}: ${await page.textContent("#own-message")} | ${await page.textContent("#status")} | ${await page.isDisabled("#add-drawing")}`);
    });
    assert.match(await page.textContent("#own-message"), /Added the drawing \(16 in all\)/);
    assert.ok(await page.isEnabled("#own-train"));
    // The drawing, made MNIST-like: a vertical stroke fitted into 20 rows, centred.
    const stroke = await page.evaluate(() => {
      const canvas = document.querySelectorAll("#own-preview canvas")[15];
      const data = canvas.getContext("2d").getImageData(0, 0, 28, 28).data;
      const rows = [];
      for (let y = 0; y < 28; y++) if ([...Array(28).keys()].some((x) => data[(y * 28 + x) * 4] > 26)) rows.push(y);
      return [rows[0], rows[rows.length - 1]];
    });
    const [top, bottom] = stroke;
    assert.ok(bottom - top >= 18 && Math.abs(top + bottom - 27) <= 1, `the stroke fills 20 rows, centred: rows ${top} to ${bottom}`);

    // Removing one leaves 15 again.
    await page.click('#own-preview button[aria-label="Remove your image 1"]');
    await page.waitForFunction(() => window.ganvas.ownImages === 15);
    assert.ok(await page.isDisabled("#own-train"));
    assert.deepEqual(log.errors, []);

    // A share link of a run on own images: they never left the sender's browser.
    await page.goto("about:blank");
    const { page: linked } = await open(browser, "?backend=cpu#data=own&seed=3");
    await waitReady(linked);
    assert.equal(await linked.evaluate(() => window.ganvas.settings.dataset), "mnist");
    assert.match(await linked.textContent("#status"), /trained on the sender's own images, which never leave their browser, so it starts on MNIST/);
  } finally {
    await browser.close();
  }
});

// Steps trained before looking for copies. On the page's CPU path (the same arithmetic on every
// machine) this run's first copies appeared in the quality panel near step 3,300; at step 4,384,
// drawn by the average of G's weights, 60% of the samples were copies (44 of the 64 in the grid;
// drawn by G itself, about one in ten).
const LONG = 4400;

test("20 dropped images train; after long training the copy check finds copies of them; a saved run brings them back", async (t) => {
  let saved;
  const first = await launch({ webgpu: false });
  try {
    const { page, log } = await open(first, "?backend=cpu");
    await waitReady(page);
    await dropDigits(page, 20);
    assert.match(await page.textContent("#own-count"), /20 images, ready to train: with this few, the generator will learn them by heart/);
    await page.click("#own-train");
    await page.waitForFunction(() => /A new run on your 20 images, at step 0/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.ganvas.settings.dataset), "own");
    assert.match(await page.textContent("#lede-data"), /your own images/);
    const real = await page.evaluate(async () => (await window.ganvasTest.call("realDigits", { n: 64 })).length);
    assert.equal(real, 20 * 784, "the real grid shows the 20 images");

    await page.click("#train");
    await page.waitForFunction((n) => window.ganvas.step >= n, LONG, { timeout: 900_000, polling: 1000 });
    await page.click("#train");
    await page.waitForFunction(() => !window.ganvas.running && !window.ganvas.inFlight, null, { timeout: 60_000 });
    const m = await page.evaluate(() => window.ganvas.metrics);
    assert.ok(m.copyRate > 0, `the quality panel counts copies: ${m.copyRate}`);
    assert.match(await page.textContent("#quality-readout"), /copies [\d.]+% \(samples nearer to one of your images/);
    assert.ok(await page.isHidden("#class-histogram"), "no digit histogram for own images");

    // The copy check, cell by cell: some of the 64 samples copy one of the 20 images.
    const verdicts = await page.evaluate(async () => {
      const out = [];
      for (let i = 0; i < 64; i++) out.push((await window.ganvasTest.call("neighbours", { index: i, k: 1 })).neighbours[0]);
      return out;
    });
    const copies = verdicts.map((n, i) => [i, n]).filter(([, n]) => n.verdict === "copy");
    assert.ok(copies.length >= 1, `copies among the 64: ${copies.length}; ratios ${verdicts.map((n) => n.ratio.toFixed(2))}`);
    t.diagnostic(`step ${m.step}: copy rate ${m.copyRate} of ${m.samples}; ${copies.length} of the 64 grid samples are copies`);
    const [cell, nearest] = copies[0];
    assert.ok(nearest.index < 20, "its nearest image is one of the 20");
    // On the page: click that sample; the verdict says copy and names the image.
    const box = await page.locator("#samples").boundingBox();
    await page.mouse.click(box.x + ((cell % 8) + 0.5) * (box.width / 8), box.y + (Math.floor(cell / 8) + 0.5) * (box.height / 8));
    await page.waitForFunction(() => document.querySelector("#neighbours .verdict"), null, { timeout: 60_000 });
    assert.match(await page.textContent("#neighbours .verdict"), /Verdict: a copy/);
    assert.match(await page.textContent("#neighbours .near"), new RegExp(`your image ${nearest.index + 1}, distance`));

    saved = (await downloadOf(page, "#save-run")).bytes;
    assert.deepEqual(log.errors, []);
  } finally {
    await first.close();
  }

  // A fresh browser: the saved run brings its images, and carries on.
  const second = await launch({ webgpu: false });
  try {
    const { page, log } = await open(second, "?backend=cpu");
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.ganvas.ownImages), 0);
    await page.setInputFiles("#load-run", { name: "mine.ganvas", mimeType: "application/octet-stream", buffer: saved });
    await page.waitForFunction(() => /Loaded "mine.ganvas"/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.ganvas.settings.dataset), "own");
    assert.equal(await page.evaluate(() => window.ganvas.ownImages), 20);
    assert.equal(await page.locator("#own-preview canvas").count(), 20);
    assert.ok((await page.evaluate(() => window.ganvas.step)) >= LONG);
    const step = await page.evaluate(() => window.ganvas.step);
    await page.click("#full-step");
    await page.waitForFunction((s) => window.ganvas.step === s + 1, step, { timeout: 60_000 });
    assert.deepEqual(log.errors, []);
  } finally {
    await second.close();
  }
});
