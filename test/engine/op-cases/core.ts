import * as o from '../../../src/engine/ops/index.js';
import type { OpCase } from './case.js';

/** Rows for arithmetic, matmul and shape ops. */
export const coreCases: OpCase[] = [
  { op: 'add', inputs: [{ shape: [3, 4], symbolic: true }, { shape: [4] }], build: o.add },
  { op: 'add', label: 'scalar', inputs: [{ shape: [2, 3] }], build: (x) => o.add(x, 1.5) },
  { op: 'sub', inputs: [{ shape: [3, 1] }, { shape: [2, 1, 4] }], build: o.sub },
  { op: 'mul', inputs: [{ shape: [3, 4], symbolic: true }, { shape: [3, 4], symbolic: true }], build: o.mul },
  { op: 'mul', label: 'broadcast', inputs: [{ shape: [2, 3, 4] }, { shape: [3, 1] }], build: o.mul },
  { op: 'div', inputs: [{ shape: [3, 4] }, { shape: [4], fill: 'positive' }], build: o.div },
  { op: 'neg', inputs: [{ shape: [5] }], build: o.neg },
  { op: 'exp', inputs: [{ shape: [2, 3] }], build: o.exp },
  { op: 'log', inputs: [{ shape: [2, 3], fill: 'positive' }], build: o.log },
  { op: 'relu', inputs: [{ shape: [4, 5] }], build: o.relu },
  { op: 'matmul', inputs: [{ shape: [3, 4], symbolic: true }, { shape: [4, 2] }], build: o.matmul },
  { op: 'matmul', label: 'shared matrix', inputs: [{ shape: [2, 3, 4], symbolic: true }, { shape: [4, 2] }], build: o.matmul },
  { op: 'matmul', label: 'shared matrix with unit batch', inputs: [{ shape: [2, 3, 4] }, { shape: [1, 4, 2] }], build: o.matmul },
  { op: 'matmul', label: 'batched broadcast', inputs: [{ shape: [2, 3, 4] }, { shape: [5, 1, 4, 2] }], build: o.matmul },
  { op: 'sum', inputs: [{ shape: [2, 3, 4] }], build: (x) => o.sum(x, [0, 2]) },
  { op: 'sum', label: 'keepdims', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => o.sum(x, -1, true) },
  { op: 'reshape', inputs: [{ shape: [2, 3, 4] }], build: (x) => o.reshape(x, [6, -1]) },
  { op: 'reshape', label: 'symbolic', inputs: [{ shape: [3, 2, 2], symbolic: true }], build: (x) => o.reshape(x, ['n', 4]) },
  { op: 'reshape', label: 'symbolic product', inputs: [{ shape: [3, 2, 3], symbolic: true }], build: (x) => o.reshape(o.mul(o.reshape(x, [-1, 3]), 2), ['n', 2, 3]) },
  { op: 'broadcastTo', label: 'to a symbolic product', inputs: [{ shape: [3, 2, 3], symbolic: true }], build: (x) => o.reshape(o.mul(o.reshape(x, [-1, 3]), o.broadcastTo(o.reshape(o.sum(x), [1, 1]), ['n*2', 3])), ['n', 2, 3]) },
  { op: 'broadcastTo', inputs: [{ shape: [3, 1] }], build: (x) => o.broadcastTo(x, [2, 3, 4]) },
  { op: 'transpose', inputs: [{ shape: [2, 3, 4] }], build: (x) => o.transpose(x, [2, 0, 1]) },
  { op: 'cast', rounds: true, inputs: [{ shape: [3] }], build: (x) => o.cast(o.cast(x, x.dtype === 'float32' ? 'float64' : 'float32'), x.dtype) },
  { op: 'cast', label: 'to int', inputs: [{ shape: [3, 2] }], build: (x) => o.mul(x, o.cast(o.cast(o.mul(x, 3), 'int64'), x.dtype)) },
  { op: 'greater', inputs: [{ shape: [3, 2] }, { shape: [2] }], build: (x, y) => o.mul(x, o.cast(o.greater(x, y!), x.dtype)) },
  { op: 'less', inputs: [{ shape: [3, 2] }], build: (x) => o.mul(x, o.cast(o.less(x, 0.2), x.dtype)) },
  { op: 'equal', inputs: [{ shape: [4], fill: { ints: 3 } }, { shape: [4] }], build: (l, x) => o.mul(x!, o.cast(o.equal(l, 1), x!.dtype)) },
  { op: 'stopGradient', fd: false, inputs: [{ shape: [3] }, { shape: [3] }], build: (x, y) => o.add(o.mul(x, o.stopGradient(y!)), y!) },
];
