// Exploring the generator: interpolation between two grid cells (along the line or the sphere),
// sliders on one cell's noise, and the training replay (timelapse) of the sample grid.

import { api, call, live, $, setStatus, on } from "./page.js";
import { drawGrid, digitCanvas } from "./grid.js";

const STRIP = 10; // images in the interpolation strip
const SLIDERS = 5; // latent dimensions with a slider



let latents = null; // the grid's 64 noise vectors (64 x latentDim), read once per run
export const cell = (i) => latents.slice(i * api.latentDim, (i + 1) * api.latentDim);

export async function gridLatents() {
  if (!latents) latents = await call("fixedLatents");
  return latents;
}

// Interpolation ----------------------------------------------------------------------------------

function lerp(a, b, t) {
  return a.map((x, i) => x + (b[i] - x) * t);
}

// Spherical interpolation (Shoemake; White 2016 for Gaussian latents), falling back to the line.
function slerp(a, b, t) {
  const dot = a.reduce((s, x, i) => s + x * b[i], 0);
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / (na * nb))));
  if (!(Math.abs(Math.sin(omega)) > 1e-4)) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
  const wb = Math.sin(t * omega) / Math.sin(omega);
  return a.map((x, i) => wa * x + wb * b[i]);
}

export const cellIndex = (id) => Math.min(64, Math.max(1, Math.round(Number($(id).value) || 1))) - 1;

// The class a conditional model is asked for in cell i (the grid's own rule, or the picker's).
export const classOf = (i) => (api.digit === null ? i % 10 : api.digit);

async function interpolate(mode) {
  await gridLatents();
  const [a, b] = [cellIndex("interp-a"), cellIndex("interp-b")];
  const za = Array.from(cell(a));
  const zb = Array.from(cell(b));
  const z = new Float32Array(STRIP * api.latentDim);
  for (let s = 0; s < STRIP; s++) {
    const t = s / (STRIP - 1);
    z.set(mode === "slerp" ? slerp(za, zb, t) : lerp(za, zb, t), s * api.latentDim);
  }
  // A conditional model keeps A's class along the walk (the noise is what is blended).
  const classes = api.conditional ? new Array(STRIP).fill(classOf(a)) : undefined;
  const images = await call("generate", { z, classes });
  drawStrip($("interp-strip"), images, STRIP);
  api.interpolation = { mode, a: a + 1, b: b + 1, images: STRIP };
  $("interp-caption").textContent =
    `${mode === "slerp" ? "Spherical" : "Linear"} walk from cell ${a + 1} (left) to cell ${b + 1} (right), ${STRIP} steps.`;
}

// `count` 28x28 images side by side.
function drawStrip(canvas, pixels, count) {
  const ctx = canvas.getContext("2d");
  canvas.width = 28 * count;
  canvas.height = 28;
  const image = ctx.createImageData(28 * count, 28);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = Math.round((pixels[n * 784 + y * 28 + x] + 1) * 127.5);
        const at = (y * 28 * count + n * 28 + x) * 4;
        image.data[at] = image.data[at + 1] = image.data[at + 2] = v;
        image.data[at + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}

// Sliders ----------------------------------------------------------------------------------------

let sliderPending = false;

function buildSliders() {
  const box = $("latent-sliders");
  box.replaceChildren();
  for (let d = 0; d < Math.min(SLIDERS, api.latentDim); d++) {
    const label = document.createElement("label");
    label.textContent = `z[${d}] `;
    const input = document.createElement("input");
    input.type = "range";
    input.min = "-3";
    input.max = "3";
    input.step = "0.1";
    input.id = `latent-${d}`;
    input.addEventListener("input", drawSliderSample);
    const out = document.createElement("output");
    out.id = `latent-${d}-value`;
    label.append(input, out);
    box.append(label);
  }
}

async function setSlidersFromA() {
  await gridLatents();
  const z = cell(cellIndex("interp-a"));
  for (let d = 0; d < Math.min(SLIDERS, api.latentDim); d++) {
    $(`latent-${d}`).value = z[d].toFixed(1);
    $(`latent-${d}-value`).textContent = z[d].toFixed(1);
  }
  await drawSliderSample();
}

// Redraws cell A with the sliders' values in its first dimensions; live while dragging (one
// request at a time, the latest values win).
async function drawSliderSample() {
  if (!live() || !latents) return;
  if (sliderPending) return;
  sliderPending = true;
  try {
    const a = cellIndex("interp-a");
    const z = Float32Array.from(cell(a));
    for (let d = 0; d < Math.min(SLIDERS, api.latentDim); d++) {
      z[d] = Number($(`latent-${d}`).value);
      $(`latent-${d}-value`).textContent = z[d].toFixed(1);
    }
    const classes = api.conditional ? [classOf(a)] : undefined;
    const image = await call("generate", { z, classes });
    const c = $("slider-sample");
    const ctx = c.getContext("2d");
    ctx.drawImage(digitCanvas(image, 0), 0, 0);
    api.sliderDraws += 1;
  } catch (error) {
    setStatus(`The slider sample could not be drawn: ${error.message}.`, true);
  } finally {
    sliderPending = false;
  }
}

// Timelapse --------------------------------------------------------------------------------------

let frames = []; // { step, pixels }
let every = 0; // save a grid when the step has advanced this much since the last one (0: each)

function saveFrame(pixels, step) {
  const last = frames[frames.length - 1];
  if (last && (step === last.step || step - last.step < every)) return;
  frames.push({ step, pixels: Float32Array.from(pixels) });
  // When full (the most a timelapse holds, from the run's schema), every other grid is dropped
  // and saving halves.
  if (frames.length > api.schema.timelapseFrames) {
    frames = frames.filter((_, i) => i % 2 === 0 || i === frames.length - 1);
    every = Math.max(1, every * 2 || Math.ceil(step / api.schema.timelapseFrames));
  }
  const slider = $("timelapse");
  const atEnd = Number(slider.value) >= Number(slider.max);
  slider.max = String(frames.length - 1);
  slider.disabled = frames.length < 2;
  if (atEnd) slider.value = slider.max;
  api.timelapse = { frames: frames.length, every };
  $("export-timelapse").disabled = false;
  showFrame();
}

/** The grids kept so far, oldest first: { step, pixels }. */
export const timelapseFrames = () => frames;

function showFrame() {
  const f = frames[Number($("timelapse").value)];
  if (!f) return;
  drawGrid($("timelapse-grid"), f.pixels);
  $("timelapse-step").textContent = `step ${f.step} (${Number($("timelapse").value) + 1} of ${frames.length})`;
  $("timelapse").setAttribute("aria-valuetext", `step ${f.step}`);
}


on("ready", () => {
  for (const id of ["interp-linear", "interp-slerp", "pad-from-a"]) $(id).disabled = false;
  buildSliders();
  setSlidersFromA();
});

on("restart", () => {
  latents = null;
  frames = [];
  every = 0;
  $("timelapse").max = "0";
  $("timelapse").value = "0";
  $("timelapse").disabled = true;
  $("timelapse-step").textContent = "nothing saved yet";
  $("export-timelapse").disabled = true;
  api.timelapse = { frames: 0, every: 0 };
  buildSliders();
  setSlidersFromA();
});

on("samples", saveFrame);

let nextPick = "a";
on("pick", (index) => {
  // Clicking the grid fills A, then B, in turn.
  $(nextPick === "a" ? "interp-a" : "interp-b").value = String(index + 1);
  if (nextPick === "a") setSlidersFromA();
  nextPick = nextPick === "a" ? "b" : "a";
});

$("interp-linear").addEventListener("click", () => interpolate("lerp"));
$("interp-slerp").addEventListener("click", () => interpolate("slerp"));
$("interp-a").addEventListener("change", setSlidersFromA);
$("timelapse").addEventListener("input", showFrame);
