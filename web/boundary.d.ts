// The wasm boundary as the page meets it: each method the worker (web/worker.js) serves, with
// what it takes and what it resolves with. The replies are serde structs in crates/web/src
// (replies.rs, options.rs; ganvas_core::settings), camelCase. `call` in web/page.js is typed by
// this map, so `tsc -p tests/tsconfig.json` finds a field the page reads that no reply has.

/** Every setting of a run (ganvas_core::settings::Settings). */
export interface Settings {
  seed: number;
  batchSize: number;
  architecture: "mlp" | "dcgan";
  conditional: boolean;
  batchNorm: boolean;
  latentDim: number;
  generatorHidden: number[];
  discriminatorHidden: number[];
  loss: string;
  lrG: number;
  lrD: number;
  beta1: number;
  dSteps: number;
  realLabel: number;
  clip: number;
  dataset: string;
}

/** A setting's range (ganvas_core::settings::Bound). */
export interface Bound {
  key: string;
  label: string;
  min: number;
  max: number;
  whole: boolean;
}

export interface Dataset {
  id: string;
  name: string;
  /** Images, then labels; none for the learner's own images. */
  files: string[];
  classes: string[];
  /** Its measuring classifier's file, under models/. */
  classifier: string;
}

/** The run's schema (crates/web/src/options.rs, `schema()`). */
export interface Schema {
  bounds: Bound[];
  defaults: Settings;
  losses: string[];
  lossColumns: string[];
  qualityColumns: string[];
  datasets: Dataset[];
  maxFileBytes: number;
  timelapseFrames: number;
  /** The learner's own images: how few train, how many a run keeps, the largest file read. */
  ownImages: { min: number; max: number; maxFileBytes: number };
}

export interface Preset {
  id: string;
  name: string;
  caption: [string, string];
  fix: string | null;
  settings: Settings;
}

/** The run's settings and shape, after create, configure and loadCheckpoint. */
export interface RunShape {
  settings: Settings;
  latentDim: number;
  conditional: boolean;
}

export interface Backend extends RunShape {
  backend: "WebGPU" | "CPU";
  backendNote: string;
  backendDetail: string;
  presets: Preset[];
}

/** A chunk's statistics: the losses are the chunk's means, the rest the last step's. */
export interface ChunkStats {
  step: number;
  dLoss: number;
  gLoss: number;
  dReal: number;
  dFake: number;
  gGrad: number;
  dUpdates: number;
}

export interface Quality {
  step: number;
  samples: number;
  classifierScore: number;
  fid: number;
  digitsCovered: number;
  klFromUniform: number;
  copyRate: number;
  medianCopyRatio: number;
  diversity: number;
  histogram: number[];
}

export interface CopyCheck {
  sample: Float32Array;
  pixels: Float32Array;
  neighbours: { index: number; label: number; distance: number; ratio: number; verdict: string }[];
}

export interface DiscriminatorStep {
  step: number;
  dUpdates: number;
  dLoss: number;
  dReal: number;
  dFake: number;
  probabilities: boolean;
  real: Float32Array;
  fake: Float32Array;
  realBefore: Float32Array;
  realAfter: Float32Array;
  fakeBefore: Float32Array;
  fakeAfter: Float32Array;
}

export interface GeneratorStep {
  step: number;
  dUpdates: number;
  gLoss: number;
  gGrad: number;
  probabilities: boolean;
  before: Float32Array;
  after: Float32Array;
  scoreBefore: Float32Array;
  scoreAfter: Float32Array;
}

export interface CheckpointInfo {
  settings: Settings;
  step: number;
  dUpdates: number;
  full: boolean;
  /** How many of the learner's own images the run carries, when it trained on them. */
  ownImages: number | null;
}

export interface LoadedRun extends RunShape {
  step: number;
  dUpdates: number;
  full: boolean;
  losses: Float64Array;
  quality: Float64Array;
  /** The learner's own images the run trained on (784 bytes each), when it did. */
  ownImages: Uint8Array | null;
}

export interface ComparedRun {
  settings: Settings;
  step: number;
  losses: Float64Array;
  quality: Float64Array;
  /** Its final sample grid: 64 images of 784 pixels in [-1, 1]. */
  samples: Float32Array;
}

export interface Probe {
  realness: number;
  probabilities: boolean;
  guess: number | null;
  classProbabilities: Float32Array;
}

export interface SearchProgress {
  steps: number;
  distance: number;
  image: Float32Array;
  z: Float32Array;
}

export interface ParsedLink {
  preset: string | null;
  settings: Partial<Record<keyof Settings, any>>;
  autostart: boolean;
  pretrained: boolean;
  hide: string[];
  ignored: string[];
}

type Images = { images?: Uint8Array; labels?: Uint8Array };

/** Each worker method: [what it takes, what it resolves with]. */
export interface Methods {
  load: [{ js: string; wasm: string; gpuAccounting: boolean }, true];
  schema: [void, Schema];
  presetList: [void, Preset[]];
  create: [{ images: Uint8Array; labels: Uint8Array; options: object }, Backend];
  configure: [{ options: object } & Images, RunShape & { how: "live" | "restarted" }];
  releaseMemory: [void, true];
  memory: [void, Record<string, number>];
  checkpoint: [{ losses: Float64Array; quality: Float64Array }, { bytes: Uint8Array<ArrayBuffer>; step: number }];
  checkpointInfo: [{ bytes: Uint8Array }, CheckpointInfo];
  compareRun: [{ bytes: Uint8Array }, ComparedRun];
  loadCheckpoint: [{ bytes: Uint8Array } & Images, LoadedRun];
  historyCsv: [{ table: string; values: number[] }, string];
  timelapsePng: [{ steps: Float64Array; pixels: Float32Array }, Uint8Array<ArrayBuffer>];
  parseLink: [{ hash: string }, ParsedLink];
  prepareImage: [{ grey: Uint8Array; width: number; height: number }, Uint8Array | null];
  formatLink: [{ preset?: string; settings: Settings; autostart: boolean; pretrained: boolean; hide: string[] }, string];
  trainSteps: [{ n: number }, ChunkStats];
  play: [{ token: number; stepsPerFrame: number; budgetMs: number; maxChunk: number }, true];
  pause: [void, true];
  dStep: [void, DiscriminatorStep];
  gStep: [void, GeneratorStep];
  samples: [{ digit?: number }, Float32Array];
  fixedLatents: [void, Float32Array];
  generate: [{ z: Float32Array; classes?: number[] }, Float32Array];
  probe: [{ pixels: Float32Array; digit?: number }, Probe];
  searchStart: [{ pixels: Float32Array; digit: number }, true];
  searchSteps: [{ n: number }, SearchProgress];
  searchStop: [void, true];
  realDigits: [{ n: number }, Float32Array];
  loadClassifier: [{ bytes: Uint8Array }, number];
  evaluate: [{ n: number; untrained: boolean }, Quality];
  neighbours: [{ index: number; k: number }, CopyCheck];
  reset: [void, true];
}

/** The worker's `call`, typed by method. */
export type Call = <M extends keyof Methods>(
  method: M,
  args?: Methods[M][0],
  transfer?: Transferable[],
) => Promise<Methods[M][1]>;
