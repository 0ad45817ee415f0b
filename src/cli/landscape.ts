import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTOUR_SVG, LANDSCAPE_JSON, LANDSCAPE_PNG, type RunLandscapeOptions, landscapeOfRun } from '../experiments/landscape.js';
import { RESULT_FILE } from '../report/result.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';
import { MAX_THREADS } from '../engine/runtime/backend.js';

export const landscapeCommand = {
  name: 'landscape',
  positionals: '<run directory | checkpoint file>',
  summary: `Maps the loss landscape around a trained run with forward passes only: a 2-D surface over two filter-normalised directions (51 × 51 on [−1, 1] by default), a 1-D profile, or the line to another run; with the curvature at the centre (second differences, Hessian λ_max and λ_min).
Writes <out>/${LANDSCAPE_JSON}, ${RESULT_FILE} (for forwardprop report), ${CONTOUR_SVG}, heatmap.svg and ${LANDSCAPE_PNG}.`,
  flags: {
    to: { type: 'string', help: 'a 1-D profile along the line to this run directory or checkpoint (same model) instead of random directions' },
    dims: { type: 'string', default: '2', choices: ['1', '2'], help: 'filter-normalised directions: 1 (a profile) or 2 (a surface)' },
    points: { type: 'integer', min: 3, help: 'grid points per axis (default 51; 41 with --to, so that both runs are grid points)' },
    range: { type: 'string', help: 'coordinates per axis as lo,hi (default -1,1; -0.5,1.5 with --to)' },
    examples: { type: 'integer', default: 1000, min: 1, help: "the run's first training examples the loss is taken on" },
    subnet: { type: 'integer', min: 0, help: 'the landscape of sub-net k of a run with --subnets (θ ⊙ its mask, directions on its weights)' },
    seed: { type: 'integer', default: 0, min: 0, help: 'seed of the random directions and of the power iteration' },
    'copies-per-call': { type: 'integer', default: 16, min: 1, help: 'grid points per engine call (each holds its own activations)' },
    'hessian-iterations': { type: 'integer', default: 100, min: 0, help: 'most power-iteration products per Hessian eigenvalue (0: skip)' },
    out: { type: 'string', help: 'output directory (default: <run directory>/landscape)' },
    threads: { type: 'integer', min: 1, max: MAX_THREADS, help: 'onnxruntime intra-op threads (default: 1 with --workers, for the workers and the Hessian alike; else FORWARDPROP_THREADS or one per core); results depend on it' },
    workers: { type: 'integer', min: 1, help: 'evaluate the grid on this many worker threads, each with its own onnxruntime session (the same values as one process with --threads 1)' },
    device: { type: 'string', default: 'cpu', help: 'execution device' },
    json: { type: 'boolean', help: 'print the result as one JSON object' },
  },
} as const satisfies Command;

/** 'lo,hi' with lo < hi. */
export function parseRange(text: string, flag: string): readonly [number, number] {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 2 || !parts.every(Number.isFinite) || !(parts[0]! < parts[1]!)) throw new UsageError(`${flag} takes lo,hi with lo < hi, e.g. -1,1; got '${text}'`);
  return [parts[0]!, parts[1]!];
}

export async function runLandscape(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(landscapeCommand, argv);
  if (flags.help) {
    console.log(usage(landscapeCommand));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('landscape takes exactly one run directory or checkpoint file');
  const run = positionals[0]!;
  const isDir = await stat(run).then((s) => s.isDirectory(), () => false);
  if (flags.out === undefined && !isDir) throw new UsageError('--out is needed when the run is given as a checkpoint file');
  const options: RunLandscapeOptions = {
    out: flags.out ?? join(run, 'landscape'),
    ...(flags.to !== undefined && { to: flags.to }),
    dims: flags.dims === '1' ? 1 : 2,
    ...(flags.points !== undefined && { points: flags.points }),
    ...(flags.range !== undefined && { range: parseRange(flags.range, '--range') }),
    examples: flags.examples,
    ...(flags.subnet !== undefined && { subnet: flags.subnet }),
    seed: flags.seed,
    copiesPerCall: flags['copies-per-call'],
    ...(flags.workers !== undefined && { workers: flags.workers }),
    hessianIterations: flags['hessian-iterations'],
    compile: { device: flags.device, ...(flags.threads !== undefined && { threads: flags.threads }) },
  };
  const result = await landscapeOfRun(run, options).catch((e: unknown) => {
    if (e instanceof RangeError && flags.subnet !== undefined && /sub-net|dense run/.test(e.message)) throw new UsageError(`--subnet: ${e.message}`);
    throw e;
  });
  if (flags.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const l = result.landscape;
  const c = l.curvature;
  console.log(`${result.kind} landscape of ${result.method} ${result.model}${result.subnet === undefined ? '' : ` sub-net ${result.subnet}`}: ${l.xs.length}${l.ys.length > 1 ? ` × ${l.ys.length}` : ''} points on ${result.examples} examples in ${l.seconds.toFixed(1)} s (${((l.evaluated * result.examples) / l.seconds).toFixed(0)} example-forwards/s)`);
  console.log(`loss at the centre ${l.centre.toFixed(4)}, range ${Math.min(...l.values.flat()).toFixed(4)} to ${Math.max(...l.values.flat()).toFixed(4)}`);
  if (c) console.log(`second differences at the centre: ∂²L/∂α² ${c.xx.toFixed(4)}${c.yy === undefined ? '' : `, ∂²L/∂β² ${c.yy.toFixed(4)}, ∂²L/∂α∂β ${c.xy!.toFixed(4)}`}`);
  const h = result.hessian;
  if (h) console.log(`Hessian: λ_max ${h.max.toFixed(4)} (± ${h.maxResidual.toExponential(1)}), λ_min ${h.min.toFixed(4)} (± ${h.minResidual.toExponential(1)}), |λ_min/λ_max| ${h.ratio.toFixed(4)}${h.converged ? '' : ' (not converged: the residuals bound the error; raise --hessian-iterations)'}`);
  console.log(`written: ${join(options.out, LANDSCAPE_JSON)}, ${RESULT_FILE}, ${CONTOUR_SVG}, ${LANDSCAPE_PNG} (a page: forwardprop report ${options.out})`);
  return 0;
}
