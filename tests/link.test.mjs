// End-to-end: the share link. Settings changed in one page come back, with the same first losses,
// in a fresh browser that opens the link; a garbage hash leaves the page working and says what it
// ignored. CPU backend: deterministic and fast here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fullSteps, launch, open, waitReady } from "./browser.mjs";

// The D and G losses of the first 3 full steps.
const firstSteps = async (page) => (await fullSteps(page, 3)).map(([, dLoss, gLoss]) => [dLoss, gLoss]);

test("share link: settings go into the hash; a fresh browser opening it gets the same run", async () => {
  let link, settings, losses;
  const first = await launch({ webgpu: false });
  try {
    const { page, log } = await open(first, "?backend=cpu");
    await waitReady(page);
    await page.click("#preset-dcgan");
    await page.waitForFunction(() => window.ganvas.preset === "dcgan" && location.hash.includes("preset=dcgan"), null, { timeout: 60_000 });
    for (const [id, value] of [["#set-lrD", "0.0007"], ["#set-seed", "7"], ["#set-batchSize", "16"]]) {
      await page.fill(id, value);
      await page.dispatchEvent(id, "change");
    }
    await page.waitForFunction(() => /seed=7/.test(location.hash) && /batch=16/.test(location.hash) && /lrD=0.0007/.test(location.hash), null, { timeout: 60_000 });
    await page.click("#copy-link");
    link = await page.inputValue("#share-link");
    assert.equal(link, await page.evaluate(() => location.href));
    settings = await page.evaluate(() => window.ganvas.settings);
    losses = await firstSteps(page);
    assert.deepEqual(log.errors, []);
  } finally {
    await first.close();
  }
  const second = await launch({ webgpu: false });
  try {
    const url = new URL(link);
    const { page, log } = await open(second, `${url.search}${url.hash}`);
    await waitReady(page);
    assert.deepEqual(await page.evaluate(() => window.ganvas.settings), settings);
    assert.equal(await page.inputValue("#set-lrD"), "0.0007");
    assert.deepEqual(await firstSteps(page), losses, "the same first losses, bit for bit");
    assert.deepEqual(log.errors, []);
  } finally {
    await second.close();
  }
});

test("a link with autostart and hide starts training with those panels hidden", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu#preset=saturating&autostart=1&hide=settings,draw");
    await waitReady(page);
    await page.waitForFunction(() => window.ganvas.step >= 1, null, { timeout: 120_000 });
    assert.equal(await page.isVisible("#settings-panel"), false);
    assert.equal(await page.isVisible("#draw"), false);
    assert.equal(await page.isVisible("#samples"), true);
    assert.equal((await page.evaluate(() => window.ganvas.settings)).loss, "minimax");
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

test("a garbage hash: valid fields apply, the rest are listed, nothing runs as HTML", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const junk = "#seed=11&batch=99999&lrG=abc&%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=1&loss=<b>x</b>&" + "z".repeat(100_000);
    const { page, log } = await open(browser, `?backend=cpu${junk}`);
    await waitReady(page);
    const s = await page.evaluate(() => window.ganvas.settings);
    assert.equal(s.seed, 11, "a valid field applies");
    assert.equal(s.batchSize, 32, "an out-of-range one falls back to the seed GAN's");
    const status = await page.textContent("#status");
    assert.match(status, /Ignored bad link settings/);
    assert.match(status, /"batch"/);
    assert.match(status, /"lrG" \(not a number\)/);
    assert.match(status, /4096/);
    assert.equal(await page.locator("img").count(), 0, "no HTML from the hash");
    // The page still trains.
    await page.click("#full-step");
    await page.waitForFunction(() => window.ganvas.step === 1, null, { timeout: 60_000 });
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});

test("the Content-Security-Policy refuses inline script, allows no eval, and the page works under it", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    await page.click("#full-step");
    await page.waitForFunction(() => window.ganvas.step === 1, null, { timeout: 60_000 });
    assert.deepEqual(log.errors, [], "no CSP violations while loading and training");
    // (Playwright's own evaluate bypasses the page's CSP, so eval is checked in the policy's text;
    // inline script is checked by running one.)
    const blocked = await page.evaluate(async () => {
      const violated = new Promise((resolve) =>
        document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true }),
      );
      const s = document.createElement("script");
      s.textContent = "window.__inline = 1";
      document.body.append(s);
      const policy = document.querySelector('meta[http-equiv="Content-Security-Policy"]').content;
      return {
        inline: window.__inline === 1,
        violated: await violated,
        unsafe: /'unsafe-(eval|inline)'/.test(policy),
        connect: /connect-src 'self'/.test(policy),
      };
    });
    assert.deepEqual(blocked, { inline: false, violated: "script-src-elem", unsafe: false, connect: true });
  } finally {
    await browser.close();
  }
});

test("pretrained=1 starts from the preset's shipped model; a preset without one says so", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu#preset=dcgan&pretrained=1");
    await waitReady(page);
    await page.waitForFunction(() => /Starting from the pretrained "dcgan" model, trained for 2000 steps/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    const state = await page.evaluate(() => ({ step: window.ganvas.step, preset: window.ganvas.preset, points: window.ganvasTest.history().length }));
    assert.deepEqual(state, { step: 2000, preset: "dcgan", points: 200 }, "its step and loss history");
    assert.match(await page.evaluate(() => location.hash), /pretrained=1/);
    await page.click("#full-step");
    await page.waitForFunction(() => window.ganvas.step === 2001, null, { timeout: 60_000 });
    assert.deepEqual(log.errors, []);

    await page.goto(new URL("?backend=cpu&again=1#preset=saturating&pretrained=1", page.url()).href);
    await waitReady(page);
    // The page is ready before it has looked for the preset's model: the note follows.
    await page.waitForFunction(
      () => /Ignored pretrained=1: no pretrained model ships for the "saturating" preset \(only for conditional, dcgan, seed-gan\)/.test(document.querySelector("#status").textContent),
      null,
      { timeout: 60_000 },
    );
    assert.equal(await page.evaluate(() => window.ganvas.step), 0);
    assert.ok(!(await page.evaluate(() => location.hash)).includes("pretrained"));
    // Without a model, no offer to start from one.
    assert.equal(await page.isVisible("#start-trained"), false);
  } finally {
    await browser.close();
  }
});

test("the page offers to start from a trained model where the preset ships one, and trains on from it", async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, "?backend=cpu");
    await waitReady(page);
    const shipped = await page.evaluate(async () => (await fetch("models/pretrained.json")).json());
    // The default preset, the seed GAN, ships one: the offer is in view, with its steps.
    const steps = shipped["seed-gan"].steps;
    await page.waitForSelector("#start-trained:not([hidden])", { timeout: 30_000 });
    assert.equal(await page.textContent("#start-trained"), `Start from a trained model (${steps.toLocaleString("en")} steps)`);
    await page.click("#start-trained");
    await page.waitForFunction(() => /Starting from the pretrained "seed-gan" model/.test(document.querySelector("#status").textContent), null, { timeout: 60_000 });
    assert.deepEqual(await page.evaluate(() => ({ step: window.ganvas.step, preset: window.ganvas.preset })), { step: steps, preset: "seed-gan" });
    assert.match(await page.evaluate(() => location.hash), /pretrained=1/, "the link says so");
    await page.click("#train");
    await page.waitForFunction((s) => window.ganvas.step >= s + 3, steps, { timeout: 120_000 });
    await page.click("#train");
    // Another preset: DCGAN ships one too; "Mode collapse" does not.
    await page.click("#preset-dcgan");
    await page.waitForFunction(() => window.ganvas.preset === "dcgan" && window.ganvas.step === 0, null, { timeout: 60_000 });
    await page.waitForSelector("#start-trained:not([hidden])", { timeout: 30_000 });
    await page.click("#preset-mode-collapse");
    await page.waitForFunction(() => window.ganvas.preset === "mode-collapse", null, { timeout: 60_000 });
    await page.waitForSelector("#start-trained", { state: "hidden", timeout: 30_000 });
    assert.deepEqual(log.errors, []);
  } finally {
    await browser.close();
  }
});
