// Compare runs: up to four saved runs beside the current one. One quantity's curves overlay in one
// plot (the losses or a quality measurement, chosen in a list), the final sample grids stand side
// by side, and a table lists the settings with the differences marked, so a class can see which
// learning rate or loss did what. The files are read here, never sent anywhere, and reading them
// leaves the current run as it is.

import { api, call, live, $, setStatus, on, serial } from "./page.js";
import { runHistory, historyFromTables } from "./history.js";
import { drawComparePlot, RUN_COLORS } from "./plots.js";
import { drawGrid } from "./grid.js";
import { settingLabel, format } from "./settings-form.js";

const MAX_RUNS = 4;

// The quantities the plot can overlay: [id, name, table, smoothed].
/** @type {[string, string, "losses" | "quality", boolean][]} */
const CURVES = [
  ["gLoss", "G loss (smoothed)", "losses", true],
  ["dLoss", "D loss (smoothed)", "losses", true],
  ["classifierScore", "classifier score", "quality", false],
  ["digitsCovered", "classes covered", "quality", false],
  ["fid", "FID", "quality", false],
  ["copyRate", "copy rate", "quality", false],
];

/** @type {{ name: string, step: number, settings: Record<string, any>, rows: any[], ms: any[], samples: Float32Array }[]} */
const files = [];
let current = { pixels: null, step: 0 };

// This run as it is now, then the files, in the order they were added.
function runs() {
  const here = {
    name: "this run",
    step: api.step,
    settings: api.settings,
    rows: runHistory.losses,
    ms: runHistory.quality,
    samples: current.pixels,
  };
  return [here, ...files];
}

/** Opens saved runs for comparing; a file that cannot be read is named, and the rest still open. */
export const addRuns = serial(async (list) => {
  if (!live()) return;
  const failed = [];
  for (const file of list) {
    if (files.length >= MAX_RUNS) {
      failed.push(`"${file.name}" (${MAX_RUNS} runs at most: remove one first)`);
      continue;
    }
    if (file.size > api.schema.maxFileBytes) {
      failed.push(`"${file.name}" (over ${api.schema.maxFileBytes / (1 << 20)} MB)`);
      continue;
    }
    try {
      const run = await call("compareRun", { bytes: new Uint8Array(await file.arrayBuffer()) });
      const { rows, ms } = historyFromTables(run.losses, run.quality);
      files.push({ name: file.name.replace(/\.ganvas$/i, ""), step: run.step, settings: run.settings, rows, ms, samples: run.samples });
    } catch (error) {
      failed.push(`"${file.name}" (${error.message})`);
    }
  }
  const message = failed.length ? `Not compared: ${failed.join(", ")}.` : `Comparing ${files.length + 1} runs.`;
  $("compare-message").textContent = message;
  if (failed.length) setStatus(message, true);
  show();
});

function remove(index) {
  files.splice(index, 1);
  $("compare-message").textContent = files.length ? `Comparing ${files.length + 1} runs.` : "";
  show();
}

// Everything, after the runs changed.
function show() {
  const all = runs();
  $("compare-view").hidden = files.length === 0;
  $("compare-files").disabled = !live() || files.length >= MAX_RUNS;
  if (files.length === 0) {
    api.compare = null;
    return;
  }
  api.compare = {
    runs: all.map((r) => ({ name: r.name, step: r.step, losses: r.rows.length, measurements: r.ms.length })),
    differing: drawTable(all),
    curve: $("compare-curve").value,
  };
  follow();
}

// The plot and the grids, as this run trains on.
function follow() {
  const all = runs();
  if (files.length === 0 || !api.compare) return;
  drawPlot(all);
  drawGrids(all);
  $("compare-this-step").textContent = String(api.step);
  api.compare.curve = $("compare-curve").value;
  api.compare.runs[0].step = api.step;
}

function drawPlot(all) {
  const [id, , table, smoothed] = CURVES.find((c) => c[0] === $("compare-curve").value) || CURVES[0];
  drawComparePlot(
    all.map((r) => {
      const points = table === "losses" ? r.rows : r.ms;
      return { name: r.name, steps: points.map((p) => p.step), values: points.map((p) => p[id]) };
    }),
    smoothed,
  );
}

function drawGrids(all) {
  const figures = all.map((r, i) => {
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${r.name}: its sample grid`);
    canvas.style.borderColor = RUN_COLORS[i % RUN_COLORS.length];
    if (r.samples) drawGrid(canvas, r.samples);
    const caption = document.createElement("figcaption");
    caption.textContent = `${r.name}, step ${r.step}`;
    figure.append(canvas, caption);
    return figure;
  });
  $("compare-grids").replaceChildren(...figures);
}

// The settings, one row each, one column per run; the rows where the runs differ are marked.
// Returns the keys of those rows.
function drawTable(all) {
  const keys = Object.keys(all[0].settings || {});
  const head = document.createElement("tr");
  head.append(cell("th", "Setting", "col"));
  all.forEach((r, i) => {
    const th = cell("th", r.name, "col");
    th.style.borderBottomColor = RUN_COLORS[i % RUN_COLORS.length];
    if (i > 0) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "×";
      button.setAttribute("aria-label", `Stop comparing ${r.name}`);
      button.addEventListener("click", () => remove(i - 1));
      th.append(" ", button);
    }
    head.append(th);
  });
  const differing = [];
  const body = [cell("th", "Steps trained", "row"), ...all.map((r) => cell("td", String(r.step)))];
  body[1].id = "compare-this-step";
  const rows = [rowOf(body)];
  for (const key of keys) {
    const values = all.map((r) => format(r.settings[key]));
    const differs = values.some((v) => v !== values[0]);
    if (differs) differing.push(key);
    const name = cell("th", settingLabel(key), "row");
    if (differs) name.append(marker());
    const row = rowOf([name, ...values.map((v) => cell("td", v))]);
    row.className = differs ? "differs" : "";
    rows.push(row);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  tbody.append(...rows);
  $("compare-table").replaceChildren(thead, tbody);
  return differing;
}

function cell(tag, text, scope = "") {
  const el = document.createElement(tag);
  el.textContent = text;
  if (scope) el.setAttribute("scope", scope);
  return el;
}

function rowOf(cells) {
  const row = document.createElement("tr");
  row.append(...cells);
  return row;
}

// Differences are marked in words as well as in colour.
function marker() {
  const mark = document.createElement("span");
  mark.className = "differs-mark";
  mark.textContent = " (differs)";
  return mark;
}

$("compare-files").addEventListener("change", async (e) => {
  const input = e.target;
  const list = Array.from(input.files || []);
  input.value = "";
  await addRuns(list);
});
for (const [id, name] of CURVES) {
  const option = document.createElement("option");
  option.value = id;
  option.textContent = name;
  $("compare-curve").append(option);
}
$("compare-curve").addEventListener("change", follow);
on("ready", () => ($("compare-files").disabled = false));
// This run's column follows it: its grid as drawn, its curves as they grow.
on("samples", (pixels, step) => {
  current = { pixels, step };
  follow();
});
on("restart", () => files.length && show());
