import { avgPool2d } from '../../../src/engine/ops/avg-pool2d.js';
import { concat } from '../../../src/engine/ops/concat.js';
import { conv2d } from '../../../src/engine/ops/conv2d.js';
import { conv2dFilterGrad } from '../../../src/engine/ops/conv2d-filter-grad.js';
import { conv2dInputGrad } from '../../../src/engine/ops/conv2d-input-grad.js';
import { gather } from '../../../src/engine/ops/gather.js';
import { maxPool2d } from '../../../src/engine/ops/max-pool2d.js';
import { maxPool2dScatter } from '../../../src/engine/ops/max-pool2d-scatter.js';
import { maxPool2dSelect } from '../../../src/engine/ops/max-pool2d-select.js';
import { pad } from '../../../src/engine/ops/pad.js';
import { scatterAdd } from '../../../src/engine/ops/scatter-add.js';
import { slice } from '../../../src/engine/ops/slice.js';
import { poolParams } from '../../../src/engine/ops/window-2d.js';
import type { OpCase } from './case.js';

const overlapping = poolParams({ kernel: 3, stride: 2, padding: 1 });

/** Rows for indexing, concatenation, convolution and pooling. */
export const spatialCases: OpCase[] = [
  { op: 'concat', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }, { shape: [2, 2] }], build: (a, b, c) => concat([a, b!, c!], 1) },
  { op: 'concat', label: 'symbolic', inputs: [{ shape: [3, 2], symbolic: true }, { shape: [3, 4], symbolic: true }], build: (a, b) => concat([a, b!], -1) },
  { op: 'slice', inputs: [{ shape: [4, 5, 6] }], build: (x) => slice(x, { starts: [1, -4], ends: [3, 100], axes: [0, 2] }) },
  { op: 'slice', label: 'symbolic', inputs: [{ shape: [3, 6], symbolic: true }], build: (x) => slice(x, { starts: [1], ends: [5], axes: [1] }) },
  { op: 'pad', inputs: [{ shape: [2, 3] }], build: (x) => pad(x, { before: [1, 0], after: [2, 3] }) },
  { op: 'pad', label: 'symbolic', inputs: [{ shape: [3, 4], symbolic: true }], build: (x) => pad(x, { before: [0, 2], after: [0, 1] }) },
  { op: 'gather', inputs: [{ shape: [5, 3] }, { shape: [4], fill: { ints: 5 } }], build: (x, i) => gather(x, i!, 0) },
  { op: 'gather', label: 'index matrix', inputs: [{ shape: [2, 4, 3] }, { shape: [2, 3], fill: { ints: 4 } }], build: (x, i) => gather(x, i!, 1) },
  { op: 'gather', label: 'scalar index', inputs: [{ shape: [4, 3] }, { shape: [], fill: { ints: 4 } }], build: (x, i) => gather(x, i!) },
  { op: 'gather', label: 'symbolic', inputs: [{ shape: [3, 4], symbolic: true }, { shape: [5], fill: { ints: 4 } }], build: (x, i) => gather(x, i!, -1) },
  { op: 'scatterAdd', inputs: [{ shape: [2, 6, 3] }, { shape: [6], fill: { ints: 4 } }], build: (u, i) => scatterAdd(u, i!, 1, 4) },
  { op: 'scatterAdd', label: 'symbolic', inputs: [{ shape: [3, 2, 2], symbolic: true }, { shape: [2, 2], fill: { ints: 3 } }], build: (u, i) => scatterAdd(u, i!, 1, 3) },

  { op: 'conv2d', inputs: [{ shape: [2, 3, 6, 6] }, { shape: [4, 3, 3, 3] }], build: (x, w) => conv2d(x, w!) },
  { op: 'conv2d', label: 'stride 2, padding 1', inputs: [{ shape: [2, 2, 6, 7] }, { shape: [3, 2, 3, 3] }], build: (x, w) => conv2d(x, w!, { stride: 2, padding: 1 }) },
  { op: 'conv2d', label: 'groups, dilation', inputs: [{ shape: [2, 4, 7, 7] }, { shape: [6, 2, 3, 3] }], build: (x, w) => conv2d(x, w!, { groups: 2, dilation: 2, padding: [1, 2] }) },
  { op: 'conv2d', label: 'symbolic batch', inputs: [{ shape: [2, 3, 5, 5], symbolic: true }, { shape: [4, 3, 2, 2] }], build: (x, w) => conv2d(x, w!, { padding: 1 }) },
  { op: 'conv2d', label: 'leading dims on x', inputs: [{ shape: [3, 2, 2, 5, 5] }, { shape: [4, 2, 3, 3] }], build: (x, w) => conv2d(x, w!) },
  { op: 'conv2d', label: 'K weight copies', inputs: [{ shape: [2, 2, 5, 5] }, { shape: [3, 4, 2, 3, 3] }], build: (x, w) => conv2d(x, w!, { padding: 1 }) },
  { op: 'conv2d', label: 'K copies of x and w, groups, stride', inputs: [{ shape: [3, 2, 4, 5, 5] }, { shape: [3, 4, 2, 3, 3] }], build: (x, w) => conv2d(x, w!, { groups: 2, stride: 2 }) },
  { op: 'conv2d', label: 'broadcast leading dims', inputs: [{ shape: [2, 1, 2, 2, 5, 5] }, { shape: [3, 4, 2, 3, 3] }], build: (x, w) => conv2d(x, w!) },
  { op: 'conv2d', label: 'K copies, symbolic batch', inputs: [{ shape: [2, 3, 5, 5], symbolic: true }, { shape: [2, 4, 3, 3, 3] }], build: (x, w) => conv2d(x, w!, { stride: [2, 1] }) },
  { op: 'conv2d', label: '1x1 kernel, stride 3', inputs: [{ shape: [2, 3, 5, 5] }, { shape: [2, 3, 1, 1] }], build: (x, w) => conv2d(x, w!, { stride: 3 }) },
  { op: 'conv2d', label: 'window wider than the image', inputs: [{ shape: [1, 2, 2, 2] }, { shape: [2, 2, 3, 3] }], build: (x, w) => conv2d(x, w!, { stride: 2, padding: 1 }) },
  { op: 'conv2d', label: 'per-axis stride, dilation, padding, K copies', inputs: [{ shape: [2, 2, 7, 8] }, { shape: [2, 4, 2, 2, 3] }], build: (x, w) => conv2d(x, w!, { stride: [2, 1], dilation: [1, 2], padding: [0, 2] }) },
  { op: 'conv2d', label: 'depthwise, K copies', inputs: [{ shape: [2, 2, 4, 5, 5] }, { shape: [2, 4, 1, 3, 3] }], build: (x, w) => conv2d(x, w!, { groups: 4, stride: 2, padding: 1 }) },
  {
    op: 'conv2dInputGrad',
    label: 'stride 2, output padding',
    inputs: [{ shape: [2, 4, 3, 3] }, { shape: [4, 2, 3, 3] }],
    build: (c, w) => conv2dInputGrad(c, w!, { stride: 2, padding: 1, inputSize: [6, 5] }),
  },
  {
    op: 'conv2dInputGrad',
    label: 'K copies, groups, dilation',
    inputs: [{ shape: [2, 2, 4, 3, 3] }, { shape: [2, 4, 1, 2, 2] }],
    build: (c, w) => conv2dInputGrad(c, w!, { groups: 2, dilation: 2, inputSize: 5 }),
  },
  {
    op: 'conv2dInputGrad',
    label: 'symbolic batch',
    inputs: [{ shape: [2, 3, 4, 4], symbolic: true }, { shape: [3, 2, 3, 3] }],
    build: (c, w) => conv2dInputGrad(c, w!, { padding: 1, inputSize: 4 }),
  },
  {
    op: 'conv2dFilterGrad',
    label: 'stride 2, padding 1',
    inputs: [{ shape: [2, 3, 6, 5] }, { shape: [2, 4, 3, 3] }],
    build: (x, c) => conv2dFilterGrad(x, c!, { stride: 2, padding: 1, kernel: 3 }),
  },
  {
    op: 'conv2dFilterGrad',
    label: 'groups, dilation',
    inputs: [{ shape: [2, 4, 7, 7] }, { shape: [2, 6, 3, 3] }],
    build: (x, c) => conv2dFilterGrad(x, c!, { groups: 2, dilation: 2, kernel: 3 }),
  },
  {
    op: 'conv2dFilterGrad',
    label: 'K copies, groups',
    inputs: [{ shape: [2, 4, 5, 5] }, { shape: [3, 2, 2, 3, 3] }],
    build: (x, c) => conv2dFilterGrad(x, c!, { groups: 2, kernel: 3 }),
  },
  {
    op: 'conv2dFilterGrad',
    label: 'symbolic batch',
    inputs: [{ shape: [2, 2, 5, 5], symbolic: true }, { shape: [2, 3, 5, 5], symbolic: true }],
    build: (x, c) => conv2dFilterGrad(x, c!, { padding: 1, kernel: 3 }),
  },

  { op: 'maxPool2d', inputs: [{ shape: [2, 3, 6, 6] }], build: (x) => maxPool2d(x, { kernel: 2 }) },
  { op: 'maxPool2d', label: 'overlapping, padding', inputs: [{ shape: [2, 2, 7, 6] }], build: (x) => maxPool2d(x, overlapping) },
  { op: 'maxPool2d', label: 'leading dims, symbolic', inputs: [{ shape: [2, 3, 2, 5, 5], symbolic: true }], build: (x) => maxPool2d(x, { kernel: [3, 2], stride: 1 }) },
  { op: 'maxPool2dSelect', inputs: [{ shape: [2, 2, 5, 5] }, { shape: [2, 2, 5, 5] }], build: (x, t) => maxPool2dSelect(x, t!, overlapping) },
  { op: 'maxPool2dSelect', label: 'leading dims', inputs: [{ shape: [3, 2, 2, 4, 4] }, { shape: [3, 2, 2, 4, 4] }], build: (x, t) => maxPool2dSelect(x, t!, poolParams({ kernel: 2 })) },
  { op: 'maxPool2dScatter', inputs: [{ shape: [2, 2, 5, 5] }, { shape: [2, 2, 3, 3] }], build: (x, c) => maxPool2dScatter(x, c!, overlapping) },
  { op: 'maxPool2dScatter', label: 'leading dims', inputs: [{ shape: [3, 2, 2, 4, 4] }, { shape: [3, 2, 2, 2, 2] }], build: (x, c) => maxPool2dScatter(x, c!, poolParams({ kernel: 2 })) },
  { op: 'avgPool2d', inputs: [{ shape: [2, 3, 6, 6] }], build: (x) => avgPool2d(x, { kernel: 2 }) },
  { op: 'avgPool2d', label: 'overlapping, padding, leading dims, symbolic', inputs: [{ shape: [3, 2, 2, 7, 6], symbolic: true }], build: (x) => avgPool2d(x, overlapping) },
];
