import { abs } from '../../../src/engine/ops/abs.js';
import { add } from '../../../src/engine/ops/add.js';
import { broadcastTo } from '../../../src/engine/ops/broadcast-to.js';
import { erf } from '../../../src/engine/ops/erf.js';
import { gelu } from '../../../src/engine/ops/gelu.js';
import { layerNorm } from '../../../src/engine/ops/layer-norm.js';
import { logSoftmax } from '../../../src/engine/ops/log-softmax.js';
import { max } from '../../../src/engine/ops/max.js';
import { mean } from '../../../src/engine/ops/mean.js';
import { mul } from '../../../src/engine/ops/mul.js';
import { oneHot } from '../../../src/engine/ops/one-hot.js';
import { pow } from '../../../src/engine/ops/pow.js';
import { relu } from '../../../src/engine/ops/relu.js';
import { sigmoid } from '../../../src/engine/ops/sigmoid.js';
import { softmaxCrossEntropy } from '../../../src/engine/ops/softmax-cross-entropy.js';
import { softmax } from '../../../src/engine/ops/softmax.js';
import { sqrt } from '../../../src/engine/ops/sqrt.js';
import { tanh } from '../../../src/engine/ops/tanh.js';
import { where } from '../../../src/engine/ops/where.js';
import type { OpCase } from './case.js';

/** Rows for elementwise math, normalisation, softmax family, reductions and losses. */
export const elementwiseCases: OpCase[] = [
  { op: 'sqrt', inputs: [{ shape: [2, 3], fill: 'positive' }], build: sqrt },
  { op: 'pow', inputs: [{ shape: [3, 4], fill: 'positive', symbolic: true }, { shape: [4] }], build: (x, y) => pow(x, y!) },
  // A constant exponent leaves negative bases fine: no log(x) term is built.
  { op: 'pow', label: 'constant exponent', inputs: [{ shape: [2, 3] }], build: (x) => pow(x, 3) },
  // relu makes exact zeros, where log(x) would turn the exponent's derivative into NaN.
  { op: 'pow', label: 'zero base', inputs: [{ shape: [3, 4] }, { shape: [4], fill: 'positive' }], build: (x, y) => pow(relu(x), add(y!, 1)) },
  { op: 'tanh', inputs: [{ shape: [2, 3] }], build: tanh },
  { op: 'sigmoid', inputs: [{ shape: [3, 4], symbolic: true }], build: sigmoid },
  { op: 'erf', inputs: [{ shape: [3, 4] }], build: erf },
  { op: 'gelu', inputs: [{ shape: [3, 4], symbolic: true }], build: gelu },
  { op: 'abs', inputs: [{ shape: [5] }], build: abs },
  { op: 'softmax', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => softmax(x) },
  { op: 'softmax', label: 'axis 1', inputs: [{ shape: [2, 3, 4] }], build: (x) => softmax(x, 1) },
  { op: 'logSoftmax', inputs: [{ shape: [3, 5], symbolic: true }], build: (x) => logSoftmax(x) },
  { op: 'logSoftmax', label: 'axis 0', inputs: [{ shape: [3, 2, 2] }], build: (x) => logSoftmax(x, 0) },
  { op: 'mean', inputs: [{ shape: [2, 3, 4] }], build: (x) => mean(x, [0, 2]) },
  { op: 'mean', label: 'keepdims', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => mean(x, -1, true) },
  { op: 'mean', label: 'over a symbolic axis', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => mean(x, 0) },
  { op: 'mean', label: 'all', inputs: [{ shape: [2, 3] }], build: (x) => mean(x) },
  { op: 'max', inputs: [{ shape: [2, 3, 4] }], build: (x) => max(x, -1) },
  { op: 'max', label: 'keepdims', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => max(x, [1], true) },
  { op: 'max', label: 'all', inputs: [{ shape: [2, 3] }], build: (x) => max(x) },
  // Four tied copies share the derivative: without the split it would come out 4×.
  { op: 'max', label: 'ties', inputs: [{ shape: [3, 1] }], build: (x) => max(broadcastTo(x, [3, 4]), 1) },
  { op: 'where', inputs: [{ shape: [3, 4], fill: 'bool' }, { shape: [3, 4] }, { shape: [4] }], build: (c, a, b) => where(c, a!, b!) },
  { op: 'where', label: 'scalar branch', inputs: [{ shape: [2, 3], fill: 'bool', symbolic: true }, { shape: [2, 3], symbolic: true }], build: (c, a) => where(c, 0, a!) },
  {
    op: 'oneHot',
    inputs: [{ shape: [3], fill: { ints: 4 }, symbolic: true }, { shape: [3, 4], symbolic: true }],
    build: (labels, x) => mul(x!, oneHot(labels, 4, x!.dtype)),
  },
  { op: 'layerNorm', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => layerNorm(x) },
  {
    op: 'layerNorm',
    label: 'affine over two axes',
    inputs: [{ shape: [2, 3, 4] }, { shape: [3, 4] }, { shape: [3, 4] }],
    build: (x, scale, bias) => layerNorm(x, scale, bias, { axis: 1 }),
  },
  { op: 'layerNorm', label: 'scale only', inputs: [{ shape: [3, 4], symbolic: true }, { shape: [4] }], build: (x, scale) => layerNorm(x, scale) },
  {
    op: 'softmaxCrossEntropy',
    inputs: [{ shape: [3, 5], symbolic: true }, { shape: [3], fill: { ints: 5 }, symbolic: true }],
    build: (logits, labels) => softmaxCrossEntropy(logits, labels!),
  },
];
