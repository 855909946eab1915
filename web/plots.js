// The plots, drawn with uPlot (web/vendor/uplot.js: copied from the npm package that
// tests/package.json pins, by `cargo xtask`): the losses (raw and smoothed), D's scores on real and
// fake images, G's gradient size, and the quality history. Hovering shows the step and every
// series' value in the legend (which shows the latest values otherwise); dragging across a plot
// zooms to those steps, a double click zooms back out. The value axes leave out the rare spike (they
// span the 1st to 99th percentile of what is in view, with a margin), so one spike does not flatten
// every curve; G's gradient and FID are on log scales.

import uPlot from "./vendor/uplot.js";
import { api, $ } from "./page.js";
import { runHistory } from "./history.js";

// Exponential moving average with bias correction (as in Adam), so the first points are not
// pulled towards zero or the first value.
function smooth(values, alpha = 0.05) {
  let ema = 0;
  return values.map((v, i) => {
    ema = alpha * v + (1 - alpha) * ema;
    return ema / (1 - (1 - alpha) ** (i + 1));
  });
}

const color = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const fade = (hex, alpha) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
};
const number = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(2));

/** The span of `values` without its rarest extremes: the 1st to 99th percentile, with a margin. */
export function robustRange(values, { floor = -Infinity, ceil = Infinity } = {}) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return [0, 1];
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
  const [lo, hi] = sorted.length < 20 ? [sorted[0], sorted[sorted.length - 1]] : [at(0.01), at(0.99)];
  const margin = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 0.1;
  return [Math.max(floor, lo - margin), Math.min(ceil, hi + margin)];
}

// What is in view on the x axis (all of it, or the zoomed steps).
function inView(chart, seriesIndex) {
  const xs = chart.data[0];
  const { min, max } = chart.scales.x;
  const values = chart.data[seriesIndex] || [];
  return values.filter((_, i) => min === undefined || min === null || (xs[i] >= min && xs[i] <= max));
}

// The charts, by container id: made on first use, sized to their box.
const charts = new Map();

function chart(id, makeOptions) {
  let entry = charts.get(id);
  if (entry) return entry;
  const box = $(id);
  const width = Math.max(200, box.clientWidth);
  const height = Math.max(120, box.clientHeight - 42); // the legend's two lines sit below
  entry = { box, chart: new uPlot({ width, height, ...makeOptions() }, [[]], box), zoomed: false, hover: false };
  const u = entry.chart;
  const current = entry;
  // The drawing itself, for screen readers: the plot's name (its values are in the legend's table).
  u.ctx.canvas.setAttribute("role", "img");
  u.ctx.canvas.setAttribute("aria-label", `${box.getAttribute("aria-label")}; the legend below lists the values`);
  // Dragging zooms in (uPlot's selection), a double click zooms back out.
  u.over.addEventListener("mouseenter", () => (current.hover = true));
  u.over.addEventListener("mouseleave", () => {
    current.hover = false;
    showLatest(current);
  });
  u.over.addEventListener("dblclick", () => {
    current.zoomed = false;
    u.setData(u.data, true);
  });
  new ResizeObserver(() => {
    const w = Math.max(200, box.clientWidth);
    if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height });
  }).observe(box);
  charts.set(id, entry);
  return entry;
}

// Off the plot, the legend shows the latest values.
function showLatest(entry) {
  const n = entry.chart.data[0].length;
  if (!entry.hover && n > 0) entry.chart.setLegend({ idx: n - 1 });
}

function update(entry, data) {
  const u = entry.chart;
  u.setData(data, !entry.zoomed);
  showLatest(entry);
  entry.box.toggleAttribute("data-empty", data[0].length === 0);
}

// Options shared by every plot: the step axis, zoom on x, the legend with the step.
function base(series, scales, axes) {
  return {
    scales: { x: { time: false }, ...scales },
    series: [{ label: "step", value: (_, v) => (v === null || v === undefined ? "–" : String(v)) }, ...series],
    // Steps are whole numbers: ticks at 1, 2, 5, 10, 20, 50... apart.
    axes: [{ stroke: "#6b6b70", grid: { stroke: "#eee" }, size: 28, incrs: STEP_TICKS }, ...axes],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { live: true },
    hooks: {
      setSelect: [(u) => {
        if (u.select.width > 0) charts.forEach((e) => e.chart === u && (e.zoomed = true));
      }],
    },
  };
}

const STEP_TICKS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1000, 10000, 100000].map((p) => m * p)).sort((a, b) => a - b);
const line = (label, stroke, width = 2, extra = {}) => ({ label, stroke, width, value: (_, v) => number(v), points: { show: false }, ...extra });
const yAxis = (extra = {}) => ({ stroke: "#6b6b70", grid: { stroke: "#eee" }, size: 48, ...extra });

export function drawPlots() {
  const history = runHistory.losses;
  const steps = history.map((h) => h.step);
  const dLoss = history.map((h) => h.dLoss);
  const gLoss = history.map((h) => h.gLoss);

  const losses = chart("loss-plot", () =>
    base(
      [
        line("D loss", fade(color("--d"), 0.3), 1),
        line("G loss", fade(color("--g"), 0.3), 1),
        line("D (smoothed)", color("--d")),
        line("G (smoothed)", color("--g")),
      ],
      { y: { range: (u) => robustRange([...inView(u, 1), ...inView(u, 2), ...inView(u, 3), ...inView(u, 4)], { floor: api.settings && ["wgan", "hinge"].includes(api.settings.loss) ? -Infinity : 0 }) } },
      [yAxis()],
    ),
  );
  update(losses, [steps, dLoss, gLoss, smooth(dLoss), smooth(gLoss)]);

  // D's mean scores: probabilities for the log losses (0 to 1), raw scores for the others.
  const probabilities = () => api.settings && ["ns", "minimax"].includes(api.settings.loss);
  const scores = chart("d-plot", () =>
    base(
      [line("D(x) real", color("--real")), line("D(G(z)) fake", color("--fake"))],
      { y: { range: (u) => (probabilities() ? [0, 1] : robustRange([...inView(u, 1), ...inView(u, 2)])) } },
      [yAxis()],
    ),
  );
  update(scores, [steps, history.map((h) => h.dReal), history.map((h) => h.dFake)]);

  const gradient = chart("grad-plot", () =>
    base([line("G's gradient size", color("--g"), 1.5)], { y: { distr: 3 } }, [yAxis()]),
  );
  update(gradient, [steps, history.map((h) => (h.gGrad > 0 ? h.gGrad : null))]);
}

/** The quality history: the classifier score (left, 1 to 10) and FID (right, log scale). */
export function drawQualityPlot(quality) {
  const entry = chart("quality-plot", () =>
    base(
      [
        line("classifier score", color("--g"), 2, { scale: "score", points: { show: true, size: 5 } }),
        line("FID", color("--d"), 2, { scale: "fid", points: { show: true, size: 5 } }),
      ],
      { score: { range: [1, 10] }, fid: { distr: 3 } },
      [yAxis({ scale: "score" }), yAxis({ scale: "fid", side: 1, grid: { show: false } })],
    ),
  );
  update(entry, [quality.map((m) => m.step), quality.map((m) => m.classifierScore), quality.map((m) => (m.fid > 0 ? m.fid : null))]);
}

// Runs side by side (web/compare.js): one colour each, this run first.
export const RUN_COLORS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#495057"];

/**
 * Runs' curves of one quantity overlaid (web/compare.js), on the union of their steps: a run with
 * no value at a step is bridged. `smoothed`: each run's curve is smoothed as the loss plot's are.
 * @param {{ name: string, steps: number[], values: number[] }[]} runs
 */
export function drawComparePlot(runs, smoothed) {
  // The series are fixed when a chart is made: new runs make a new chart.
  const key = runs.map((r) => r.name).join("\n");
  const old = charts.get("compare-plot");
  if (old && old.key !== key) {
    old.chart.destroy();
    charts.delete("compare-plot");
  }
  const entry = chart("compare-plot", () =>
    base(
      runs.map((r, i) => line(r.name, RUN_COLORS[i % RUN_COLORS.length], 2, { spanGaps: true, points: { show: !smoothed, size: 4 } })),
      { y: { range: (u) => robustRange(runs.flatMap((_, i) => inView(u, i + 1))) } },
      [yAxis()],
    ),
  );
  entry.key = key;
  const steps = [...new Set(runs.flatMap((r) => r.steps))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const columns = runs.map((r) => {
    const column = new Array(steps.length).fill(null);
    const values = smoothed ? smooth(r.values) : r.values;
    r.steps.forEach((s, i) => (column[at.get(s)] = Number.isFinite(values[i]) ? values[i] : null));
    return column;
  });
  update(entry, [steps, ...columns]);
}

/** A plot's step range in view (for the tests): { min, max, zoomed }, or null before it is drawn. */
export function plotView(id) {
  const entry = charts.get(id);
  if (!entry) return null;
  return { min: entry.chart.scales.x.min, max: entry.chart.scales.x.max, zoomed: entry.zoomed };
}
