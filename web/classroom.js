// The classroom controls: presets, the settings form, and step-by-step mode with its slow-motion
// view of one update. Uses the page core (web/app.js) through window.ganvasPage.
"use strict";

(() => {
  const page = window.ganvasPage;
  const api = page.api;
  const $ = (id) => document.getElementById(id);

  // The settings form: [key, label, kind, help]. Keys are ganvas_core::settings::Settings's,
  // and the numbers' ranges come from the same module (the run's schema).
  const LOSSES = [
    ["ns", "non-saturating (standard)"],
    ["minimax", "minimax (saturating)"],
    ["lsgan", "least squares (LSGAN)"],
    ["hinge", "hinge"],
    ["wgan", "Wasserstein, clipped (WGAN)"],
  ];
  const FIELDS = [
    ["dataset", "Data set", { options: [["mnist", "MNIST digits"], ["fashion", "Fashion-MNIST clothes"]] },
      "Which pictures the generator learns to draw: handwritten digits, or small photos of clothes."],
    ["architecture", "Networks", { options: [["mlp", "fully connected (seed GAN)"], ["dcgan", "convolutional (DCGAN)"]] },
      "Fully connected networks look at every pixel at once. Convolutional ones work with small patches, like brushes, which suits images."],
    ["conditional", "Conditional", { checkbox: true },
      "Tell the generator which digit to draw, and the discriminator which digit an image should be."],
    ["batchNorm", "Batch norm in G", { checkbox: true },
      "Rescale the generator's hidden values to a steady range at every layer (batch normalisation): it learns digits many times sooner. Off: the networks as first built."],
    ["loss", "Loss", { options: LOSSES },
      "The rule that scores each network. They differ in how hard they push the generator when the discriminator is winning."],
    ["lrG", "G learning rate", { number: true, step: "any", bound: true },
      "How big a change the generator makes at each step. Too big and it overshoots; too small and it barely learns."],
    ["lrD", "D learning rate", { number: true, step: "any", bound: true },
      "How big a change the discriminator makes at each step."],
    ["beta1", "Adam beta1", { number: true, step: "any", bound: true },
      "How much each step keeps going in the direction of the last ones (momentum). GANs usually use 0.5."],
    ["batchSize", "Batch size", { number: true, step: 1, bound: true },
      "How many real and fake images each update looks at."],
    ["latentDim", "Latent size", { number: true, step: 1, bound: true },
      "How many random numbers the generator starts each image from."],
    ["dSteps", "D steps per G step", { number: true, step: 1, bound: true },
      "How many times the discriminator learns before the generator learns once."],
    ["realLabel", "Real label", { number: true, step: "any", bound: true },
      "The score the discriminator is asked to give real images. 0.9 instead of 1 (label smoothing) keeps it from getting over-confident."],
    ["clip", "Clip (WGAN)", { number: true, step: "any", bound: true },
      "With the Wasserstein loss, the discriminator's weights are kept between minus and plus this value."],
    ["generatorHidden", "G widths", { list: true },
      "Sizes of the generator's hidden layers, comma-separated (for the DCGAN: its two channel counts)."],
    ["discriminatorHidden", "D widths", { list: true },
      "Sizes of the discriminator's hidden layers, comma-separated (for the DCGAN: its two channel counts)."],
    ["seed", "Seed", { number: true, step: 1, bound: true },
      "The starting point of every random choice. The same seed gives the same run."],
  ];

  function helpFor(label, text) {
    const details = document.createElement("details");
    details.className = "help";
    const summary = document.createElement("summary");
    summary.textContent = "?";
    summary.setAttribute("aria-label", `What is ${label.toLowerCase()}?`);
    const p = document.createElement("p");
    p.textContent = text;
    details.append(summary, p);
    return details;
  }

  function buildForm() {
    const form = $("settings");
    form.replaceChildren();
    for (const [key, label, kind, help] of FIELDS) {
      const row = document.createElement("div");
      row.className = "field";
      const id = `set-${key}`;
      const l = document.createElement("label");
      l.htmlFor = id;
      l.textContent = label;
      let input;
      if (kind.options) {
        input = document.createElement("select");
        for (const [value, text] of kind.options) {
          const o = document.createElement("option");
          o.value = value;
          o.textContent = text;
          input.append(o);
        }
      } else {
        input = document.createElement("input");
        if (kind.checkbox) input.type = "checkbox";
        else if (kind.number) {
          input.type = "number";
          input.step = kind.step;
          if (kind.bound) {
            // The setting's range, from the run's schema (ganvas_core::settings).
            const { min, max } = page.bound(key);
            input.min = min;
            input.max = max;
          }
        } else {
          input.type = "text";
          input.inputMode = "numeric";
          input.pattern = "[0-9, ]+";
        }
      }
      input.id = id;
      input.name = key;
      // The value is read when it changes: a queued change must not see later edits.
      input.addEventListener("change", () => onFieldChange(key, label, readField(key)));
      row.append(l, input, helpFor(label, help));
      form.append(row);
    }
    form.addEventListener("submit", (e) => e.preventDefault());
  }

  // Shows `settings` in the form; a field being edited (focused) keeps its text, unless it is the
  // one whose change was just applied.
  function fillForm(settings, applied = null) {
    for (const [key, , kind] of FIELDS) {
      const input = $(`set-${key}`);
      if (input === document.activeElement && key !== applied) continue;
      const v = settings[key];
      if (kind.checkbox) input.checked = Boolean(v);
      else if (kind.list) input.value = (v || []).join(", ");
      // f32 settings arrive as f64 (0.01 as 0.009999999776): show them as typed.
      else if (kind.number) input.value = String(Number(Number(v).toPrecision(6)));
      else input.value = String(v);
    }
  }

  function readField(key) {
    const [, , kind] = FIELDS.find((f) => f[0] === key);
    const input = $(`set-${key}`);
    if (kind.checkbox) return input.checked;
    if (kind.list) {
      const parts = input.value.split(",").map((x) => x.trim()).filter((x) => x !== "");
      return parts.map(Number);
    }
    if (kind.number) return Number(input.value);
    return input.value;
  }

  // Step buttons, settings and presets run one after another, in the order they were asked for.
  let queue = Promise.resolve();
  const serial = (f) => (...args) => (queue = queue.then(() => f(...args)));

  const onFieldChange = serial(async (key, label, value) => {
    if (!page.call) return;
    const options = { ...api.settings, [key]: value };
    // A new architecture brings its own default widths (the module picks them).
    if (key === "architecture") {
      delete options.generatorHidden;
      delete options.discriminatorHidden;
    }
    try {
      const how = await page.configure(options);
      fillForm(api.settings, key);
      markPreset();
      page.setStatus(
        how === "live"
          ? `${label} changed to ${format(api.settings[key])}: applied to the running networks.`
          : `${label} changed to ${format(api.settings[key])}: that needs new networks, so the run restarted at step 0.`,
      );
    } catch (error) {
      fillForm(api.settings, key);
      page.setStatus(`${label} not changed: ${error.message}.`, true);
    }
  });

  const format = (v) =>
    Array.isArray(v) ? v.join(", ") : typeof v === "number" ? String(Number(v.toPrecision(6))) : String(v);

  // Presets ----------------------------------------------------------------------------------------

  function buildPresets() {
    const box = $("presets");
    box.replaceChildren();
    for (const p of api.presets) {
      // Fixes are reached from their failure's "Show the fix" button.
      if (api.presets.some((q) => q.fix === p.id)) continue;
      const b = document.createElement("button");
      b.type = "button";
      b.id = `preset-${p.id}`;
      b.textContent = p.name;
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => loadPreset(p.id));
      box.append(b);
    }
    $("show-fix").addEventListener("click", () => {
      const p = api.presets.find((x) => x.id === api.preset);
      if (p && p.fix) loadPreset(p.fix);
    });
  }

  const loadPreset = serial(async (id) => {
    const p = api.presets.find((x) => x.id === id);
    if (!p) return;
    try {
      const how = await page.configure({ ...p.settings });
      // A preset is a fresh run even where only live settings differ.
      if (how === "live") await page.reset();
      api.preset = id;
      api.presetLoads += 1;
      fillForm(api.settings);
      markPreset();
      page.setStatus(`Preset "${p.name}" loaded: step 0, seed ${api.settings.seed}. Press Train.`);
    } catch (error) {
      page.setStatus(`The preset could not be loaded: ${error.message}.`, true);
    }
  });

  function samePreset(p) {
    return p && JSON.stringify(p.settings) === JSON.stringify(api.settings);
  }

  function markPreset() {
    let current = api.presets.find((x) => x.id === api.preset);
    if (!samePreset(current)) current = api.presets.find(samePreset) || null;
    api.preset = current ? current.id : null;
    const failure = current && api.presets.find((x) => x.fix === current.id);
    for (const b of $("presets").querySelectorAll("button")) {
      const id = b.id.slice("preset-".length);
      const on = current && (id === current.id || (failure && id === failure.id));
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
    const caption = $("preset-caption");
    caption.replaceChildren();
    if (current) {
      const name = document.createElement("b");
      name.textContent = `${current.name}. `;
      caption.append(name, current.caption[0], document.createElement("br"), `Watch: ${current.caption[1].replace(/^Watch /, "")}`);
    } else {
      caption.textContent = "Your own settings (no preset).";
    }
    $("show-fix").hidden = !(current && current.fix);
    page.updateLink();
  }

  // Step-by-step mode ------------------------------------------------------------------------------

  async function pauseFirst() {
    if (api.running) page.stop();
    while (page.isBusy()) await new Promise((r) => setTimeout(r, 20));
  }

  const oneStep = serial(async (kind) => {
    if (!page.call) return;
    try {
      await pauseFirst();
      if (kind === "full") {
        const stats = await page.call("trainSteps", { n: 1 });
        page.recordStep(stats);
        $("step-view").hidden = true;
      } else {
        const result = await page.call(kind === "d" ? "dStep" : "gStep");
        page.recordStep(result);
        showStep(kind, result);
      }
      await page.drawSamples();
    } catch (error) {
      page.setStatus(`The step failed: ${error.message}.`, true);
    }
  });

  // A score as a border colour: red (fake) to green (real). Raw scores go through a sigmoid first.
  function scoreColor(score, probabilities) {
    const p = probabilities ? score : 1 / (1 + Math.exp(-score));
    const hue = Math.round(120 * Math.min(1, Math.max(0, p)));
    return `hsl(${hue} 70% 40%)`;
  }

  function imageRow(pixels, scores, probabilities, caption, before) {
    const row = document.createElement("div");
    row.className = "image-row";
    const title = document.createElement("p");
    title.textContent = caption;
    row.append(title);
    const list = document.createElement("ol");
    for (let i = 0; i < scores.length; i++) {
      const item = document.createElement("li");
      const c = page.digitCanvas(pixels, i, `${caption} image ${i + 1}: D score ${scores[i].toFixed(2)}`);
      c.style.borderColor = scoreColor(scores[i], probabilities);
      const n = document.createElement("span");
      const arrow = before ? (scores[i] > before[i] ? " ↑" : scores[i] < before[i] ? " ↓" : "") : "";
      n.textContent = scores[i].toFixed(2) + arrow;
      item.append(c, n);
      list.append(item);
    }
    row.append(list);
    return row;
  }

  function stage(number, text, ...content) {
    const s = document.createElement("div");
    s.className = "stage";
    const p = document.createElement("p");
    const n = document.createElement("b");
    n.textContent = `${number}. `;
    p.append(n, text);
    s.append(p, ...content);
    return s;
  }

  function showStep(kind, r) {
    const unit = r.probabilities ? "1 = sure it is real, 0 = sure it is fake" : "higher = more real";
    const mean = (xs) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
    let stages;
    if (kind === "d") {
      stages = [
        stage(1, "The discriminator (D) is shown a batch of real images and a batch of fakes from the generator. Here are 8 of each."),
        stage(2, `Before learning, D scores each one (${unit}); the border colour shows the score.`,
          imageRow(r.real, r.realBefore, r.probabilities, "Real"),
          imageRow(r.fake, r.fakeBefore, r.probabilities, "Fake")),
        stage(3, `D changes its weights a little to push real scores up and fake scores down (D loss ${r.dLoss.toFixed(3)}).`),
        stage(4, `After the update: real average ${mean(r.realBefore).toFixed(2)} → ${mean(r.realAfter).toFixed(2)}, fake average ${mean(r.fakeBefore).toFixed(2)} → ${mean(r.fakeAfter).toFixed(2)}.`,
          imageRow(r.real, r.realAfter, r.probabilities, "Real, after", r.realBefore),
          imageRow(r.fake, r.fakeAfter, r.probabilities, "Fake, after", r.fakeBefore)),
      ];
    } else {
      stages = [
        stage(1, "The generator (G) draws a batch of images from fresh random noise. Here are 8."),
        stage(2, `D scores them (${unit}).`, imageRow(r.before, r.scoreBefore, r.probabilities, "Before")),
        stage(3, `G changes its weights so that D would score these drawings higher (G loss ${r.gLoss.toFixed(3)}, gradient size ${r.gGrad.toExponential(1)}). D does not change.`),
        stage(4, `The same noise, drawn by the updated G, and D's new scores: average ${mean(r.scoreBefore).toFixed(2)} → ${mean(r.scoreAfter).toFixed(2)}.`,
          imageRow(r.after, r.scoreAfter, r.probabilities, "After", r.scoreBefore)),
      ];
    }
    const body = $("step-view-body");
    body.replaceChildren(...stages);
    body.dataset.kind = kind;
    $("step-view").hidden = false;
  }

  // Wiring -----------------------------------------------------------------------------------------

  api.presetLoads = 0; // presets loaded by their buttons (tests wait on it)

  page.hooks.ready.push(() => {
    buildForm();
    fillForm(api.settings);
    buildPresets();
    const params = new URLSearchParams(location.search);
    api.preset = params.get("preset") || "seed-gan";
    markPreset();
    for (const id of ["d-step", "g-step", "full-step"]) $(id).disabled = false;
    const picker = $("digit-picker");
    for (let d = 0; d < 10; d++) {
      const o = document.createElement("option");
      o.value = String(d);
      picker.append(o);
    }
    page.describe({ settings: api.settings, latentDim: api.latentDim, conditional: api.conditional });
  });
  page.hooks.restart.push(() => {
    $("step-view").hidden = true;
    // A loaded run brings its own settings: show them, and the preset they match, if any.
    if (api.settings) {
      fillForm(api.settings);
      markPreset();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    $("d-step").addEventListener("click", () => oneStep("d"));
    $("g-step").addEventListener("click", () => oneStep("g"));
    $("full-step").addEventListener("click", () => oneStep("full"));
  });
})();
