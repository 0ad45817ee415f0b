import type { DType } from '../../src/engine/ir/dtype.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { type Tensor, input } from '../../src/engine/ir/tensor.js';
import { add, avgPool2d, conv2d, gelu, layerNorm, matmul, maxPool2d, relu, reshape } from '../../src/engine/ops/index.js';
import { modelFromSpec } from '../../src/nn/factories.js';
import { normals, testRandom } from '../helpers.js';

/** A small test model: its input, its parameters (graph inputs) with random values, and its output. */
export interface TestModel {
  readonly x: Tensor;
  readonly params: Tensor[];
  /** Input names of `params`, in order. */
  readonly names: string[];
  readonly out: Tensor;
  readonly values: Record<string, HostTensor>;
}

/** Collects parameters with random values as a model is built. */
class Params {
  readonly tensors: Tensor[] = [];
  readonly values: Record<string, HostTensor> = {};
  private readonly random: () => number;

  constructor(seed: number, readonly dtype: DType) {
    this.random = testRandom(seed);
  }

  add(name: string, shape: number[], scale: number): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = HostTensor.zeros(this.dtype, shape);
    (t.data as Float64Array).set(normals(size, this.random).map((v) => v * scale));
    this.values[name] = t;
    const p = input(name, this.dtype, shape);
    this.tensors.push(p);
    return p;
  }

  model(x: Tensor, out: Tensor): TestModel {
    return { x, params: this.tensors, names: Object.keys(this.values), out, values: this.values };
  }
}

/** A ReLU MLP with a leading perturbation axis `k` on every parameter when given. */
export function mlp(dims: number[], dtype: DType, { seed = 1, k }: { seed?: number; k?: number } = {}): TestModel {
  const p = new Params(seed, dtype);
  const lead = k === undefined ? [] : [k];
  const x = input('x', dtype, ['batch', dims[0]!]);
  let h = x;
  for (let l = 0; l + 1 < dims.length; l++) {
    const w = p.add(`w${l}`, [...lead, dims[l]!, dims[l + 1]!], 1 / Math.sqrt(dims[l]!));
    h = add(matmul(h, w), p.add(`b${l}`, [...lead, 1, dims[l + 1]!], 0.1));
    if (l + 2 < dims.length) h = relu(h);
  }
  return p.model(x, h);
}

/** conv → relu → max-pool → strided conv → relu → avg-pool → linear, on [batch, 2, 8, 8] images. */
export function cnn(dtype: DType, seed = 2): TestModel {
  const p = new Params(seed, dtype);
  const x = input('x', dtype, ['batch', 2, 8, 8]);
  let h = relu(add(conv2d(x, p.add('c1', [4, 2, 3, 3], 0.4), { padding: 1 }), p.add('cb1', [4, 1, 1], 0.1)));
  h = maxPool2d(h, { kernel: 2 });
  h = relu(conv2d(h, p.add('c2', [6, 2, 3, 3], 0.4), { stride: 2, padding: 1, groups: 2 }));
  h = avgPool2d(h, { kernel: 2 });
  const out = add(matmul(reshape(h, ['batch', 6]), p.add('w', [6, 3], 0.4)), p.add('b', [3], 0.1));
  return p.model(x, out);
}

/** A pre-norm residual block: x + W2 gelu(W1 layerNorm(x)), then an affine layerNorm. */
export function layerNormBlock(dtype: DType, seed = 3): TestModel {
  const p = new Params(seed, dtype);
  const x = input('x', dtype, ['batch', 4, 6]);
  const h = gelu(matmul(layerNorm(x), p.add('w1', [6, 8], 0.4)));
  const y = add(x, matmul(h, p.add('w2', [8, 6], 0.4)));
  return p.model(x, layerNorm(y, p.add('scale', [6], 0.5), p.add('bias', [6], 0.1)));
}

/** A two-block LocalMixer on 1×4×4 images (2×2 patches, 8 channels in 2 groups), its readout made non-zero. */
export function localMixer(dtype: DType, seed = 4): TestModel {
  const model = modelFromSpec('localmixer:blocks=2,patches=2,channels=8,groups=2', [1, 4, 4], 3);
  const x = input('x', dtype, ['batch', 1, 4, 4]);
  const random = testRandom(seed);
  const values = Object.fromEntries(model.layout.entries.map((e) => {
    const t = HostTensor.zeros(dtype, e.shape);
    (t.data as Float64Array).set(normals(e.size, random).map((v) => 0.5 * v));
    return [e.name, t];
  }));
  const params = model.layout.entries.map((e) => input(e.name, dtype, e.shape));
  return { x, params, names: Object.keys(values), out: model.forward(x, params).out, values };
}
