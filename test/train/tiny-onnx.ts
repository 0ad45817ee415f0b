import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { ModelSession } from '../../src/engine/runtime/onnxruntime.js';
import { int, onnxBytes } from '../engine/onnx-graphs.js';
import { normals, testRandom } from '../helpers.js';

/**
 * A small "pretrained" classifier of a third party and a table to fine-tune it on, so
 * that trainer and CLI tests run in a second: 4 features → Gemm (transB, 8 units) →
 * activation → MatMul → Add → 3 logits, with seeded random weights, and a CSV of 3
 * Gaussian classes. `Relu` is mapped by the importer; `Softplus` is not, so that
 * file trains as a black box only.
 */
export async function tinyProblem(activation: 'Relu' | 'Softplus' = 'Relu'): Promise<{ dir: string; model: string; csv: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-byo-'));
  const random = testRandom(7);
  const weights = {
    w1: { dims: [8, 4], values: normals(32, random).map((v) => v * 0.5) },
    b1: { dims: [8], values: normals(8, random).map((v) => v * 0.1) },
    w2: { dims: [8, 3], values: normals(24, random).map((v) => v * 0.5) },
    b2: { dims: [3], values: new Float64Array(3) },
  };
  const model = join(dir, `tiny-${activation.toLowerCase()}.onnx`);
  await writeFile(
    model,
    onnxBytes({
      opset: 13,
      x: [1, 4],
      weights,
      nodes: [
        ['Gemm', ['x', 'w1', 'b1'], ['h'], { transB: int(1) }],
        [activation, ['h'], ['a']],
        ['MatMul', ['a', 'w2'], ['z']],
        ['Add', ['z', 'b2'], ['y']],
      ],
    }),
  );
  const rows = ['f1,f2,f3,f4,label'];
  const centres = [[2, 0, 0, 1], [0, 2, 0, -1], [0, 0, 2, 0]];
  for (let i = 0; i < 240; i++) {
    const c = i % 3;
    rows.push([...centres[c]!.map((m) => (m + normals(1, random)[0]!).toFixed(4)), c].join(','));
  }
  const csv = join(dir, 'table.csv');
  await writeFile(csv, `${rows.join('\n')}\n`);
  return { dir, model, csv };
}

/** Mean cross-entropy and accuracy of an ONNX file's (first) outputs, run directly by onnxruntime: the independent oracle. */
export async function fileLoss(bytes: Uint8Array, x: HostTensor<'float32'>, labels: ArrayLike<number>): Promise<{ loss: number; accuracy: number }> {
  const session = await ModelSession.create(bytes);
  try {
    const out = (await session.run({ [session.inputNames[0]!]: x }))[session.outputNames[0]!]!;
    const [b, c] = out.shape as [number, number];
    const logits = out.data as Float32Array;
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < b; i++) {
      const row = Array.from(logits.subarray(i * c, (i + 1) * c));
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      loss += logSum - row[labels[i]!]!;
      if (row.indexOf(max) === labels[i]) correct++;
    }
    return { loss: loss / b, accuracy: correct / b };
  } finally {
    await session.dispose();
  }
}

/** A dataset's examples as one batch tensor and its labels. */
export function allExamples(data: { readonly x: Float32Array; readonly y: ArrayLike<number>; readonly size: number; readonly inputShape: readonly number[] }): { x: HostTensor<'float32'>; labels: number[] } {
  return { x: new HostTensor('float32', [data.size, ...data.inputShape], data.x), labels: Array.from(data.y) };
}
