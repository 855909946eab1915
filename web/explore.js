// Exploring the generator: interpolation between two grid cells, sliders on one cell's noise, the
// training replay (timelapse), and the drawing probe with "find it in the GAN". Uses the page core
// (web/app.js) through window.ganvasPage.
"use strict";

(() => {
  const page = window.ganvasPage;
  const api = page.api;
  const $ = (id) => document.getElementById(id);

  const STRIP = 10; // images in the interpolation strip
  const SLIDERS = 5; // latent dimensions with a slider
  const TIMELAPSE_MAX = 60; // saved grids; when full, every other one is dropped and saving halves
  const SEARCH_CHUNK = 10; // latent search steps per call
  const SEARCH_STEPS = 300;

  Object.assign(api, {
    interpolation: null, // { mode, a, b, images }
    sliderDraws: 0,
    timelapse: { frames: 0, every: 0 },
    probe: null, // { realness, probabilities, guess }
    search: null, // { steps, distance, running }
  });

  let latents = null; // the grid's 64 noise vectors (64 x latentDim), read once per run
  const cell = (i) => latents.slice(i * api.latentDim, (i + 1) * api.latentDim);

  async function gridLatents() {
    if (!latents) latents = await page.call("fixedLatents");
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

  const cellIndex = (id) => Math.min(64, Math.max(1, Math.round(Number($(id).value) || 1))) - 1;

  // The class a conditional model is asked for in cell i (the grid's own rule, or the picker's).
  const classOf = (i) => (api.digit === null ? i % 10 : api.digit);

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
    const images = await page.call("generate", { z, classes });
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
    if (!page.call || !latents) return;
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
      const image = await page.call("generate", { z, classes });
      const c = $("slider-sample");
      const ctx = c.getContext("2d");
      ctx.drawImage(page.digitCanvas(image, 0), 0, 0);
      api.sliderDraws += 1;
    } catch (error) {
      page.setStatus(`The slider sample could not be drawn: ${error.message}.`, true);
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
    if (frames.length > TIMELAPSE_MAX) {
      frames = frames.filter((_, i) => i % 2 === 0 || i === frames.length - 1);
      every = Math.max(1, every * 2 || Math.ceil(step / TIMELAPSE_MAX));
    }
    const slider = $("timelapse");
    const atEnd = Number(slider.value) >= Number(slider.max);
    slider.max = String(frames.length - 1);
    slider.disabled = frames.length < 2;
    if (atEnd) slider.value = slider.max;
    api.timelapse = { frames: frames.length, every };
    showFrame();
  }

  function showFrame() {
    const f = frames[Number($("timelapse").value)];
    if (!f) return;
    page.drawGrid($("timelapse-grid"), f.pixels);
    $("timelapse-step").textContent = `step ${f.step} (${Number($("timelapse").value) + 1} of ${frames.length})`;
    $("timelapse").setAttribute("aria-valuetext", `step ${f.step}`);
  }

  // Draw and probe ---------------------------------------------------------------------------------

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
    $("find").disabled = !page.call;
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
    if (!page.call || !pad.inked) return;
    if (probePending) {
      probeAgain = true;
      return;
    }
    probePending = true;
    try {
      const r = await page.call("probe", { pixels: padPixels(), digit: api.digit ?? undefined });
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
    const image = await page.call("generate", {
      z: Float32Array.from(cell(a)),
      classes: api.conditional ? [classOf(a)] : undefined,
    });
    const ctx = $("draw").getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(page.digitCanvas(image, 0), 0, 0, 280, 280);
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
      await page.call("searchStart", { pixels: padPixels(), digit });
      while (api.search.running && api.search.steps < SEARCH_STEPS) {
        const r = await page.call("searchSteps", { n: SEARCH_CHUNK });
        api.search.steps = r.steps;
        api.search.distance = r.distance;
        $("found").getContext("2d").drawImage(page.digitCanvas(r.image, 0), 0, 0);
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
      page.call("searchStop").catch(() => {});
    }
  }

  // Wiring -----------------------------------------------------------------------------------------

  page.hooks.ready.push(() => {
    for (const id of ["interp-linear", "interp-slerp", "pad-from-a"]) $(id).disabled = false;
    buildSliders();
    setSlidersFromA();
  });
  page.hooks.restart.push(() => {
    latents = null;
    frames = [];
    every = 0;
    $("timelapse").max = "0";
    $("timelapse").value = "0";
    $("timelapse").disabled = true;
    $("timelapse-step").textContent = "nothing saved yet";
    api.timelapse = { frames: 0, every: 0 };
    buildSliders();
    setSlidersFromA();
  });
  page.hooks.samples.push(saveFrame);
  let nextPick = "a";
  page.hooks.pick.push((index) => {
    // Clicking the grid fills A, then B, in turn.
    $(nextPick === "a" ? "interp-a" : "interp-b").value = String(index + 1);
    if (nextPick === "a") setSlidersFromA();
    nextPick = nextPick === "a" ? "b" : "a";
  });

  document.addEventListener("DOMContentLoaded", () => {
    $("interp-linear").addEventListener("click", () => interpolate("lerp"));
    $("interp-slerp").addEventListener("click", () => interpolate("slerp"));
    $("interp-a").addEventListener("change", setSlidersFromA);
    $("timelapse").addEventListener("input", showFrame);
    const draw = $("draw");
    draw.addEventListener("pointerdown", onDown);
    draw.addEventListener("pointermove", onMove);
    draw.addEventListener("pointerup", onUp);
    draw.addEventListener("pointercancel", onUp);
    draw.style.touchAction = "none";
    $("clear-drawing").addEventListener("click", clearPad);
    $("find").addEventListener("click", find);
    $("pad-from-a").addEventListener("click", padFromA);
    clearPad();
  });
})();
