// The run's history as the page holds it: the losses of every chunk (the loss plots) and the
// quality measurements (the quality panel), and their flat tables in a checkpoint file, in the
// columns the run's schema names (ganvas_core::resume's LOSS_COLUMNS and QUALITY_COLUMNS).

import { api } from "./page.js";

// Loss rows kept: past this, every other one is dropped (the plots need no more).
const MAX_POINTS = 4000;

export const runHistory = {
  /** @type {any[]} rows of { step, dLoss, gLoss, dReal, dFake, gGrad, dUpdates } */
  losses: [],
  /** @type {any[]} measurements: { step, classifierScore, fid, digitsCovered, histogram, ... } */
  quality: [],
};

/** A chunk's statistics, and the speed they imply. */
export function addLosses(stats) {
  runHistory.losses.push(stats);
  if (runHistory.losses.length > MAX_POINTS) runHistory.losses = runHistory.losses.filter((_, i) => i % 2 === 0);
}

// Steps per second over the last two seconds of chunks: [time, step] marks.
let speedMarks = [];

export function speedAt(now, step) {
  speedMarks.push([now, step]);
  while (speedMarks.length > 2 && now - speedMarks[0][0] > 2000) speedMarks.shift();
  const [t0, s0] = speedMarks[0];
  return now > t0 ? ((step - s0) * 1000) / (now - t0) : 0;
}

/** A new or loaded run: its rows of losses and its measurements replace the history. */
export function replaceHistory(losses, quality) {
  runHistory.losses = losses;
  runHistory.quality = quality;
  speedMarks = [];
}

const camel = (column) => column.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const isHistogram = (column) => /^h\d$/.test(column);

function lossRow(h) {
  return api.schema.lossColumns.map((c) => h[camel(c)] ?? NaN);
}

function qualityRow(m) {
  return api.schema.qualityColumns.map((c) => (isHistogram(c) ? m.histogram[Number(c.slice(1))] : m[camel(c)]) ?? NaN);
}

function table(rows, toRow, columns) {
  const out = new Float64Array(rows.length * columns);
  rows.forEach((r, i) => out.set(toRow(r), i * columns));
  return out;
}

/** The history as a checkpoint's flat tables: { losses, quality }, row after row. */
export function historyTables() {
  const { lossColumns, qualityColumns } = api.schema;
  return {
    losses: table(runHistory.losses, lossRow, lossColumns.length),
    quality: table(runHistory.quality, qualityRow, qualityColumns.length),
  };
}

// Rows as objects keyed by the columns' camelCase names.
function rowsOf(values, columns) {
  const rows = [];
  for (let i = 0; i + columns.length <= values.length; i += columns.length) {
    const row = {};
    columns.forEach((c, j) => (row[camel(c)] = values[i + j]));
    rows.push(row);
  }
  return rows;
}

/** The inverse of historyTables: a checkpoint's tables as { rows, ms } (losses, measurements). */
export function historyFromTables(losses, measured) {
  const { lossColumns, qualityColumns } = api.schema;
  const rows = rowsOf(losses, lossColumns);
  const ms = rowsOf(measured, qualityColumns).map((m) => {
    m.histogram = qualityColumns.filter(isHistogram).map((c) => m[c]);
    for (const c of qualityColumns.filter(isHistogram)) delete m[c];
    return m;
  });
  return { rows, ms };
}
