// Your images: pictures dropped on the page, picked as files or a folder, or drawn on the pad one
// after another become 28x28 MNIST-like images (ganvas_core::own_images::prepare, in the worker).
// A preview shows them, any can be removed, and "Train on these" starts a run on them. They stay in
// this browser: kept with the run in the autosave and in a saved run file, never sent anywhere.

import { api, session, call, live, $, setStatus, on, serial } from "./page.js";
import { configure } from "./run.js";
import { digitCanvas } from "./grid.js";

// Thumbnails shown at once: a set of thousands is counted, and its first images shown.
const PREVIEW = 200;
// Pictures are drawn at most this large before they are made 28x28 (the ink is fitted into
// 20x20, so nothing is lost, and a 50-megapixel photo does not fill the memory).
const DECODE_SIDE = 280;
// The file types the picker offers; a dropped file of another type is tried all the same.
const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];

const limits = () => api.schema.ownImages;

/** Why a file was skipped, in words that follow its name. */
class Skip extends Error {}

// A file's picture as grey bytes (0 black), at most DECODE_SIDE on its long side; transparent
// parts count as white paper.
async function greyPixels(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Skip("not an image this browser can read");
  }
  try {
    const scale = Math.min(1, DECODE_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0, width, height);
    return { grey: toGrey(ctx.getImageData(0, 0, width, height).data), width, height };
  } finally {
    bitmap.close();
  }
}

/** @param {Uint8ClampedArray} rgba */
function toGrey(rgba) {
  const grey = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < grey.length; i++) {
    grey[i] = Math.round(0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2]);
  }
  return grey;
}

// One picture made MNIST-like by the module; a blank one is skipped.
async function prepare({ grey, width, height }) {
  const image = await call("prepareImage", { grey, width, height }, [grey.buffer]);
  if (!image) throw new Skip("blank: no drawing stands out from its background");
  return image;
}

async function fromFile(file) {
  if (file.size === 0) throw new Skip("empty");
  const max = limits().maxFileBytes;
  if (file.size > max) throw new Skip(`${(file.size / 1e6).toFixed(1)} MB, over the ${max / (1 << 20)} MB limit`);
  return prepare(await greyPixels(file));
}

/**
 * Adds pictures, in order, until the set is full. Skipped files are named with the reason; the
 * rest still load.
 * @param {File[]} files
 */
export const addFiles = serial(async (files) => {
  if (!live()) {
    setStatus("Your images can be added once the page has loaded.", true);
    return;
  }
  const skipped = [];
  let added = 0;
  setStatus(`Reading ${files.length} file${files.length === 1 ? "" : "s"}…`);
  for (const file of files) {
    if (session.ownImages.length >= limits().max) {
      skipped.push(`"${file.name}" (the set is full: ${limits().max} images at most)`);
      continue;
    }
    try {
      session.ownImages.push(await fromFile(file));
      added += 1;
    } catch (error) {
      if (!(error instanceof Skip)) throw error;
      skipped.push(`"${file.name}" (${error.message})`);
    }
  }
  showImages();
  const named = skipped.length > 6 ? [...skipped.slice(0, 5), `and ${skipped.length - 5} more`] : skipped;
  const message =
    `Added ${added} image${added === 1 ? "" : "s"} to your images (${session.ownImages.length} in all).` +
    (skipped.length ? ` Skipped ${skipped.length} file${skipped.length === 1 ? "" : "s"}: ${named.join(", ")}.` : "");
  $("own-message").textContent = message;
  setStatus(message, skipped.length > 0);
  showPanel();
});

// The drawing pad's picture (white ink on black) joins the set, and the pad clears for the next.
const addDrawing = serial(async () => {
  if (!live()) return;
  const data = $("draw").getContext("2d").getImageData(0, 0, 280, 280).data;
  try {
    session.ownImages.push(await prepare({ grey: toGrey(data), width: 280, height: 280 }));
  } catch (error) {
    $("own-message").textContent = `The drawing was not added: ${error.message}.`;
    return;
  }
  $("clear-drawing").click();
  showImages();
  $("own-message").textContent = `Added the drawing (${session.ownImages.length} in all). Draw the next one.`;
});

// Every file under the dropped folders, and the dropped files, in name order within a folder.
async function droppedFiles(entries) {
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) files.push(await new Promise((ok, no) => entry.file(ok, no)));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
        if (batch.length === 0) break;
        for (const child of batch.sort((a, b) => a.name.localeCompare(b.name))) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

/** A drop that holds no run file: its pictures, folders walked, join the set. */
export async function dropImages(dataTransfer) {
  // The entries must be taken while the drop event is handled; a drop made by a script has none.
  const entries = Array.from(dataTransfer.items || [], (item) => item.webkitGetAsEntry && item.webkitGetAsEntry());
  const files = entries.some(Boolean) ? await droppedFiles(entries.filter(Boolean)) : Array.from(dataTransfer.files);
  return addFiles(files);
}

function remove(index) {
  session.ownImages.splice(index, 1);
  showImages();
  $("own-message").textContent = `Removed image ${index + 1} (${session.ownImages.length} left).`;
}

// The preview, the count and what the buttons can do now.
export function showImages() {
  const { min, max } = limits();
  const n = session.ownImages.length;
  api.ownImages = n;
  $("own-count").textContent =
    n === 0
      ? `No images yet. At least ${min} train a run; at most ${max} are kept.`
      : n < min
        ? `${n} image${n === 1 ? "" : "s"}: add ${min - n} more to train (at least ${min}).`
        : `${n} images, ready to train${n < 100 ? ": with this few, the generator will learn them by heart. Watch the copy rate." : "."}`;
  const shown = session.ownImages.slice(0, PREVIEW).map((image, i) => thumbnail(image, i));
  if (n > PREVIEW) {
    const more = document.createElement("p");
    more.className = "hint";
    more.textContent = `…and ${n - PREVIEW} more (the first ${PREVIEW} are shown).`;
    shown.push(more);
  }
  $("own-preview").replaceChildren(...shown);
  $("own-train").disabled = !live() || n < min;
  $("own-clear").disabled = n === 0;
}

function thumbnail(image, i) {
  const figure = document.createElement("figure");
  figure.className = "thumb";
  // Bytes 0..=255 as the [-1, 1] pixels the grid's images are drawn from.
  const canvas = digitCanvas(Float32Array.from(image, (v) => v / 127.5 - 1), 0, `your image ${i + 1}`);
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "×";
  button.setAttribute("aria-label", `Remove your image ${i + 1}`);
  button.addEventListener("click", () => remove(i));
  figure.append(canvas, button);
  return figure;
}

function showPanel() {
  $("own-panel").scrollIntoView({ block: "nearest" });
}

// A new run on the set as it is now (the run keeps that copy; later changes need this again).
const trainOnThem = serial(async () => {
  try {
    await configure({ ...api.settings, dataset: "own", conditional: false }, { newImages: true });
    setStatus(`A new run on your ${session.ownImages.length} images, at step 0. Press Train.`);
  } catch (error) {
    setStatus(`Your images could not start a run: ${error.message}.`, true);
  }
});

/** A loaded run's images (784 bytes each, from its file) become the set shown. */
export function setImages(bytes) {
  session.ownImages = [];
  for (let i = 0; i + 784 <= bytes.length; i += 784) session.ownImages.push(bytes.slice(i, i + 784));
  showImages();
}

$("own-files").setAttribute("accept", TYPES.join(","));
for (const id of ["own-files", "own-folder"]) {
  $(id).addEventListener("change", async (e) => {
    const input = e.target;
    const files = Array.from(input.files || []).sort((a, b) => a.name.localeCompare(b.name));
    input.value = "";
    await addFiles(files);
  });
}
$("own-train").addEventListener("click", trainOnThem);
$("own-clear").addEventListener("click", () => {
  session.ownImages = [];
  showImages();
  $("own-message").textContent = "Removed every image. A run already training on them keeps its copy.";
});
$("add-drawing").addEventListener("click", addDrawing);
on("ready", () => {
  for (const id of ["own-files", "own-folder", "add-drawing"]) $(id).disabled = false;
  showImages();
});
