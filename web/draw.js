// The drawing pad: draw a digit and the discriminator says how real it looks (and, for a
// conditional model, which digit it takes it for); "Find it in the GAN" searches the generator's
// noise for the nearest image it can draw; "Use A" puts a generated image on the pad.

import { api, call, live, $ } from "./page.js";
import { digitCanvas } from "./grid.js";
import { cell, cellIndex, classOf, gridLatents } from "./explore.js";

const SEARCH_CHUNK = 10; // latent search steps per call
const SEARCH_STEPS = 300;

const pad = { drawing: false, inked: false, last: null };
let probePending = false;
let probeAgain = false;

function padContext() {
  const ctx = $("draw").getContext("2d");
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#fff";
  ctx.lineWidth = 22; // about 2.2 MNIST pixels
  return ctx;
}

function clearPad() {
  const ctx = padContext();
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, 280, 280);
  pad.inked = false;
  $("find").disabled = true;
  $("probe-readout").textContent = "Draw something to probe it.";
  api.probe = null;
}

function padPoint(event) {
  const r = $("draw").getBoundingClientRect();
  return [((event.clientX - r.left) / r.width) * 280, ((event.clientY - r.top) / r.height) * 280];
}

function onDown(event) {
  event.preventDefault();
  $("draw").setPointerCapture(event.pointerId);
  pad.drawing = true;
  pad.last = padPoint(event);
  stroke(pad.last);
}

function onMove(event) {
  if (!pad.drawing) return;
  event.preventDefault();
  stroke(padPoint(event));
}

function onUp() {
  if (!pad.drawing) return;
  pad.drawing = false;
  probe();
}

function stroke(to) {
  const ctx = padContext();
  ctx.beginPath();
  ctx.moveTo(...pad.last);
  ctx.lineTo(...to);
  ctx.stroke();
  pad.last = to;
  pad.inked = true;
  $("find").disabled = !live();
  probe();
}

// The drawing as 784 pixels in [-1, 1]: the 280x280 pad averaged down to 28x28, as MNIST's
// anti-aliased digits are.
function padPixels() {
  const data = $("draw").getContext("2d").getImageData(0, 0, 280, 280).data;
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      let sum = 0;
      for (let dy = 0; dy < 10; dy++) {
        for (let dx = 0; dx < 10; dx++) sum += data[((y * 10 + dy) * 280 + x * 10 + dx) * 4];
      }
      out[y * 28 + x] = (sum / 100) / 127.5 - 1;
    }
  }
  return out;
}

// Live while drawing: one probe at a time; a stroke during one asks for another after it.
async function probe() {
  if (!live() || !pad.inked) return;
  if (probePending) {
    probeAgain = true;
    return;
  }
  probePending = true;
  try {
    const r = await call("probe", { pixels: padPixels(), digit: api.digit ?? undefined });
    api.probe = { realness: r.realness, probabilities: r.probabilities, guess: r.guess };
    const realness = r.probabilities
      ? `D says ${(r.realness * 100).toFixed(0)}% real`
      : `D's score ${r.realness.toFixed(2)} (higher = more real)`;
    const guess =
      r.guess === null
        ? "the classifier is not loaded (it loads after the first training step on MNIST)"
        : `the classifier reads a ${r.guess} (${(r.classProbabilities[r.guess] * 100).toFixed(0)}% sure)`;
    $("probe-readout").textContent = `${realness}; ${guess}.`;
  } catch (error) {
    $("probe-readout").textContent = `The probe failed: ${error.message}.`;
  } finally {
    probePending = false;
    if (probeAgain) {
      probeAgain = false;
      probe();
    }
  }
}

// Generated image A onto the pad: a way to fill it without a pointer, and a question for the
// class (how real does D find G's own drawing?).
async function padFromA() {
  await gridLatents();
  const a = cellIndex("interp-a");
  const image = await call("generate", {
    z: Float32Array.from(cell(a)),
    classes: api.conditional ? [classOf(a)] : undefined,
  });
  const ctx = $("draw").getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(digitCanvas(image, 0), 0, 0, 280, 280);
  pad.inked = true;
  $("find").disabled = false;
  probe();
}

// Gradient descent on z through G, in chunks between frames; the button cancels it.
async function find() {
  if (api.search && api.search.running) {
    api.search.running = false;
    return;
  }
  if (!pad.inked) return;
  const digit = api.probe && api.probe.guess !== null ? api.probe.guess : api.digit ?? 0;
  api.search = { steps: 0, distance: NaN, running: true, cancelled: false };
  $("find").textContent = "Stop";
  try {
    await call("searchStart", { pixels: padPixels(), digit });
    while (api.search.running && api.search.steps < SEARCH_STEPS) {
      const r = await call("searchSteps", { n: SEARCH_CHUNK });
      api.search.steps = r.steps;
      api.search.distance = r.distance;
      $("found").getContext("2d").drawImage(digitCanvas(r.image, 0), 0, 0);
      $("found-readout").textContent =
        `After ${r.steps} steps of gradient descent on z: distance ${r.distance.toFixed(2)} ` +
        `(pixels, as in the copy check; a real digit's nearest training digit is about 9.5 away).`;
      await new Promise((res) => setTimeout(res, 0));
    }
    if (!api.search.running) api.search.cancelled = true;
    $("found-readout").textContent +=
      api.search.cancelled ? " Stopped." : " Done: this is as close as the generator gets.";
  } catch (error) {
    $("found-readout").textContent = `The search failed: ${error.message}.`;
  } finally {
    api.search.running = false;
    $("find").textContent = "Find it in the GAN";
    call("searchStop").catch(() => {});
  }
}


const canvas = $("draw");
canvas.addEventListener("pointerdown", onDown);
canvas.addEventListener("pointermove", onMove);
canvas.addEventListener("pointerup", onUp);
canvas.addEventListener("pointercancel", onUp);
canvas.style.touchAction = "none";
$("clear-drawing").addEventListener("click", clearPad);
$("find").addEventListener("click", find);
$("pad-from-a").addEventListener("click", padFromA);
clearPad();
