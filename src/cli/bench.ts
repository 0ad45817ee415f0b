import { benchEngine } from '../bench/engine.js';
import { benchEstimators } from '../bench/estimators.js';
import { benchImport } from '../bench/import.js';
import { benchKernels } from '../bench/kernels.js';
import { benchLandscape } from '../bench/landscape.js';
import { benchMemory } from '../bench/memory.js';
import { benchTargets } from '../bench/targets.js';
import { benchMgd } from '../bench/mgd.js';
import { benchScale } from '../bench/scale.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';
import { NATS_FLAGS, natsOptions } from './nats-flags.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

export const benchCommand = {
  name: 'bench',
  positionals: 'engine | estimators | memory | import | targets | kernels | landscape | mgd | scale',
  summary: `Benchmarks (numbers for docs/benchmarks.md; ratios are measured within one run).
  engine       forward passes/s of the 784-256-256-10 MLP at one and K copies per call, and noise throughput
  estimators   one step of each estimator against the forward passes it is made of
  memory       peak RSS of training (spsa's memory plan, fg-a, bp) against evaluation alone, MLPs 784-W-W-10
  import       an imported ONNX file against running it directly, and an fg-a and a bp step on it
  targets      every measure of the performance table (docs/benchmarks.md) that has a target, as a ratio
  kernels      each per-parameter kernel and array operation, one pass over θ of the MLP 784-256-256-10, against a forward pass (batch 64 by default)
  landscape    a 51 × 51 loss landscape on 1,000 examples against the engine's stacked forward
  mgd          an MGD step on the MGD papers' Fashion-MNIST CNN against a forward pass (batch 1000 by default)
  scale        queries/s of an spsa step and a landscape grid on --workers threads against one; with --nats, two NATS workers against one worker thread, the coordination overhead, bytes per step and the loopback round trip`,
  flags: {
    batch: { type: 'integer', min: 1, help: 'examples per forward pass or step (default: 256; memory, targets, kernels: 64; mgd: 1000)' },
    examples: { type: 'integer', default: 1000, min: 1, help: 'landscape: examples the loss is taken on' },
    points: { type: 'integer', default: 51, min: 3, help: 'landscape, scale: grid points per axis of the full landscape' },
    workers: { type: 'integer', default: 2, min: 2, help: 'scale: worker threads (and NATS workers) measured against one' },
    rounds: { type: 'integer', default: 3, min: 1, help: 'scale: whole landscape grids timed per variant, alternating' },
    copies: { type: 'integer', default: 16, min: 1, help: 'perturbed copies per call, K (scale: spsa directions per step)' },
    seconds: { type: 'number', default: 3, min: 0.1, help: 'measuring time per measurement' },
    threads: { type: 'integer', min: 1, max: MAX_THREADS, help: 'onnxruntime intra-op threads, all suites but memory and scale (default: FORWARDPROP_THREADS or one per core, never spinning)' },
    dataset: { type: 'string', default: 'mnist', help: 'memory: the data to train and evaluate on' },
    model: { type: 'string', help: 'estimators, memory: the model (e.g. localmixer:M/1/16; default: the 784-256-256-10 MLP, memory: the widths)' },
    widths: { type: 'string', help: 'memory, targets: hidden widths W of the MLPs 784-W-W-10 (default: memory 256,1024,4096,8192; targets 256,1024,4096)' },
    steps: { type: 'integer', default: 3, min: 1, help: 'memory: training steps per run' },
    memory: { type: 'boolean', help: 'targets: also the peak-memory rows (W = 4096, a few minutes)' },
    file: { type: 'string', default: 'test/fixtures/models/vit-tiny.onnx', help: 'import: the ONNX file (the default is in the repository, not in the npm package: installed as a package, give one)' },
    json: { type: 'boolean', help: 'print one JSON object' },
    ...NATS_FLAGS,
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
  // memory runs its trainings in child processes with their defaults; scale gives every worker one thread by design.
  if (flags.threads !== undefined && (suite === 'memory' || suite === 'scale')) throw new UsageError(`bench ${suite} does not take --threads (${suite === 'memory' ? 'its runs are child processes with the thread default' : 'each worker runs one intra-op thread'})`);
  const result = await SUITE_RUNNERS[suite](flags);
  console.log(flags.json ? JSON.stringify(result) : format(suite, result));
  return 0;
}

type Flags = ReturnType<typeof parseFlags<typeof benchCommand.flags>>['flags'];
const SUITES = ['engine', 'estimators', 'memory', 'import', 'targets', 'kernels', 'landscape', 'mgd', 'scale'] as const;
type Suite = (typeof SUITES)[number];
const isSuite = (name: string | undefined): name is Suite => (SUITES as readonly (string | undefined)[]).includes(name);
const threadsOption = (flags: Flags) => (flags.threads !== undefined ? { threads: flags.threads } : {});
const compileOptions = (flags: Flags) => (flags.threads !== undefined ? { compile: threadsOption(flags) } : {});

const SUITE_RUNNERS = {
  engine: (flags: Flags) => benchEngine({ batch: flags.batch ?? 256, copies: flags.copies, seconds: flags.seconds, ...compileOptions(flags) }),
  estimators: (flags: Flags) => benchEstimators({ model: flags.model ?? 'mlp:784-256-256-10', batch: flags.batch ?? 256, directions: flags.copies, seconds: flags.seconds, ...threadsOption(flags) }),
  memory: (flags: Flags) => benchMemory({ dataset: flags.dataset, ...(flags.model !== undefined && { models: [flags.model] }), ...widths(flags), steps: flags.steps, batch: flags.batch ?? 64 }),
  import: (flags: Flags) => benchImport({ file: flags.file, batch: flags.batch ?? 256, seconds: flags.seconds, ...threadsOption(flags) }),
  targets: (flags: Flags) => benchTargets({ batch: flags.batch ?? 64, seconds: flags.seconds, ...widths(flags), memory: flags.memory === true, ...threadsOption(flags) }),
  kernels: (flags: Flags) => benchKernels({ batch: flags.batch ?? 64, seconds: flags.seconds, ...threadsOption(flags) }),
  landscape: (flags: Flags) => benchLandscape({ examples: flags.examples, points: flags.points, copies: flags.copies, batch: flags.batch ?? 256, seconds: flags.seconds, ...compileOptions(flags) }),
  mgd: (flags: Flags) => benchMgd({ batch: flags.batch ?? 1000, seconds: flags.seconds, ...threadsOption(flags) }),
  scale: (flags: Flags) => {
    const nats = natsOptions(flags, 'forwardprop bench scale');
    return benchScale({ batch: flags.batch ?? 256, directions: flags.copies, points: flags.points, workers: flags.workers, seconds: flags.seconds, rounds: flags.rounds, ...(nats && { nats }) });
  },
} as const;

/** --widths 256,1024 as numbers (a UsageError for anything else). */
function widths(flags: Flags): { widths?: number[] } {
  if (flags.widths === undefined) return {};
  const list = flags.widths.split(',').map(Number);
  if (list.some((w) => !Number.isSafeInteger(w) || w < 1)) throw new UsageError(`--widths takes positive integers separated by commas, e.g. 256,1024; got '${flags.widths}'`);
  return { widths: list };
}

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
    const rows = r.steps.map((s) => `  ${`${s.method} ${JSON.stringify(s.options)}`.padEnd(46)} ${s.stepMs.toFixed(2).padStart(7)} ms  ${s.ratio.toFixed(2)}× the ${s.reference === 'forward' ? 'forward pass' : s.reference === 'per-site step' ? 'per-site step' : `forward of ${r.directions} copies`} (${s.referenceMs.toFixed(2)} ms alongside)`);
    return [`${r.model}, batch ${r.batch}: forward ${r.forwardMs.toFixed(3)} ms, ${r.directions} copies in one call ${r.stackedForwardMs.toFixed(2)} ms`, ...rows].join('\n');
  }
  if (suite === 'landscape') {
    const r = result as Awaited<ReturnType<typeof benchLandscape>>;
    const t = r.throughput;
    const k = (v: number) => `${(v / 1000).toFixed(1)}k`;
    return [
      `${r.model} (${r.parameters.toLocaleString('en-US')} parameters), ${r.examples} examples, ${r.copies} copies per call, ${r.machine.runtime} on ${r.machine.cpu} × ${r.machine.cores}, threads ${r.machine.threads}, Node ${r.machine.node}`,
      `example-forwards/s, alternating blocks: stacked forward (engine benchmark) ${k(t.stacked)}; on the landscape's examples ${k(t.stackedOnExamples)}; landscape program ${k(t.landscape)} (${r.ratio.toFixed(2)}×); ModelLossOracle with dense offsets ${k(t.oracle)} (${r.oracleRatio.toFixed(2)}×)`,
      `a ${r.full.points} × ${r.full.points} landscape: ${r.full.seconds.toFixed(1)} s, ${k(r.full.throughput)} example-forwards/s, ${r.full.ratio.toFixed(2)}× the stacked forward measured around it`,
    ].join('\n');
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
  if (suite === 'mgd') {
    const r = result as Awaited<ReturnType<typeof benchMgd>>;
    return [
      `${r.model} (${r.parameters.toLocaleString('en-US')} parameters), batch ${r.batch}, ${r.machine.runtime} on ${r.machine.cpu} × ${r.machine.cores}, threads ${r.machine.threads}, Node ${r.machine.node}`,
      `mgd step (cdma, baseline and perturbed cost): ${r.stepMs.toFixed(2)} ms, forward pass ${r.forwardMs.toFixed(2)} ms: ${r.ratio.toFixed(2)}× (target ≤ ${r.target}×: ${r.ratio <= r.target ? 'met' : 'not met'})`,
    ].join('\n');
  }
  if (suite === 'scale') {
    const r = result as Awaited<ReturnType<typeof benchScale>>;
    const { machine, nats } = r;
    const k = (v: number) => `${(v / 1000).toFixed(1)}k`;
    const rows = r.rows.map((t) => `| ${t.measure} | ${t.atLeast ? `${k(t.rate)} / ${k(t.reference)} queries/s` : ''} | ${t.atLeast ? `${t.ratio.toFixed(2)}×` : `${(100 * t.ratio).toFixed(1)}%`} | ${t.atLeast ? '≥' : '≤'} ${t.atLeast ? `${t.target}×` : `${100 * t.target}%`} | ${t.met ? 'met' : 'not met'} |`);
    return [
      `${r.model} (${r.parameters.toLocaleString('en-US')} parameters), MNIST batch ${r.batch}, spsa K = ${r.directions} (central), ${machine.runtime} on ${machine.cpu} × ${machine.cores}, Node ${machine.node}, load average ${machine.load.map((l) => l.toFixed(1)).join(' ')}`,
      '| measure | throughput | ratio | target | |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      `a worker's replay of one step's update (K = ${r.directions}, SGD) on its replica of θ: ${r.replayMs.toFixed(2)} ms`,
      ...(nats ? [`NATS: a step is ${nats.tasks} tasks of ${(nats.taskBytes / nats.tasks).toFixed(0)} bytes out and ${nats.tasks} replies of ${(nats.replyBytes / nats.tasks).toFixed(0)} bytes back (${nats.taskBytes + nats.replyBytes} bytes); step ${nats.stepMs.toFixed(1)} ms with one NATS worker, ${nats.threadMs.toFixed(1)} ms on one worker thread, ${nats.mainThreadMs.toFixed(1)} ms on the main thread; loopback round trip of a 16-byte request ${(1000 * nats.roundTripMs).toFixed(0)} µs (median)`] : ['NATS rows: give --nats <url> (a running nats-server) to measure them']),
    ].join('\n');
  }
  if (suite === 'kernels') {
    const r = result as Awaited<ReturnType<typeof benchKernels>>;
    return [
      `${r.model} (${r.parameters.toLocaleString('en-US')} parameters), forward pass with the loss at batch ${r.batch}: ${r.forwardMs.toFixed(3)} ms (${((r.forwardMs * 1e6) / r.parameters).toFixed(3)} ns per parameter); kernel ${r.backend}; ${r.machine.cpu} × ${r.machine.cores}, Node ${r.machine.node}, load average ${r.machine.load.map((l) => l.toFixed(1)).join(' ')}`,
      '| one pass over θ | ns per element | ÷ forward pass |',
      '| --- | --- | --- |',
      ...r.rows.map((k) => `| ${k.kernel} | ${k.nsPerElement.toFixed(3)} | ${k.perForward.toFixed(2)}× |`),
    ].join('\n');
  }
  if (suite === 'targets') {
    const r = result as Awaited<ReturnType<typeof benchTargets>>;
    const { machine } = r;
    const rows = r.rows.map((t) => `| ${t.measure} | ${t.ratio.toFixed(2)}× | ${t.cpuRatio === undefined ? '' : `${t.cpuRatio.toFixed(2)}×`} | ${t.atLeast ? '≥' : '≤'} ${t.target} | ${t.met ? 'met' : 'not met'} | ${t.detail} |`);
    return [
      `MLP 784-W-W-10, batch ${r.batch}, ${machine.cpu} × ${machine.cores}, Node ${machine.node}, load average ${machine.load.map((l) => l.toFixed(1)).join(' ')}, threads ${machine.threads ?? 'onnxruntime\'s'}`,
      '| measure | wall-time ratio | CPU-time ratio | target | | detail |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  }
  const r = result as Awaited<ReturnType<typeof benchMemory>>;
  const lines = r.models.flatMap((m) => [
    `${m.model} (${m.parameters.toLocaleString('en-US')} parameters) on ${r.dataset}: eval alone ${m.evalPeakMb.toFixed(0)} MB peak RSS`,
    ...m.train.map((t) => `  train ${t.method.padEnd(56)} ${t.peakMb.toFixed(0).padStart(6)} MB  ${t.ratio.toFixed(2)}× eval`),
  ]);
  return [`${r.steps} training steps at batch ${r.batch} per run, each in its own process`, ...lines].join('\n');
}
