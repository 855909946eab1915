// The sample grid: 64 digits from the generator's fixed noise, redrawn twice a second while
// training, and the copy check: pick a digit (click, or arrow keys and Enter) to see its five
// nearest training digits and whether it is new or a copy. Also draws any 28x28 image.

import { api, session, call, live, $, setStatus, on, emit, describe, datasetInfo } from "./page.js";
import { showPanel } from "./panels.js";

const SAMPLE_EVERY_MS = 500;

let lastSampleAt = 0;

/** Whether the grid is due to be redrawn between two chunks. */
export const samplesDue = () => performance.now() - lastSampleAt > SAMPLE_EVERY_MS;

export async function drawSamples() {
  lastSampleAt = performance.now();
  const step = api.step;
  let pixels;
  try {
    pixels = await call("samples", api.digit === null ? {} : { digit: api.digit });
  } catch (error) {
    // A lost GPU shows up here first; the recovery that follows says what happened.
    if (!session.crashed && !session.recovering) setStatus(`Drawing the samples failed: ${error.message}.`, true);
    return;
  }
  lastPixels = pixels;
  drawGrid($("samples"), pixels);
  markPicked();
  api.samplesDrawn += 1;
  if (api.digit === null) emit("samples", pixels, step);
}

export function showNeighboursHint(text) {
  const p = document.createElement("p");
  p.className = "hint";
  p.textContent =
    text || `Click any generated ${unit()} to see the 5 training ${unit()}s nearest to it: is it new, or a copy?`;
  $("neighbours").replaceChildren(p);
}

// What the data set holds, one of them: a digit (MNIST) or an image (of clothes, Fashion-MNIST).
const unit = () => (!api.settings || api.settings.dataset === "mnist" ? "digit" : "image");
const own = () => Boolean(api.settings && api.settings.dataset === "own");
// A training image's class, by name where the data set's classes are not digits; the learner's
// own images have none, and are named by their number in the set.
const className = (label) => (unit() === "digit" ? String(label) : datasetInfo(api.settings.dataset).classes[label]);
const named = (n) => (own() ? `your image ${n.index + 1}` : `a ${className(n.label)}`);

// The copy check's verdicts (ganvas_core::metrics::Verdict's words), in the data set's words.
const verdictWords = (verdict) =>
  ({
    novel: `novel: its nearest training ${unit()} is about as far away as a real ${unit()}'s nearest usually is.`,
    "close to a training digit": `close to a training ${unit()}: nearer than most real ${unit()}s are to theirs.`,
    copy: `a copy: it is almost the same image as a training ${unit()}.`,
  })[verdict] || verdict;

// A click picks the digit under the pointer; with the keyboard, the arrow keys move the pick and
// Enter or Space checks it. The picked cell is framed on the grid once a pick has begun.
let picked = 0;
let picking = false;
let lastPixels = null;

function markPicked() {
  if (!picking) return;
  const canvas = $("samples");
  if (lastPixels) drawGrid(canvas, lastPixels);
  const ctx = canvas.getContext("2d");
  ctx.strokeStyle = "#fab005";
  ctx.lineWidth = 2;
  ctx.strokeRect((picked % 8) * 28 + 1, Math.floor(picked / 8) * 28 + 1, 26, 26);
}

function pick(index) {
  picked = index;
  picking = true;
  markPicked();
  api.picked = picked;
}

function onSamplesClick(event) {
  const rect = $("samples").getBoundingClientRect();
  const col = Math.floor(((event.clientX - rect.left) / rect.width) * 8);
  const row = Math.floor(((event.clientY - rect.top) / rect.height) * 8);
  if (col < 0 || col > 7 || row < 0 || row > 7) return;
  pick(row * 8 + col);
  emit("pick", picked);
  showNeighbours(picked);
}

function onSamplesKey(event) {
  const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -8, ArrowDown: 8 };
  if (event.key in moves) {
    event.preventDefault();
    pick(Math.min(63, Math.max(0, picked + moves[event.key])));
    $("samples").setAttribute(
      "aria-label",
      `Generated digits. Picked: row ${Math.floor(picked / 8) + 1}, column ${(picked % 8) + 1}. Press Enter to check it for copying.`,
    );
  } else if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    emit("pick", picked);
    showNeighbours(picked);
  }
}

async function showNeighbours(index) {
  if (!live()) return;
  const row = Math.floor(index / 8);
  const col = index % 8;
  if (api.classifier !== "ready") {
    const what = !api.settings || api.settings.dataset === "mnist" ? "a digit" : "an image";
    showNeighboursHint(
      api.classifier === "failed"
        ? "The copy check needs the classifier's data, which could not be loaded."
        : `The copy check starts with training: press Train, then click ${what}.`,
    );
    return;
  }
  let result;
  try {
    result = await call("neighbours", { index, k: 5 });
  } catch (error) {
    if (!session.crashed) showNeighboursHint(`The copy check failed: ${error.message}.`);
    return;
  }
  api.neighbours = { sample: index, neighbours: result.neighbours };
  const chosen = document.createElement("div");
  chosen.className = "pick";
  chosen.append(digitCanvas(result.sample, 0, "the generated image"));
  const caption = document.createElement("p");
  caption.textContent = `Generated ${unit()} (row ${row + 1}, column ${col + 1})`;
  chosen.append(caption);
  const list = document.createElement("ol");
  list.className = "near";
  result.neighbours.forEach((n, i) => {
    const item = document.createElement("li");
    item.append(digitCanvas(result.pixels, i, `training image ${i + 1}: ${named(n)}`));
    const text = document.createElement("span");
    text.textContent = `${named(n)}, distance ${n.distance.toFixed(2)} (${n.ratio.toFixed(2)}× typical)`;
    item.append(text);
    list.append(item);
  });
  const verdict = document.createElement("p");
  const nearest = result.neighbours[0];
  const far = nearest.verdict === "novel" && nearest.ratio > 1.5;
  verdict.className = `verdict ${nearest.verdict === "novel" ? "novel" : nearest.verdict === "copy" ? "copy" : "close"}`;
  verdict.textContent = far
    ? `Verdict: novel, and far from every training ${unit()}: new, but perhaps not yet like one.`
    : `Verdict: ${verdictWords(nearest.verdict)}`;
  const heading = document.createElement("p");
  heading.className = "hint";
  heading.textContent = own()
    ? `Its 5 nearest of your images (pixel distance; "typical" is the median distance from one of your images to the nearest other one):`
    : `Its 5 nearest training ${unit()}s (pixel distance; "typical" is the median distance from a real unseen ${unit()} to its nearest training ${unit()}):`;
  $("neighbours").replaceChildren(chosen, heading, list, verdict);
  showPanel("copy-check");
}

// One 28x28 digit (the `n`th of `pixels`) on its own canvas, scaled up by CSS.
export function digitCanvas(pixels, n, label = "a 28 by 28 image") {
  const canvas = document.createElement("canvas");
  canvas.width = 28;
  canvas.height = 28;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round((pixels[n * 784 + i] + 1) * 127.5);
    image.data[i * 4] = image.data[i * 4 + 1] = image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

// 64 images of 28x28 pixels in [-1, 1], drawn 8x8 at one canvas pixel per image pixel; CSS
// scales the canvas up with nearest-neighbour sampling, so digits stay crisp.
export function drawGrid(canvas, pixels, cols = 8) {
  const side = 28;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(cols * side, cols * side);
  const count = Math.min(cols * cols, Math.floor(pixels.length / (side * side)));
  for (let n = 0; n < count; n++) {
    const ox = (n % cols) * side;
    const oy = Math.floor(n / cols) * side;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const v = Math.round((pixels[n * side * side + y * side + x] + 1) * 127.5);
        const at = ((oy + y) * cols * side + ox + x) * 4;
        image.data[at] = image.data[at + 1] = image.data[at + 2] = v;
        image.data[at + 3] = 255;
      }
    }
  }
  canvas.width = cols * side;
  canvas.height = cols * side;

  ctx.putImageData(image, 0, 0);
}

// The digit picker of a conditional model: "only 3s" asks every cell for that class.
on("ready", () => {
  const picker = $("digit-picker");
  for (let d = 0; d < 10; d++) {
    const o = document.createElement("option");
    o.value = String(d);
    picker.append(o);
  }
  describe({ settings: api.settings, latentDim: api.latentDim, conditional: api.conditional });
});

$("digit-picker").addEventListener("change", (e) => {
  api.digit = e.target.value === "" ? null : Number(e.target.value);
  if (live()) drawSamples();
});
$("samples").addEventListener("click", onSamplesClick);
$("samples").addEventListener("keydown", onSamplesKey);
$("samples").addEventListener("focus", () => pick(picked));
