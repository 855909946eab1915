// The plots: losses (raw and smoothed), D's scores on real and fake images, G's gradient size,
// and the canvas plotter the quality panel shares. Canvas 2D only, drawn at the device's pixels.

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

export function drawPlots() {
  const history = runHistory.losses;
  const steps = history.map((h) => h.step);
  const dLoss = history.map((h) => h.dLoss);
  const gLoss = history.map((h) => h.gLoss);
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  plot($("loss-plot"), steps, [
    { values: dLoss, color: color("--d"), alpha: 0.25, width: 1 },
    { values: gLoss, color: color("--g"), alpha: 0.25, width: 1 },
    { values: smooth(dLoss), color: color("--d"), alpha: 1, width: 2 },
    { values: smooth(gLoss), color: color("--g"), alpha: 1, width: 2 },
  ]);
  plot(
    $("d-plot"),
    steps,
    [
      { values: history.map((h) => h.dReal), color: color("--real"), alpha: 1, width: 2 },
      { values: history.map((h) => h.dFake), color: color("--fake"), alpha: 1, width: 2 },
    ],
    api.lastStats && api.lastStats.dReal >= 0 && api.lastStats.dReal <= 1 && api.settings &&
      ["ns", "minimax"].includes(api.settings.loss) ? [0, 1] : null,
  );
  plot($("grad-plot"), steps, [
    { values: history.map((h) => h.gGrad), color: color("--g"), alpha: 1, width: 1.5 },
  ], null, null, true);
}

// Plots `series` over steps `xs`; with `panels` ([{ title, series, range, log }]), the canvas is
// split into side-by-side plots sharing the steps.
export function plot(canvas, xs, series, fixedRange, panels, log = false) {
  // Draw at the canvas's displayed size, in device pixels, so lines and labels stay sharp.
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#6b6b70";
  if (xs.length === 0) {
    ctx.fillText("Press Train: the curves appear here.", 40, height / 2);
    return;
  }
  const parts = panels || [{ series, range: fixedRange, log }];
  const w = width / parts.length;
  parts.forEach((p, i) => plotPanel(ctx, { x: i * w, width: w, height }, xs, p));
}

function plotPanel(ctx, box, xs, { title, series, range, log }) {
  const pad = { left: 40, right: 8, top: title ? 18 : 8, bottom: 20 };
  const { width, height } = box;
  const t = log ? (v) => Math.log10(Math.max(v, 1e-9)) : (v) => v;
  const finite = series.flatMap((s) => s.values).filter(Number.isFinite).map(t);
  let [lo, hi] = range ? range.map(t) : [Math.min(log ? Infinity : 0, ...finite), Math.max(...finite, 1e-3)];
  if (log) [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
  if (!(hi - lo >= 1e-6)) hi = lo + 1;
  const x0 = xs[0];
  const x1 = Math.max(xs[xs.length - 1], x0 + 1);
  const px = (x) => box.x + pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (y) => height - pad.bottom - ((y - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
  if (title) ctx.fillText(title, box.x + pad.left, 12);
  ctx.strokeStyle = "#ddd";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const y of [lo, (lo + hi) / 2, hi]) {
    ctx.moveTo(box.x + pad.left, py(y));
    ctx.lineTo(box.x + width - pad.right, py(y));
    const label = log ? (y >= 0 ? String(Math.round(10 ** y)) : `1e${Math.round(y)}`) : y.toFixed(2);
    ctx.fillText(label, box.x + 2, py(y) + 4);
  }
  ctx.stroke();
  ctx.fillText(`step ${x0}`, box.x + pad.left, height - 4);
  const last = `step ${xs[xs.length - 1]}`;
  ctx.fillText(last, box.x + width - pad.right - ctx.measureText(last).width, height - 4);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.globalAlpha = s.alpha;
    ctx.lineWidth = s.width;
    ctx.beginPath();
    s.values.forEach((v, i) => {
      const y = py(Math.min(hi, Math.max(lo, t(v))));
      if (i === 0) ctx.moveTo(px(xs[i]), y);
      else ctx.lineTo(px(xs[i]), y);
    });
    ctx.stroke();
    // Measurements are few: mark each one.
    if (s.values.length < 200) {
      s.values.forEach((v, i) => {
        ctx.fillRect(px(xs[i]) - 1.5, py(Math.min(hi, Math.max(lo, t(v)))) - 1.5, 3, 3);
      });
    }
    ctx.fillStyle = "#6b6b70";
  }
  ctx.globalAlpha = 1;
}
