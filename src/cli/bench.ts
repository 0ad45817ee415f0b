import { benchEngine } from '../bench/engine.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const benchCommand = {
  name: 'bench',
  positionals: 'engine',
  summary: `Benchmarks (numbers for docs/benchmarks.md; ratios are measured within one run).
  engine   forward passes/s of the 784-256-256-10 MLP at one and K copies per call, and noise throughput`,
  flags: {
    batch: { type: 'integer', default: 256, min: 1, help: 'examples per forward pass' },
    copies: { type: 'integer', default: 16, min: 1, help: 'perturbed copies per call, K' },
    seconds: { type: 'number', default: 3, min: 0.1, help: 'measuring time per measurement' },
    threads: { type: 'integer', min: 1, help: 'onnxruntime intra-op threads (default: one per core)' },
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
  if (suite !== 'engine' || rest.length > 0) throw new UsageError(`bench takes one suite: engine${suite ? `; got '${positionals.join(' ')}'` : ''}`);
  const result = await benchEngine({
    batch: flags.batch,
    copies: flags.copies,
    seconds: flags.seconds,
    ...(flags.threads !== undefined && { compile: { threads: flags.threads } }),
  });
  if (flags.json) {
    console.log(JSON.stringify(result));
    return 0;
  }
  const { noise, machine } = result;
  console.log(`${result.model} (${result.parameters.toLocaleString('en-US')} parameters), batch ${result.batch}, ${machine.runtime} on ${machine.cpu} × ${machine.cores}, threads ${machine.threads}, Node ${machine.node}`);
  console.log(`forward passes/s, 1 copy per call:   ${result.forwardPerSecond.toFixed(0)} (${result.forwardMs.toFixed(3)} ms each)`);
  console.log(`forward passes/s, ${result.copies} copies per call: ${result.stackedForwardPerSecond.toFixed(0)} (×${result.stackedSpeedup.toFixed(2)})`);
  console.log(`noise for ${result.parameters.toLocaleString('en-US')} parameters (${noise.backend}): Gaussian ${noise.gaussianMs.toFixed(3)} ms (${noise.gaussianOverForward.toFixed(2)}× a forward pass), Rademacher ${noise.rademacherMs.toFixed(3)} ms (${noise.rademacherOverForward.toFixed(2)}×)`);
  return 0;
}
