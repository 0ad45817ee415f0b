import { type NodeSpec, float, int, ints, str } from './onnx-graphs.js';

/** One hand-built graph per mapped op: data x (first dim the batch), weights by dims, output 'y'. */
export interface ImportCase {
  /** The op under test (the row counts for it). */
  readonly op: string;
  readonly label?: string;
  readonly opset?: number;
  readonly x: readonly number[];
  readonly weights?: Readonly<Record<string, readonly number[]>>;
  readonly ints?: Readonly<Record<string, readonly number[]>>;
  /** Inputs drawn positive (x or weight names): logs, roots, variances. */
  readonly positive?: readonly string[];
  readonly nodes: readonly NodeSpec[];
}

const ftensor = (dims: readonly number[], values: readonly number[]) => ({ tensor: { dtype: 'float' as const, dims, values } });
const scalarInt = (name: string, v: number): NodeSpec => ['Constant', [], [name], { value_int: int(v) }];

export const IMPORT_CASES: readonly ImportCase[] = [
  { op: 'Identity', x: [3, 4], nodes: [['Identity', ['x'], ['y']]] },
  { op: 'Dropout', x: [3, 4], nodes: [['Dropout', ['x'], ['y']]] },
  { op: 'Constant', x: [3, 4], nodes: [['Constant', [], ['c'], { value: ftensor([4], [1, -2, 0.5, 3]) }], ['Mul', ['x', 'c'], ['y']]] },
  {
    op: 'ConstantOfShape',
    label: 'of a batch-dependent shape',
    x: [3, 4],
    nodes: [
      ['Shape', ['x'], ['s']],
      ['ConstantOfShape', ['s'], ['o'], { value: ftensor([1], [2.5]) }],
      ['Mul', ['x', 'o'], ['y']],
    ],
  },
  {
    op: 'Shape',
    label: 'start/end (opset 15)',
    opset: 15,
    x: [3, 2, 4],
    nodes: [
      ['Shape', ['x'], ['tail'], { start: int(1) }],
      ['Shape', ['x'], ['head'], { end: int(1) }],
      ['Concat', ['head', 'tail'], ['s'], { axis: int(0) }],
      ['Reshape', ['x', 's'], ['y']],
    ],
  },
  {
    op: 'Cast',
    label: 'a folded dim as a float, and float to float',
    x: [3, 4],
    ints: { i1: [1] },
    nodes: [
      ['Shape', ['x'], ['s']],
      ['Gather', ['s', 'i1'], ['d'], { axis: int(0) }],
      ['Cast', ['d'], ['df'], { to: int(1) }],
      ['Cast', ['x'], ['xf'], { to: int(1) }],
      ['Mul', ['xf', 'df'], ['y']],
    ],
  },
  {
    op: 'Range',
    x: [3, 4],
    nodes: [scalarInt('a', 0), scalarInt('b', 8), scalarInt('c', 2), ['Range', ['a', 'b', 'c'], ['r']], ['Cast', ['r'], ['rf'], { to: int(1) }], ['Add', ['x', 'rf'], ['y']]],
  },
  { op: 'Add', x: [3, 4], weights: { w: [4] }, nodes: [['Add', ['x', 'w'], ['y']]] },
  { op: 'Sub', x: [3, 4], weights: { w: [1, 4] }, nodes: [['Sub', ['w', 'x'], ['y']]] },
  { op: 'Mul', x: [3, 2, 4], weights: { w: [2, 1] }, nodes: [['Mul', ['x', 'w'], ['y']]] },
  { op: 'Div', x: [3, 4], weights: { w: [4] }, positive: ['w'], nodes: [['Div', ['x', 'w'], ['y']]] },
  { op: 'Pow', x: [3, 4], weights: { w: [4] }, positive: ['x'], nodes: [['Pow', ['x', 'w'], ['y']]] },
  { op: 'Equal', x: [3, 4], weights: { w: [4] }, nodes: [['Equal', ['x', 'x'], ['m']], ['Where', ['m', 'w', 'x'], ['y']]] },
  { op: 'Less', x: [3, 4], weights: { w: [4] }, nodes: [['Less', ['x', 'w'], ['m']], ['Where', ['m', 'x', 'w'], ['y']]] },
  { op: 'Greater', x: [3, 4], weights: { w: [4] }, nodes: [['Greater', ['x', 'w'], ['m']], ['Where', ['m', 'w', 'x'], ['y']]] },
  { op: 'Where', x: [3, 4], weights: { w: [2, 1, 4] }, nodes: [['Greater', ['x', 'w'], ['m']], ['Where', ['m', 'x', 'w'], ['y']]] },
  { op: 'Sqrt', x: [3, 4], positive: ['x'], nodes: [['Sqrt', ['x'], ['y']]] },
  { op: 'Exp', x: [3, 4], nodes: [['Exp', ['x'], ['y']]] },
  { op: 'Log', x: [3, 4], positive: ['x'], nodes: [['Log', ['x'], ['y']]] },
  { op: 'Neg', x: [3, 4], nodes: [['Neg', ['x'], ['y']]] },
  { op: 'Abs', x: [3, 4], nodes: [['Abs', ['x'], ['y']]] },
  { op: 'Reciprocal', x: [3, 4], positive: ['x'], nodes: [['Reciprocal', ['x'], ['y']]] },
  { op: 'Erf', x: [3, 4], nodes: [['Erf', ['x'], ['y']]] },
  { op: 'Tanh', x: [3, 4], nodes: [['Tanh', ['x'], ['y']]] },
  { op: 'Sigmoid', x: [3, 4], nodes: [['Sigmoid', ['x'], ['y']]] },
  { op: 'Relu', x: [3, 4], weights: { w: [4, 5] }, nodes: [['MatMul', ['x', 'w'], ['z']], ['Relu', ['z'], ['y']]] },
  { op: 'Gelu', label: 'exact', opset: 20, x: [3, 4], nodes: [['Gelu', ['x'], ['y']]] },
  { op: 'Gelu', label: 'tanh approximation', opset: 20, x: [3, 4], nodes: [['Gelu', ['x'], ['y'], { approximate: str('tanh') }]] },
  { op: 'Softmax', x: [3, 2, 4], nodes: [['Softmax', ['x'], ['y'], { axis: int(1) }]] },
  { op: 'Softmax', label: 'opset 11 flattens from the axis', opset: 11, x: [3, 2, 4], nodes: [['Softmax', ['x'], ['y'], { axis: int(1) }]] },
  { op: 'LogSoftmax', x: [3, 4], nodes: [['LogSoftmax', ['x'], ['y']]] },
  { op: 'MatMul', x: [3, 2, 4], weights: { w: [4, 5] }, nodes: [['MatMul', ['x', 'w'], ['y']]] },
  { op: 'MatMul', label: 'by a vector', x: [3, 4], weights: { w: [4] }, nodes: [['MatMul', ['x', 'w'], ['y']]] },
  { op: 'MatMul', label: 'batched weights', x: [3, 1, 2, 4], weights: { w: [2, 4, 3] }, nodes: [['MatMul', ['x', 'w'], ['y']]] },
  { op: 'Gemm', x: [3, 4], weights: { w: [5, 4], b: [5] }, nodes: [['Gemm', ['x', 'w', 'b'], ['y'], { transB: int(1), alpha: float(0.5), beta: float(2) }]] },
  { op: 'Gemm', label: 'no bias', x: [3, 4], weights: { w: [4, 5] }, nodes: [['Gemm', ['x', 'w'], ['y']]] },
  { op: 'Conv', x: [2, 2, 6, 6], weights: { w: [3, 2, 3, 3], b: [3] }, nodes: [['Conv', ['x', 'w', 'b'], ['y'], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) }]] },
  { op: 'Conv', label: 'asymmetric pads, dilation', x: [2, 2, 6, 6], weights: { w: [3, 2, 2, 2] }, nodes: [['Conv', ['x', 'w'], ['y'], { pads: ints([0, 1, 1, 0]), dilations: ints([2, 2]) }]] },
  { op: 'Conv', label: 'SAME_UPPER, groups', x: [2, 2, 5, 5], weights: { w: [4, 1, 3, 3], b: [4] }, nodes: [['Conv', ['x', 'w', 'b'], ['y'], { auto_pad: str('SAME_UPPER'), group: int(2), strides: ints([2, 2]) }]] },
  { op: 'MaxPool', x: [2, 2, 6, 6], nodes: [['MaxPool', ['x'], ['y'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }]] },
  { op: 'AveragePool', x: [2, 2, 6, 6], nodes: [['AveragePool', ['x'], ['y'], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), count_include_pad: int(1) }]] },
  { op: 'GlobalAveragePool', x: [2, 3, 4, 4], nodes: [['GlobalAveragePool', ['x'], ['y']]] },
  { op: 'GlobalMaxPool', x: [2, 3, 4, 4], nodes: [['GlobalMaxPool', ['x'], ['y']]] },
  {
    op: 'BatchNormalization',
    x: [2, 3, 4, 4],
    weights: { s: [3], b: [3], m: [3], v: [3] },
    positive: ['v'],
    nodes: [['BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: float(1e-3) }]],
  },
  { op: 'LayerNormalization', x: [3, 2, 5], weights: { s: [5], b: [5] }, nodes: [['LayerNormalization', ['x', 's', 'b'], ['y']]] },
  { op: 'LayerNormalization', label: 'over two axes, no bias', x: [3, 2, 5], weights: { s: [2, 5] }, nodes: [['LayerNormalization', ['x', 's'], ['y'], { axis: int(-2), epsilon: float(1e-3) }]] },
  { op: 'ReduceMean', x: [3, 2, 4], nodes: [['ReduceMean', ['x'], ['y'], { axes: ints([-1]), keepdims: int(0) }]] },
  { op: 'ReduceMean', label: 'axes as an input (opset 18)', opset: 18, x: [3, 2, 4], ints: { a: [1] }, nodes: [['ReduceMean', ['x', 'a'], ['y']]] },
  { op: 'ReduceSum', x: [3, 2, 4], ints: { a: [1, 2] }, nodes: [['ReduceSum', ['x', 'a'], ['y'], { keepdims: int(0) }]] },
  { op: 'ReduceMax', x: [3, 2, 4], nodes: [['ReduceMax', ['x'], ['y'], { axes: ints([2]) }]] },
  { op: 'Reshape', x: [3, 4, 2], ints: { s: [0, -1] }, nodes: [['Reshape', ['x', 's'], ['y']]] },
  {
    op: 'Reshape',
    label: 'a shape computed from Shape (exporter pattern)',
    x: [3, 4, 2],
    ints: { zero: [0], one: [1], last: [-1], heads: [2] },
    nodes: [
      ['Shape', ['x'], ['s']],
      ['Slice', ['s', 'zero', 'one'], ['batch']],
      ['Concat', ['batch', 'heads', 'last'], ['target'], { axis: int(0) }],
      ['Reshape', ['x', 'target'], ['y']],
    ],
  },
  { op: 'Flatten', x: [3, 2, 2, 2], nodes: [['Flatten', ['x'], ['y'], { axis: int(2) }]] },
  { op: 'Transpose', x: [3, 2, 4], nodes: [['Transpose', ['x'], ['y'], { perm: ints([1, 0, 2]) }]] },
  { op: 'Squeeze', x: [3, 1, 4], ints: { a: [1] }, nodes: [['Squeeze', ['x', 'a'], ['y']]] },
  { op: 'Squeeze', label: 'axes attribute (opset 11)', opset: 11, x: [3, 1, 4], nodes: [['Squeeze', ['x'], ['y'], { axes: ints([1]) }]] },
  { op: 'Unsqueeze', x: [3, 4], ints: { a: [1, -1] }, nodes: [['Unsqueeze', ['x', 'a'], ['y']]] },
  { op: 'Unsqueeze', label: 'axes attribute (opset 11)', opset: 11, x: [3, 4], nodes: [['Unsqueeze', ['x'], ['y'], { axes: ints([0]) }]] },
  {
    op: 'Concat',
    label: 'a class token expanded to the batch (exporter pattern)',
    x: [3, 2, 4],
    weights: { cls: [1, 1, 4] },
    ints: { i0: [0], rest: [1, 4] },
    nodes: [
      ['Shape', ['x'], ['s']],
      ['Gather', ['s', 'i0'], ['n'], { axis: int(0) }],
      ['Concat', ['n', 'rest'], ['target'], { axis: int(0) }],
      ['Expand', ['cls', 'target'], ['c']],
      ['Concat', ['c', 'x'], ['y'], { axis: int(1) }],
    ],
  },
  { op: 'Slice', x: [3, 6, 4], ints: { st: [1, -3], en: [9223372036854775807, -1], ax: [1, 2] }, nodes: [['Slice', ['x', 'st', 'en', 'ax'], ['y']]] },
  { op: 'Gather', x: [3, 5], ints: { i: [4, 0, -1] }, nodes: [['Gather', ['x', 'i'], ['y'], { axis: int(1) }]] },
  {
    op: 'Gather',
    label: 'a scalar index drops the axis',
    x: [3, 5, 2],
    nodes: [['Constant', [], ['i'], { value: { tensor: { dtype: 'int64', dims: [], values: [0] } } }], ['Gather', ['x', 'i'], ['y'], { axis: int(1) }]],
  },
  { op: 'Split', x: [3, 4], ints: { sp: [1, 3] }, nodes: [['Split', ['x', 'sp'], ['a', 'b'], { axis: int(1) }], ['Concat', ['b', 'a'], ['y'], { axis: int(1) }]] },
  { op: 'Split', label: 'equal parts (opset 18)', opset: 18, x: [3, 4], nodes: [['Split', ['x'], ['a', 'b'], { axis: int(1), num_outputs: int(2) }], ['Mul', ['a', 'b'], ['y']]] },
  { op: 'Expand', x: [3, 4], weights: { w: [1, 4] }, nodes: [['Shape', ['x'], ['s']], ['Expand', ['w', 's'], ['e']], ['Mul', ['x', 'e'], ['y']]] },
  { op: 'Pad', x: [3, 4, 5], ints: { p: [0, 1, -1, 0, 2, 0] }, nodes: [['Pad', ['x', 'p'], ['y']]] },
];
