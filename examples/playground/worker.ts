// The playground's training, in a Web Worker so the page stays responsive: the library's
// browser build (onnxruntime-web) runs trainStep on the embedded MNIST digits, evaluates
// on the test split, predicts drawn digits and exports the model. Every ONNX Runtime call
// goes through `exclusive`, so a prediction or an export waits for a step boundary.
import {
  type CompileOptions,
  type DatasetBatch,
  type DatasetSplit,
  Evaluator,
  HostTensor,
  MNIST_DIGIT_FILES,
  type Model,
  type Program,
  type Stepper,
  type TrainState,
  adam,
  batches,
  compile,
  createEstimator,
  crossEntropyObjective,
  decodeMnistDigits,
  descriptor,
  exportModel,
  float32Output,
  initTrainState,
  mlp,
  runSeeds,
  softmax,
  trainStep,
} from 'forwardprop';
import { env } from 'onnxruntime-web';
import type { FromWorker, MethodInfo, RunConfig, ToWorker } from './protocol.js';

/** The methods the picker offers: forward gradients (activity, weight), likelihood ratio, SPSA, and backprop as the baseline. */
const METHODS = ['fg-a', 'fg-w', 'lr', 'spsa', 'bp'] as const;

// One WebAssembly thread: onnxruntime-web's sums depend on how many threads split them, so
// a fixed count keeps θ bit for bit equal to onnxruntime-web at one thread in Node (pages
// without cross-origin isolation get one thread anyway).
env.wasm.numThreads = 1;

const scope = self as unknown as { postMessage(message: FromWorker, transfer?: Transferable[]): void; onmessage: ((event: MessageEvent<ToWorker>) => void) | null };
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

let lock: Promise<unknown> = Promise.resolve();
/** Runs `work` after every ONNX Runtime call queued before it. */
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const result = lock.then(work);
  lock = result.catch(() => undefined);
  return result;
}

/** A macrotask boundary: lets queued messages (pause, predict, export) in between steps. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

class Run {
  readonly model: Model;
  readonly stepper: Stepper;
  readonly evaluator: Evaluator;
  private readonly compileOptions: CompileOptions;
  private predictor?: Promise<Program>;
  state: TrainState;
  until = 0;
  looping = false;
  evaluatedAt = -1;
  private epoch = 0;
  private batchIndex = 0;
  private epochBatches: Iterator<DatasetBatch>;

  constructor(
    readonly id: number,
    readonly config: RunConfig,
    private readonly data: DatasetSplit,
  ) {
    this.model = mlp([784, ...config.hidden, 10]);
    const objective = crossEntropyObjective();
    // 'cpu' is onnxruntime-web's WebAssembly provider.
    this.compileOptions = { device: config.device === 'webgpu' ? 'webgpu' : 'cpu' };
    const seeds = runSeeds(config.seed);
    this.stepper = { estimator: createEstimator(config.method, { model: this.model, objective, seed: seeds.noise, compile: this.compileOptions }), optimizer: adam(config.lr) };
    this.state = initTrainState(this.stepper, this.model.init(seeds.init), data.train.size);
    this.evaluator = new Evaluator(this.model, objective, this.compileOptions);
    this.epochBatches = this.batchesOf(0);
  }

  private batchesOf(epoch: number): Iterator<DatasetBatch> {
    return batches(this.data.train, { batchSize: this.config.batchSize, seed: this.config.seed, epoch });
  }

  /** The next batch of the seeded epoch order, the trainer's (`forwardprop train`) order. */
  nextBatch(): DatasetBatch {
    let next = this.epochBatches.next();
    if (next.done) {
      this.epoch++;
      this.batchIndex = 0;
      this.epochBatches = this.batchesOf(this.epoch);
      next = this.epochBatches.next();
    }
    this.batchIndex++;
    return next.value as DatasetBatch;
  }

  /** Epochs done, fractional. */
  get epochs(): number {
    return this.epoch + this.batchIndex / Math.ceil(this.data.train.size / this.config.batchSize);
  }

  async predict(pixels: Float32Array): Promise<Float32Array> {
    this.predictor ??= (async () => {
      const x = this.model.inputTensor();
      const params = this.model.paramInputs();
      return compile({ inputs: [x, ...params], outputs: [softmax(this.model.forward(x, params).out)] }, this.compileOptions);
    })();
    const program = await this.predictor;
    const outputs = await program.run({ x: new HostTensor('float32', [1, 784], pixels), ...this.model.paramFeeds(this.state.params) });
    return float32Output(outputs, 0).slice();
  }

  async dispose(): Promise<void> {
    await Promise.all([this.stepper.estimator.dispose(), this.evaluator.dispose(), this.predictor?.then((p) => p.dispose(), () => undefined)]);
  }
}

let data: DatasetSplit | undefined;
let run: Run | undefined;
let runs = 0;

async function load(baseUrl: string): Promise<void> {
  const started = performance.now();
  const urls = MNIST_DIGIT_FILES.map((file) => new URL(file, baseUrl).href);
  const texts = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}; the playground serves the mnist package's digits beside the page`);
      return response.text();
    }),
  );
  data = decodeMnistDigits(texts, urls);
  const methods: MethodInfo[] = METHODS.map((name) => {
    const { summary, paper, needs, defaultLearningRate } = descriptor(name);
    return { name, summary, paper, needs, defaultLearningRate };
  });
  post({ type: 'loaded', methods, train: data.train.size, test: data.test.size, seconds: (performance.now() - started) / 1000 });
}

async function evaluate(current: Run): Promise<void> {
  const { params, progress } = current.state;
  const result = await exclusive(() => current.evaluator.evaluate(params, data!.test));
  current.evaluatedAt = progress.step;
  post({ type: 'evaluated', run: current.id, step: progress.step, queries: progress.queries, seconds: progress.seconds, loss: result.loss, accuracy: result.accuracy });
}

/** Steps until `until` or a pause; evaluates every `evalEvery` steps and where it stops. */
async function trainLoop(current: Run): Promise<void> {
  current.looping = true;
  try {
    while (run === current && current.state.progress.step < current.until) {
      const batch = current.nextBatch();
      const { state, estimate } = await exclusive(() => trainStep(current.stepper, current.state, batch));
      current.state = state;
      const { step, queries, seconds } = state.progress;
      post({ type: 'step', run: current.id, step, epoch: current.epochs, queries, seconds, loss: estimate.loss });
      if (step % current.config.evalEvery === 0) await evaluate(current);
      await nextTask();
    }
    if (run === current && current.evaluatedAt !== current.state.progress.step) await evaluate(current);
  } finally {
    current.looping = false;
    post({ type: 'stopped', run: current.id, step: current.state.progress.step });
  }
}

async function train(config: RunConfig, until: number): Promise<void> {
  if (!data) throw new Error('the digits are not loaded yet');
  if (!run || JSON.stringify(run.config) !== JSON.stringify(config)) {
    await reset();
    run = new Run(++runs, config, data);
  }
  post({ type: 'started', run: run.id, config, parameters: run.model.layout.size });
  run.until = until;
  if (!run.looping) await trainLoop(run);
}

async function reset(): Promise<void> {
  const old = run;
  run = undefined;
  if (old) await exclusive(() => old.dispose());
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'load':
      return load(message.baseUrl);
    case 'train':
      return train(message.config, message.until);
    case 'pause':
      if (run) run.until = run.state.progress.step;
      return;
    case 'reset':
      return reset();
    case 'predict': {
      if (!run) throw new Error('no model yet: train first');
      const current = run;
      const probabilities = await exclusive(() => current.predict(message.pixels));
      return post({ type: 'prediction', id: message.id, probabilities }, [probabilities.buffer]);
    }
    case 'export': {
      if (!run) throw new Error('no model yet: train first');
      const current = run;
      const bytes = await exclusive(async () => exportModel(current.model, current.state.params));
      return post({ type: 'exported', run: current.id, step: current.state.progress.step, method: current.config.method, bytes }, [bytes.buffer]);
    }
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
};
