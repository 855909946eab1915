// End-to-end: after one visit, Ganvas loads and trains with the network gone. The page is opened
// through a proxy to the site that this test can switch off (a real "no network": the connection
// is refused, for the page, its worker and the service worker alike); the offline service worker
// keeps the site's files, and the reload after the proxy is gone loads, trains and measures from
// them. The manifest and its icons, for installing the page, are checked too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { SITE, launch, open, waitReady } from "./browser.mjs";

// A proxy on `port` (0: a free one) that forwards every GET to the site, the page itself passed
// through `rewrite`; `stop()` closes it and its sockets.
async function proxy(port = 0, rewrite = (html) => html) {
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    try {
      const upstream = await fetch(new URL(req.url, SITE), { method: req.method });
      let body = Buffer.from(await upstream.arrayBuffer());
      if ((upstream.headers.get("content-type") || "").startsWith("text/html")) body = Buffer.from(rewrite(body.toString("utf8")));
      const headers = Object.fromEntries([...upstream.headers].filter(([k]) => !["content-encoding", "transfer-encoding", "connection"].includes(k)));
      res.writeHead(upstream.status, { ...headers, "content-length": body.length });
      res.end(body);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const stop = () =>
    new Promise((resolve) => {
      server.close(resolve);
      for (const socket of sockets) socket.destroy();
    });
  return { url, port: server.address().port, stop };
}

test("after one visit the page loads, trains and measures with the network gone; a new deployment replaces what is kept; it can be installed", async () => {
  let site = await proxy();
  let stopped = false;
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await open(browser, `${site.url}?backend=cpu`);
    await waitReady(page);
    // The offline worker has every file of the site: the page says so.
    await page.waitForFunction(() => ["ready", "failed", "unsupported"].includes(window.ganvasTest.offline.state), null, { timeout: 180_000 });
    const kept = await page.evaluate(() => ({ ...window.ganvasTest.offline }));
    assert.equal(kept.state, "ready", `offline: ${JSON.stringify(kept)} ${await page.textContent("#offline-note")}`);
    assert.match(await page.textContent("#offline-note"), /^Ready offline: .* \(\d+ files, [\d.]+ MB\)/);
    console.log(`# kept for offline use: ${kept.files} files, ${(kept.bytes / 1e6).toFixed(1)} MB (${kept.fetched} of them added by the list, beyond what the visit cached)`);

    // Installable: the manifest names its icons, and they are PNGs of the sizes it says.
    const manifest = await page.evaluate(async () => {
      const link = /** @type {HTMLLinkElement} */ (document.querySelector('link[rel="manifest"]'));
      const m = await (await fetch(link.href)).json();
      const icons = [];
      for (const icon of m.icons) {
        const bitmap = await createImageBitmap(await (await fetch(new URL(icon.src, link.href))).blob());
        icons.push({ sizes: icon.sizes, got: `${bitmap.width}x${bitmap.height}` });
      }
      return { name: m.short_name, start: m.start_url, display: m.display, icons };
    });
    assert.equal(manifest.name, "Ganvas");
    assert.equal(manifest.display, "standalone");
    assert.ok(manifest.icons.some((i) => i.sizes === "512x512"));
    for (const icon of manifest.icons) assert.equal(icon.got, icon.sizes);

    // The network goes away: the reload comes from the cache, trains and measures.
    await site.stop();
    stopped = true;
    const refused = await page.evaluate((url) => fetch(url, { cache: "no-store", mode: "no-cors" }).then(() => false, () => true), `${site.url}nothing-here-${Date.now()}`);
    assert.ok(refused, "the site is unreachable");
    log.errors.length = 0;
    await page.reload();
    await waitReady(page);
    await page.click("#train");
    await page.waitForFunction(() => window.ganvas.step >= 20 && window.ganvas.evaluations >= 1, null, { timeout: 180_000 });
    await page.click("#train");
    assert.ok(await page.evaluate(() => window.ganvas.metrics && Number.isFinite(window.ganvas.metrics.classifierScore)), "the classifier measured, from the cache");
    // A shipped model, which this visit had not used before going offline, loads too.
    await page.click('[data-goto="presets-panel"]');
    await page.click("#start-trained");
    await page.waitForFunction(() => window.ganvas.pretrainedStep !== null || /could not|failed/i.test(document.getElementById("status").textContent), null, { timeout: 60_000 });
    assert.ok((await page.evaluate(() => window.ganvas.step)) >= 1000, `the trained model loaded offline: ${await page.textContent("#status")}`);
    assert.deepEqual(log.errors, [], "no console errors offline");

    // A new deployment (the page changed) once the network is back: the visit gets it, and the
    // next visit without a network gets it too.
    const NEW = "Ganvas (a new deployment)";
    site = await proxy(site.port, (html) => html.replace(/<title>[^<]*<\/title>/, `<title>${NEW}</title>`));
    stopped = false;
    await page.reload();
    await waitReady(page);
    assert.equal(await page.title(), NEW);
    await page.waitForFunction(() => window.ganvasTest.offline.state === "ready", null, { timeout: 120_000 });
    await site.stop();
    stopped = true;
    await page.reload();
    await waitReady(page);
    assert.equal(await page.title(), NEW, "the kept page is the new one");
  } finally {
    await browser.close();
    if (!stopped) await site.stop();
  }
});
