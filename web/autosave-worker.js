// The site's service worker's autosave part (web/offline-worker.js loads it with importScripts):
// it writes the page's last copy of the run when the page is left. A page being unloaded (a
// reload, a closed tab) cannot finish an IndexedDB write of its own: the browser ends its
// transactions with it. It can hand a message to the service worker, which outlives it long
// enough to write (web/autosave.js posts { autosave: { key, record } }, the record holding a Blob).

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const DB_NAME = "ganvas";
const STORE = "runs";

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function put(key, record) {
  const db = await openDb();
  try {
    await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      // A later visit may have written a newer run since: keep the newer one.
      const current = store.get(key);
      current.onsuccess = () => {
        const kept = current.result;
        if (!kept || kept.savedAt <= record.savedAt) store.put(record, key);
      };
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

sw.addEventListener("message", (/** @type {ExtendableMessageEvent} */ event) => {
  const message = event.data && event.data.autosave;
  if (message) event.waitUntil(put(message.key, message.record));
});
