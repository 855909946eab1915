// The page's entry point (index.html loads it as a module). It hands the page's live state to
// automation, wires the main controls, loads the panels (each module wires its own) and starts
// the run. The page's modules, by what they show:
//   page.js      the shared state, the status line, events, the run's schema
//   client.js    the training worker (web/worker.js) behind promises
//   training.js  Train and Pause, the chunks the worker reports, what is due between them
//   run.js       starting, loading, resetting and reconfiguring the run; showing it
//   recovery.js  snapshots, restoring after a divergence, recovering a lost GPU
//   history.js   the losses and measurements, and their tables in a checkpoint
//   plots.js     the loss, score and gradient plots
//   grid.js      the sample grid, the digit picker and the copy check
//   quality.js   the classifier's measurements, the histogram, the mode-collapse warning
//   link.js      the share link (query and hash), hidden panels
//   panels.js    the side panels: tabs, and bringing a panel into view
//   autosave.js  the run kept in this browser (IndexedDB) and the Resume offer
//   offline.js   the site kept in this browser for offline use (web/offline-worker.js)
//   own-images.js the learner's own pictures: added, previewed, trained on
//   compare.js   saved runs beside this one: curves, grids, settings
//   settings-form.js, step-view.js, explore.js, draw.js, save.js: the panels below the grid

import { api, session, call, $, on } from "./page.js";
import { runHistory } from "./history.js";
import { toggle, fail, play } from "./training.js";
import { start, reset } from "./run.js";
import { restoreGood } from "./recovery.js";
import { drawPlots, plotView } from "./plots.js";
import { drawQuality } from "./quality.js";
import { copyLink } from "./link.js";
import "./settings-form.js";
import "./step-view.js";
import "./explore.js";
import "./draw.js";
import "./panels.js";
import "./save.js";
import "./own-images.js";
import "./compare.js";
import { persist } from "./autosave.js";
import { offline } from "./offline.js";

// For automation and teachers' scripts: the page's live state.
window.ganvas = api;
// For the browser tests: the loss history, the page's events, the autosave, the offline cache, the
// worker, the plots.
window.ganvasTest = { history: () => runHistory.losses, on, persist, offline, call, plotView };

window.addEventListener("error", (event) => {
  if (!api.ready && !session.crashed) fail(`The page could not start: ${event.message || "a script failed to load"}.`);
});
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason && event.reason.message ? event.reason.message : String(event.reason);
  if (!api.ready && !session.crashed) fail(`The page could not start: ${reason}.`);
});

$("train").addEventListener("click", toggle);
$("reset").addEventListener("click", reset);
$("restore-good").addEventListener("click", restoreGood);
$("copy-link").addEventListener("click", copyLink);
$("speed-control").addEventListener("change", (e) => {
  api.stepsPerFrame = Number(e.target.value) || 0;
  if (api.running) play();
});

drawPlots();
drawQuality();
start();
