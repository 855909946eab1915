// The training worker's globals, for `tsc -p tests/tsconfig.worker.json`. TypeScript's own
// libraries have no WebGPU types yet; the worker only wraps these three classes' methods.

declare var GPUAdapter: any;
declare var GPUDevice: any;
declare var GPUBuffer: any;

interface WorkerGlobalScope {
  /** Called by the wasm module's panic hook (crates/web/src/app.rs). */
  ganvasPanic: (message: string) => void;
  /** The GPU devices wgpu asked for, watched for loss. */
  ganvasGpuDevices: any[];
  GPUAdapter: any;
  GPUDevice: any;
  GPUBuffer: any;
}
