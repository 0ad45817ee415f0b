import { benchEngine } from '../bench/engine.js';
import { benchEstimators } from '../bench/estimators.js';
import { benchImport } from '../bench/import.js';
import { benchMemory } from '../bench/memory.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const benchCommand = {
  name: 'bench',
  positionals: 'engine | estimators | memory | import',
  summary: `Benchmarks (numbers for docs/benchmarks.md; ratios are measured within one run).
  engine       forward passes/s of the 784-256-256-10 MLP at one and K copies per call, and noise throughput
  estimators   one step of each estimator against the forward passes it is made of
  memory       peak RSS of training with each method against evaluation alone
  import       an imported ONNX file against running it directly, and an fg-a and a bp step on it`,
  flags: {
    batch: { type: 'integer', min: 1, help: 'examples per forward pass or step (default: 256; memory: 64)' },
    copies: { type: 'integer', default: 16, min: 1, help: 'perturbed copies per call, K' },
    seconds: { type: 'number', default: 3, min: 0.1, help: 'measuring time per measurement' },
    threads: { type: 'integer', min: 1, help: 'onnxruntime intra-op threads (default: one per core)' },
    dataset: { type: 'string', default: 'mnist', help: 'memory: the data to train and evaluate on' },
    model: { type: 'string', default: 'mlp:784-256-256-10', help: 'estimators, memory: the model (e.g. localmixer:M/1/16)' },
    steps: { type: 'integer', default: 50, min: 1, help: 'memory: training steps per method' },
    file: { type: 'string', default: 'test/fixtures/models/vit-tiny.onnx', help: 'import: the ONNX file' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
} as const satisfies Command;

export async function runBench(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(benchCommand, argv);
  if (flags.help) {
    console.log(usage(benchCommand));
    return 0;
  }
  const [suite, ...rest] = positionals;
  if (!isSuite(suite) || rest.length > 0) throw new UsageError(`bench takes one suite: ${SUITES.join(', ')}${suite ? `; got '${positionals.join(' ')}'` : ''}`);
  const result = await SUITE_RUNNERS[suite](flags);
  console.log(flags.json ? JSON.stringify(result) : format(suite, result));
  return 0;
}

type Flags = ReturnType<typeof parseFlags<typeof benchCommand.flags>>['flags'];
const SUITES = ['engine', 'estimators', 'memory', 'import'] as const;
type Suite = (typeof SUITES)[number];
const isSuite = (name: string | undefined): name is Suite => (SUITES as readonly (string | undefined)[]).includes(name);
const compileOptions = (flags: Flags) => (flags.threads !== undefined ? { compile: { threads: flags.threads } } : {});

const SUITE_RUNNERS = {
  engine: (flags: Flags) => benchEngine({ batch: flags.batch ?? 256, copies: flags.copies, seconds: flags.seconds, ...compileOptions(flags) }),
  estimators: (flags: Flags) => benchEstimators({ model: flags.model, batch: flags.batch ?? 256, directions: flags.copies, seconds: flags.seconds, ...(flags.threads !== undefined && { threads: flags.threads }) }),
  memory: (flags: Flags) => benchMemory({ dataset: flags.dataset, model: flags.model, steps: flags.steps, batch: flags.batch ?? 64 }),
  import: (flags: Flags) => benchImport({ file: flags.file, batch: flags.batch ?? 256, seconds: flags.seconds, ...(flags.threads !== undefined && { threads: flags.threads }) }),
} as const;

function format(suite: Suite, result: Awaited<ReturnType<(typeof SUITE_RUNNERS)[Suite]>>): string {
  if (suite === 'engine') {
    const r = result as Awaited<ReturnType<typeof benchEngine>>;
    const { noise, machine } = r;
    return [
      `${r.model} (${r.parameters.toLocaleString('en-US')} parameters), batch ${r.batch}, ${machine.runtime} on ${machine.cpu} × ${machine.cores}, threads ${machine.threads}, Node ${machine.node}`,
      `forward passes/s, 1 copy per call:   ${r.forwardPerSecond.toFixed(0)} (${r.forwardMs.toFixed(3)} ms each)`,
      `forward passes/s, ${r.copies} copies per call: ${r.stackedForwardPerSecond.toFixed(0)} (×${r.stackedSpeedup.toFixed(2)})`,
      `noise for ${r.parameters.toLocaleString('en-US')} parameters (${noise.backend}): Gaussian ${noise.gaussianMs.toFixed(3)} ms (${noise.gaussianOverForward.toFixed(2)}× a forward pass), Rademacher ${noise.rademacherMs.toFixed(3)} ms (${noise.rademacherOverForward.toFixed(2)}×)`,
    ].join('\n');
  }
  if (suite === 'estimators') {
    const r = result as Awaited<ReturnType<typeof benchEstimators>>;
    const rows = r.steps.map((s) => `  ${`${s.method} ${JSON.stringify(s.options)}`.padEnd(46)} ${s.stepMs.toFixed(2).padStart(7)} ms  ${s.ratio.toFixed(2)}× the ${s.reference === 'forward' ? 'forward pass' : `forward of ${r.directions} copies`} (${s.referenceMs.toFixed(2)} ms alongside)`);
    return [`${r.model}, batch ${r.batch}: forward ${r.forwardMs.toFixed(3)} ms, ${r.directions} copies in one call ${r.stackedForwardMs.toFixed(2)} ms`, ...rows].join('\n');
  }
  if (suite === 'import') {
    const r = result as Awaited<ReturnType<typeof benchImport>>;
    return [
      `${r.file} (${r.parameters.toLocaleString('en-US')} parameters), batch ${r.batch}, ${r.machine.runtime} on ${r.machine.cpu} × ${r.machine.cores}, threads ${r.machine.threads}, Node ${r.machine.node}`,
      `load (cold):  import ${r.load.importMs.toFixed(1)} ms, onnxruntime on the file ${r.load.fileMs.toFixed(1)} ms: ${r.load.ratio.toFixed(2)}×`,
      `forward pass: imported ${r.forward.importedMs.toFixed(3)} ms, the file ${r.forward.fileMs.toFixed(3)} ms: ${r.forward.ratio.toFixed(2)}× (CPU time ${r.forward.cpuRatio.toFixed(2)}×)`,
      `fg-a step:    ${r.fgA.stepMs.toFixed(3)} ms, forward pass with the loss ${r.fgA.forwardMs.toFixed(3)} ms: ${r.fgA.ratio.toFixed(2)}× (CPU time ${r.fgA.cpuRatio.toFixed(2)}×)`,
      `bp step:      ${r.bp.stepMs.toFixed(3)} ms: ${r.bp.ratio.toFixed(2)}× the forward pass (CPU time ${r.bp.cpuRatio.toFixed(2)}×)`,
    ].join('\n');
  }
  const r = result as Awaited<ReturnType<typeof benchMemory>>;
  const rows = r.train.map((t) => `  train ${t.method.padEnd(30)} ${t.peakMb.toFixed(0).padStart(5)} MB  ${t.ratio.toFixed(2)}× eval`);
  return [`${r.model} on ${r.dataset}: eval alone ${r.evalPeakMb.toFixed(0)} MB peak RSS`, ...rows].join('\n');
}
