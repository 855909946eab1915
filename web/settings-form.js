// Presets and the settings form. A preset is a named run (a failure to show, or its fix); the
// form shows every setting of the run with its range (from the wasm module's schema) and a
// sentence of help. Live settings apply to the running networks, others restart the run.

import { api, live, $, setStatus, on, serial, bound } from "./page.js";
import { configure, reset, shippedModels, startPretrained } from "./run.js";
import { updateLink } from "./link.js";

// The settings form: [key, label, kind, help]. Keys are ganvas_core::settings::Settings's,
// and the numbers' ranges come from the same module (the run's schema).
const LOSSES = [
  ["ns", "non-saturating (standard)"],
  ["minimax", "minimax (saturating)"],
  ["lsgan", "least squares (LSGAN)"],
  ["hinge", "hinge"],
  ["wgan", "Wasserstein, clipped (WGAN)"],
];
/**
 * How a setting is edited: a list of options, a checkbox, a number (its range from the schema
 * where `bound`), or a comma-separated list of widths.
 * @typedef {{ options?: string[][], checkbox?: boolean, number?: boolean, step?: string | number, bound?: boolean, list?: boolean }} FieldKind
 */
/** @type {[key: string, label: string, kind: FieldKind, help: string][]} */
const FIELDS = [
  ["dataset", "Data set", { options: [["mnist", "MNIST digits"], ["fashion", "Fashion-MNIST clothes"], ["own", "Your images"]] },
    "Which pictures the generator learns to draw: handwritten digits, small photos of clothes, or your own (add them in the \"Your images\" panel)."],
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
  ["ema", "G weight average", { number: true, step: "any", bound: true },
    "The samples are drawn by an average of the generator's weights over its recent steps (0.999: about the last thousand). It draws cleaner images; training is the same. 0: draw with the generator itself."],
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
        input.step = String(kind.step);
        if (kind.bound) {
          // The setting's range, from the run's schema (ganvas_core::settings).
          const { min, max } = bound(key);
          input.min = String(min);
          input.max = String(max);
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


const onFieldChange = serial(async (key, label, value) => {
  if (!live()) return;
  const options = { ...api.settings, [key]: value };
  // A new architecture brings its own default widths (the module picks them).
  if (key === "architecture") {
    delete options.generatorHidden;
    delete options.discriminatorHidden;
  }
  try {
    const how = await configure(options);
    fillForm(api.settings, key);
    markPreset();
    setStatus(
      how === "live"
        ? `${label} changed to ${format(api.settings[key])}: applied to the running networks.`
        : `${label} changed to ${format(api.settings[key])}: that needs new networks, so the run restarted at step 0.`,
    );
  } catch (error) {
    fillForm(api.settings, key);
    setStatus(`${label} not changed: ${error.message}.`, true);
  }
});

/** A setting's value as the page shows it (f32 values as typed, lists comma-separated). */
export const format = (v) =>
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
  $("start-trained").addEventListener("click", () => startTrained(api.preset));
}

// "Start from a trained model": the preset's shipped model, then training goes on from it.
const startTrained = serial(async (id) => {
  const p = api.presets.find((x) => x.id === id);
  if (!p) return;
  if (!samePreset(p)) await applyPreset(id);
  const note = await startPretrained(id);
  markPreset();
  await updateLink(); // the link says pretrained=1 before the status says it started
  setStatus(api.link.pretrained ? `${note} Press Train to go on training it.` : note, !api.link.pretrained);
});

// Shows "Start from a trained model" where the preset in use ships one.
async function offerTrained(current) {
  const button = $("start-trained");
  let shipped;
  try {
    shipped = current ? await shippedModels() : {};
  } catch {
    shipped = {}; // no list: no offer
  }
  const model = current && Object.hasOwn(shipped, current.id) ? shipped[current.id] : null;
  button.hidden = !model;
  if (model) button.textContent = `Start from a trained model (${model.steps.toLocaleString("en")} steps)`;
}

const loadPreset = serial((id) => applyPreset(id));

async function applyPreset(id) {
  const p = api.presets.find((x) => x.id === id);
  if (!p) return;
  api.link.pretrained = false; // a fresh run of the preset, not its trained model
  try {
    const how = await configure({ ...p.settings });
    // A preset is a fresh run even where only live settings differ.
    if (how === "live") await reset();
    api.preset = id;
    api.presetLoads += 1;
    fillForm(api.settings);
    markPreset();
    setStatus(`Preset "${p.name}" loaded: step 0, seed ${api.settings.seed}. Press Train.`);
  } catch (error) {
    setStatus(`The preset could not be loaded: ${error.message}.`, true);
  }
}

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
  offerTrained(current);
  updateLink();
}


on("ready", () => {
  buildForm();
  fillForm(api.settings);
  buildPresets();
  const params = new URLSearchParams(location.search);
  api.preset = params.get("preset") || "seed-gan";
  markPreset();
});

on("restart", () => {
  // A loaded run brings its own settings: show them, and the preset they match, if any.
  if (api.settings) {
    fillForm(api.settings);
    markPreset();
  }
});

/** A setting's name on the page (its form field's label), for the comparison's table. */
export const settingLabel = (key) => (FIELDS.find((f) => f[0] === key) || [key, key])[1];
