import { writeFileAtomic } from '../io/atomic-write.js';
import type { TrainConfig } from '../train/config.js';
import { importRunModel, runModelAndData } from '../train/run-model.js';
import { loadRunCheckpoint } from '../train/trainer.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const exportCommand = {
  name: 'export',
  positionals: '<run directory | checkpoint file>',
  summary: `Writes a trained model as one ONNX file that any ONNX runtime runs (batch size dynamic).
An imported model keeps its original file (nodes, names, opset) with the trained weights written in and LoRA adapters merged (W + (α/r)·B·A); a black box's file also carries its input prompt; prompt tokens and models built by forwardprop are lowered by forwardprop.`,
  flags: {
    out: { type: 'string', help: 'the .onnx file to write (required)' },
    json: { type: 'boolean', help: 'print one JSON object' },
  },
} as const satisfies Command;

export async function runExport(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(exportCommand, argv);
  if (flags.help) {
    console.log(usage(exportCommand));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('export takes exactly one run directory or checkpoint file');
  if (flags.out === undefined) throw new UsageError('export needs --out, the .onnx file to write');
  const checkpoint = await loadRunCheckpoint(positionals[0]!);
  const config = checkpoint.config as unknown as TrainConfig;
  // An imported model needs only its file; a model built by nn takes its shapes from the run's data.
  const model = (await importRunModel(config)) ?? (await runModelAndData(config)).model;
  let bytes: Uint8Array;
  try {
    model.check(checkpoint.params, `parameters in ${checkpoint.file}`);
    bytes = model.file(checkpoint.params);
  } finally {
    await model.dispose();
  }
  await writeFileAtomic(flags.out, bytes);
  const what = [config.lora && 'LoRA merged', config.prompt && 'with its prompt', config.blackBox && 'black box'].filter(Boolean).join(', ');
  const result = { out: flags.out, bytes: bytes.length, model: config.model, step: checkpoint.progress.step, parameters: checkpoint.params.length };
  console.log(flags.json ? JSON.stringify(result) : `wrote ${flags.out} (${bytes.length.toLocaleString('en-US')} bytes): ${config.model}${what ? ` (${what})` : ''} after step ${result.step} of ${checkpoint.file}`);
  return 0;
}
