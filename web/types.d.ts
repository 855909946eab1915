// Types for the page's JavaScript, checked by `tsc -p tests/tsconfig.json` (nothing is compiled:
// the browser runs web/*.js as they are).

interface Window {
  /** The page's live state, for automation and teachers' scripts (web/page.js's `api`). */
  ganvas: typeof import("./page.js").api;
  /** For the browser tests: the loss history, the page's events, the autosave, the offline cache, the worker. */
  ganvasTest: {
    history: () => any[];
    on: typeof import("./page.js").on;
    persist: typeof import("./autosave.js").persist;
    offline: typeof import("./offline.js").offline;
    call: typeof import("./page.js").call;
    plotView: typeof import("./plots.js").plotView;
  };
}
