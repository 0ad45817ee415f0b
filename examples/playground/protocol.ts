// Messages between the page (main.ts) and the training worker (worker.ts).

/** What one run is: everything that, with the seed, determines its numbers. */
export interface RunConfig {
  /** An estimator name from the library's registry. */
  readonly method: string;
  /** Hidden layer widths of the MLP 784-…-10. */
  readonly hidden: readonly number[];
  readonly batchSize: number;
  /** Adam's learning rate, constant. */
  readonly lr: number;
  /** The run seed: θ₀, the estimator's noise and the batch order (runSeeds). */
  readonly seed: number;
  /** 'wasm' (onnxruntime-web's WebAssembly provider) or 'webgpu'. */
  readonly device: 'wasm' | 'webgpu';
  /** Evaluate on the test split every this many steps (and when training stops). */
  readonly evalEvery: number;
}

/** A method the picker offers, from its descriptor. */
export interface MethodInfo {
  readonly name: string;
  readonly summary: string;
  readonly paper: string;
  readonly needs: string;
  readonly defaultLearningRate: number;
}

export type ToWorker =
  /** Load the embedded digits from `<baseUrl>/digits/<d>.json`. */
  | { readonly type: 'load'; readonly baseUrl: string }
  /** Train (a new run when the config differs from the current one) until step `until`. */
  | { readonly type: 'train'; readonly config: RunConfig; readonly until: number }
  | { readonly type: 'pause' }
  /** Drop the current run. */
  | { readonly type: 'reset' }
  /** Class probabilities of one 28×28 image in [0, 1] under the current θ. */
  | { readonly type: 'predict'; readonly id: number; readonly pixels: Float32Array }
  /** The current model as a standalone ONNX file. */
  | { readonly type: 'export' };

export type FromWorker =
  | { readonly type: 'loaded'; readonly methods: readonly MethodInfo[]; readonly train: number; readonly test: number; readonly seconds: number }
  /** Training started for `run` (a new run when its id is new). */
  | { readonly type: 'started'; readonly run: number; readonly config: RunConfig; readonly parameters: number }
  /** One step done: the training loss of its batch, the queries and training seconds so far. */
  | { readonly type: 'step'; readonly run: number; readonly step: number; readonly epoch: number; readonly queries: number; readonly seconds: number; readonly loss: number }
  /** The test split's loss and accuracy at θ after `step` steps. */
  | { readonly type: 'evaluated'; readonly run: number; readonly step: number; readonly queries: number; readonly seconds: number; readonly loss: number; readonly accuracy: number }
  /** Training stopped: paused or reached `until`. */
  | { readonly type: 'stopped'; readonly run: number; readonly step: number }
  | { readonly type: 'prediction'; readonly id: number; readonly probabilities: Float32Array }
  | { readonly type: 'exported'; readonly run: number; readonly step: number; readonly method: string; readonly bytes: Uint8Array }
  | { readonly type: 'error'; readonly message: string };
