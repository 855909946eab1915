// The site's service worker: after one visit, the page, its wasm, the data and the models load
// from this browser's cache when the network is gone. Copied to the site's root by Trunk (its scope
// must hold index.html and the training worker); web/offline.js registers it and sends it the
// site's files. It also writes the run the page hands it when the page is left: that part is
// web/autosave-worker.js.
//
// Every request of the site goes to the network first, and a good answer replaces the cached copy,
// so a new deployment replaces the cache as it is used. Without an answer in time (no network, or
// Wi-Fi that hangs), the cached copy answers. The page's list of its files ({ precache: urls })
// fetches what the visit did not use yet (the other data set, the shipped models) and drops
// cached files that the new list no longer names (an earlier deployment's hashed wasm).

const keeper = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
keeper.importScripts("web/autosave-worker.js");
const CACHE = "ganvas-site";
// Waiting longer than this for the network's first byte, the cached copy answers instead.
const NETWORK_WAIT_MS = 4000;

// The cache key of a URL: the site's files do not depend on the query (?backend=cpu) or the hash.
function keyOf(url) {
  const u = new URL(url);
  u.search = "";
  u.hash = "";
  return u.href;
}

const sameSite = (url) => new URL(url).origin === keeper.location.origin;

// The network's answer (null where there is none), refreshing the cache when it is good.
function fromNetwork(request, key, cache) {
  return fetch(request).then(
    (response) => {
      if (response.ok && response.type === "basic") cache.put(key, response.clone()).catch(() => {});
      return response;
    },
    () => null,
  );
}

async function answer(request) {
  const cache = await caches.open(CACHE);
  const key = keyOf(request.url);
  const fetching = fromNetwork(request, key, cache);
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), NETWORK_WAIT_MS));
  const network = await Promise.race([fetching, timeout]);
  if (network) return network;
  const cached = await cache.match(key);
  if (cached) return cached;
  // Neither: wait for the same request after all (the network may be slow rather than gone),
  // else fail as the browser would.
  return (await fetching) || Response.error();
}

async function keep(cache, key, mode) {
  const response = await fetch(key, { cache: mode });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  await cache.put(key, response);
}

// The page's files: each one missing from the cache is fetched; cached ones the list does not
// name are dropped. Replies { precached: { files, fetched, bytes, failed } }.
async function precache(urls) {
  const cache = await caches.open(CACHE);
  const keys = new Set(urls.filter(sameSite).map(keyOf));
  let fetched = 0;
  const failed = [];
  for (const key of keys) {
    if (await cache.match(key)) continue;
    try {
      // The browser's HTTP cache may answer first (what this visit loaded is then not fetched
      // twice); where its copy fails, from the network.
      await keep(cache, key, "default").catch(() => keep(cache, key, "no-cache"));
      fetched += 1;
    } catch (error) {
      failed.push(`${new URL(key).pathname}: ${error.message}`);
    }
  }
  let bytes = 0;
  for (const request of await cache.keys()) {
    if (!keys.has(request.url)) {
      await cache.delete(request);
      continue;
    }
    const response = await cache.match(request);
    bytes += Number((response && response.headers.get("content-length")) || 0);
  }
  return { files: keys.size, fetched, bytes, failed };
}

// A new version takes over at once: it answers the same way, from the same cache.
keeper.addEventListener("install", () => keeper.skipWaiting());
keeper.addEventListener("activate", (/** @type {ExtendableEvent} */ event) => event.waitUntil(keeper.clients.claim()));

keeper.addEventListener("fetch", (/** @type {FetchEvent} */ event) => {
  const request = event.request;
  if (request.method !== "GET" || !sameSite(request.url)) return;
  event.respondWith(answer(request));
});

keeper.addEventListener("message", (/** @type {ExtendableMessageEvent} */ event) => {
  const urls = event.data && event.data.precache;
  if (!Array.isArray(urls)) return;
  const source = /** @type {Client | null} */ (event.source);
  event.waitUntil(
    precache(urls).then(
      (result) => source && source.postMessage({ precached: result }),
      (error) => source && source.postMessage({ precached: { error: String(error && error.message ? error.message : error) } }),
    ),
  );
});
