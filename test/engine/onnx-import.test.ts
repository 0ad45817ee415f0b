import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import type { DType } from '../../src/engine/ir/dtype.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { type Tensor, input } from '../../src/engine/ir/tensor.js';
import { buildOnnxGraph, supportedOps } from '../../src/engine/onnx/import.js';
import { loadOnnx } from '../../src/engine/onnx/load.js';
import { onnx } from '../../src/engine/onnx/onnx-proto.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { interpret } from '../../src/engine/reference/interpret.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { jvp } from '../../src/engine/transforms/jvp.js';
import { vjp } from '../../src/engine/transforms/vjp.js';
import { assertAllClose, dot, normals, testRandom, toNumbers } from '../helpers.js';
import { type ImportCase, IMPORT_CASES } from './onnx-import-cases.js';
import { int, ints, onnxBytes } from './onnx-graphs.js';

const title = (c: ImportCase) => `${c.op}${c.label ? ` (${c.label})` : ''}`;
const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

function seedOf(c: ImportCase): number {
  let h = 7;
  for (const ch of title(c)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Values for an input of the case: normals, or positives for logs, roots and variances. */
function values(c: ImportCase, name: string, dims: readonly number[], random: () => number): Float64Array {
  const v = normals(size(dims), random);
  return c.positive?.includes(name) ? v.map((e) => Math.abs(e) + 0.5) : v;
}

function caseBytes(c: ImportCase, dtype: 'float' | 'double', weights: ReadonlyMap<string, Float64Array>): Uint8Array {
  const w = Object.fromEntries(Object.entries(c.weights ?? {}).map(([name, dims]) => [name, { dims, values: weights.get(name)! }]));
  return onnxBytes({ opset: c.opset ?? 17, dtype, x: c.x, nodes: c.nodes, weights: w, ...(c.ints ? { ints: c.ints } : {}) });
}

/** The case's graph imported with its weights as graph inputs ([K, ...dims] with copies). */
function imported(c: ImportCase, bytes: Uint8Array, dtype: DType, copies = 0, batch: string | number = 'batch') {
  const graph = readOnnx(bytes, { source: `${c.op}.onnx` });
  const lead = copies > 0 ? 1 : 0;
  const x = input('x', dtype, [...(lead ? [1] : []), batch, ...c.x.slice(1)]);
  const params = new Map(Object.entries(c.weights ?? {}).map(([name, dims]) => [name, input(name, dtype, lead ? [copies, ...dims] : dims)]));
  const out = buildOnnxGraph(graph, { x, lead, initializer: (name) => params.get(name) });
  return { x, params: [...params.values()], out };
}

const host = (dtype: DType, dims: readonly number[], v: ArrayLike<number>) => new HostTensor(dtype, dims, dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));

describe('ONNX import: one hand-built graph per op', () => {
  test('every mapped op has a case', () => {
    const covered = new Set(IMPORT_CASES.map((c) => c.op));
    assert.deepEqual(supportedOps().filter((op) => !covered.has(op)), []);
  });

  for (const c of IMPORT_CASES) {
    const random = () => testRandom(seedOf(c));

    test(`${title(c)}: matches onnxruntime on the original file, at two batch sizes`, async () => {
      const r = random();
      const weights = new Map(Object.entries(c.weights ?? {}).map(([name, dims]) => [name, values(c, name, dims, r)]));
      const bytes = caseBytes(c, 'float', weights);
      const session = await ort.InferenceSession.create(bytes);
      const { x, params, out } = imported(c, bytes, 'float32');
      const ours = await compile({ inputs: [x, ...params], outputs: [out] });
      for (const batch of [c.x[0]!, 5]) {
        const dims = [batch, ...c.x.slice(1)];
        const xv = Float32Array.from(values(c, 'x', dims, r));
        const expected = (await session.run({ x: new ort.Tensor('float32', xv, dims) })).y!;
        const feeds: Record<string, HostTensor> = { x: host('float32', dims, xv) };
        for (const [name, v] of weights) feeds[name] = host('float32', c.weights![name]!, v);
        const [actual] = await ours.run(feeds);
        assert.deepEqual(actual!.shape, expected.dims, `${title(c)} output shape at batch ${batch}`);
        assertAllClose(actual!.data, expected.data as Float32Array, { rtol: 1e-5, atol: 1e-6, what: `${title(c)} at batch ${batch}` });
      }
    });

    test(`${title(c)}: with a copy axis, copy k computes the graph with weights k`, async () => {
      const r = random();
      // Without weights the only copy axis is the input's own (of size 1).
      const k = c.weights ? 2 : 1;
      const copies = new Map(Object.entries(c.weights ?? {}).map(([name, dims]) => [name, [values(c, name, dims, r), values(c, name, dims, r)]]));
      const bytes = caseBytes(c, 'float', new Map([...copies].map(([name, [first]]) => [name, first!])));
      const stacked = imported(c, bytes, 'float32', 2);
      const plain = imported(c, bytes, 'float32');
      const dims = c.x;
      const xv = values(c, 'x', dims, r);
      const feeds: Record<string, HostTensor> = { x: host('float32', [1, ...dims], xv) };
      for (const [name, pair] of copies) feeds[name] = host('float32', [k, ...c.weights![name]!], [...pair[0]!, ...pair[1]!]);
      const [all] = await (await compile({ inputs: [stacked.x, ...stacked.params], outputs: [stacked.out] })).run(feeds);
      const single = await compile({ inputs: [plain.x, ...plain.params], outputs: [plain.out] });
      const perCopy = all!.data.length / k;
      for (let copy = 0; copy < k; copy++) {
        const one: Record<string, HostTensor> = { x: host('float32', dims, xv) };
        for (const [name, pair] of copies) one[name] = host('float32', c.weights![name]!, pair[copy]!);
        const [expected] = await single.run(one);
        assert.deepEqual(all!.shape.slice(1), expected!.shape, `${title(c)}: copies keep the file's dims`);
        assertAllClose((all!.data as Float32Array).subarray(copy * perCopy, (copy + 1) * perCopy), expected!.data, { rtol: 1e-5, atol: 1e-6, what: `${title(c)} copy ${copy}` });
      }
    });

    test(`${title(c)}: jvp matches finite differences, vjp is its adjoint (float64)`, () => {
      const r = random();
      const weights = new Map(Object.entries(c.weights ?? {}).map(([name, dims]) => [name, values(c, name, dims, r)]));
      // A concrete batch: cotangents take the output's shape, which may merge the batch with other dims.
      const { x, params, out } = imported(c, caseBytes(c, 'double', weights), 'float64', 0, c.x[0]!);
      const inputs = [x, ...params];
      const shapes = [c.x, ...Object.values(c.weights ?? {})];
      const base = [values(c, 'x', c.x, r), ...weights.values()];
      const directions = shapes.map((dims) => normals(size(dims), r));
      const feedsAt = (step: number) => Object.fromEntries(inputs.map((t, i) => [t.source.kind === 'input' ? t.source.name : '', host('float64', shapes[i]!, base[i]!.map((v, j) => v + step * directions[i]![j]!))]));
      const eps = 1e-6;
      const [plus] = interpret({ inputs, outputs: [out] }, feedsAt(eps));
      const [minus] = interpret({ inputs, outputs: [out] }, feedsAt(-eps));
      const fd = toNumbers(plus!.data).map((p, i) => (p - Number(minus!.data[i])) / (2 * eps));
      const tangents = inputs.map((t, i) => input(`t${i}`, 'float64', t.shape));
      const u = input('u', 'float64', out.shape);
      const [tangentOut] = jvp([out], new Map(inputs.map((t, i) => [t, tangents[i]!] as [Tensor, Tensor])));
      const cotangents = vjp([out], [u], inputs);
      const uv = normals(plus!.data.length, r);
      const feeds = { ...feedsAt(0), u: host('float64', plus!.shape, uv), ...Object.fromEntries(tangents.map((_, i) => [`t${i}`, host('float64', shapes[i]!, directions[i]!)])) };
      const [derivative, ...adjoints] = interpret({ inputs: [...inputs, ...tangents, u], outputs: [tangentOut!, ...cotangents.map((ct, i) => ct ?? tangents[i]!)] }, feeds);
      assertAllClose(derivative!.data, fd, { rtol: 1e-5, atol: 1e-6, what: `${title(c)} jvp vs finite differences` });
      const rhs = adjoints.reduce((s, ct, i) => s + (cotangents[i] ? dot(toNumbers(ct.data), directions[i]!) : 0), 0);
      assertAllClose([dot(uv, toNumbers(derivative!.data))], [rhs], { rtol: 1e-9, atol: 1e-9, what: `${title(c)} <u, Jv> vs <Jᵀu, v>` });
    });
  }
});

describe('ONNX import: bad files', () => {
  const mlp = onnxBytes({ x: [2, 3], weights: { w: { dims: [3, 2], values: [1, 2, 3, 4, 5, 6] } }, nodes: [['MatMul', ['x', 'w'], ['y']]] });

  test('truncated or corrupt bytes name the file', () => {
    assert.throws(() => readOnnx(mlp.subarray(0, mlp.length - 20), { source: 'cut.onnx' }), /^Error: cut\.onnx: not a valid ONNX file \(.+\); is it truncated\?/);
    assert.throws(() => readOnnx(Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256), { source: 'noise.onnx' }), /noise\.onnx: not a valid ONNX file/);
    assert.throws(() => readOnnx(new Uint8Array(0), { source: 'empty.onnx' }), /empty\.onnx: not a valid ONNX file \(it holds no graph nodes\)/);
  });

  test('opsets outside 11 to 20 are refused, naming the file and the range', () => {
    for (const opset of [9, 21]) {
      const bytes = onnxBytes({ opset, x: [2, 3], nodes: [['Relu', ['x'], ['y']]] });
      assert.throws(() => readOnnx(bytes, { source: 'old.onnx' }), new RegExp(`^RangeError: old\\.onnx: opset ${opset} is not supported; the importer reads opsets 11 to 20`));
    }
  });

  test('unsupported ops: one error lists every node and op type', () => {
    const bytes = onnxBytes({
      x: [2, 3],
      nodes: [['Relu', ['x'], ['a']], ['Hardmax', ['a'], ['b']], ['FusedGemm', ['b'], ['y']]],
      domainNodes: [{ node: 2, domain: 'com.microsoft' }],
    });
    const graph = readOnnx(bytes, { source: 'exotic.onnx' });
    assert.throws(() => buildOnnxGraph(graph, { x: input('x', 'float32', ['batch', 3]), lead: 0 }), /exotic\.onnx: 2 nodes use ops the importer does not map: 'n1_Hardmax' \(Hardmax\), 'n2_FusedGemm' \(com\.microsoft\.FusedGemm\)\. Supported ops: .*Loss-only methods can still train the file as a black box/);
  });

  test('a node that does not map names the file and the node', () => {
    const asymmetric = onnxBytes({ x: [1, 1, 4, 4], nodes: [['MaxPool', ['x'], ['y'], { kernel_shape: ints([2, 2]), pads: ints([0, 0, 1, 1]) }]] });
    assert.throws(() => buildOnnxGraph(readOnnx(asymmetric, { source: 'pool.onnx' }), { x: input('x', 'float32', ['batch', 1, 4, 4]), lead: 0 }), /^RangeError: pool\.onnx: node 'n0_MaxPool' \(MaxPool\): asymmetric pooling pads \[0,0,1,1\] are not supported/);
    const dataDependent = onnxBytes({ x: [2, 4], nodes: [['Cast', ['x'], ['s'], { to: int(7) }], ['Reshape', ['x', 's'], ['y']]] });
    assert.throws(() => buildOnnxGraph(readOnnx(dataDependent, { source: 'dyn.onnx' }), { x: input('x', 'float32', ['batch', 4]), lead: 0 }), /dyn\.onnx: node 'n0_Cast' \(Cast\): Cast of a computed float32 tensor to int64 is data-dependent/);
    const wrongInput = readOnnx(asymmetric, { source: 'pool.onnx' });
    assert.throws(() => buildOnnxGraph(wrongInput, { x: input('x', 'float32', ['batch', 1, 5, 5]), lead: 0 }), /pool\.onnx: input 'x' takes \[batch,1,4,4\], got data shaped \[batch,1,5,5\]/);
  });

  test('external data: read from the file beside the model; a missing file is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fp-onnx-external-'));
    const model = onnx.ModelProto.decode(mlp);
    const w = (model.graph!.initializer as InstanceType<typeof onnx.TensorProto>[])[0]!;
    const data = w.rawData;
    w.rawData = new Uint8Array(0);
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: 'weights.bin' }), onnx.StringStringEntryProto.create({ key: 'offset', value: '8' })];
    const path = join(dir, 'model.onnx');
    await writeFile(path, onnx.ModelProto.encode(model).finish());
    await assert.rejects(loadOnnx(path), (e: Error) => e.message.includes(path) && e.message.includes(join(dir, 'weights.bin')) && /cannot be read \(ENOENT\)/.test(e.message));
    await writeFile(join(dir, 'weights.bin'), new Uint8Array([...new Uint8Array(8), ...data]));
    const graph = await loadOnnx(path);
    assert.deepEqual(Array.from(graph.initializers.get('w')!.data as Float32Array), [1, 2, 3, 4, 5, 6]);
    // The model in memory is self-contained: onnxruntime runs it from bytes alone.
    const session = await ort.InferenceSession.create(onnx.ModelProto.encode(graph.model).finish());
    const result = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 0, 0, 0, 1, 0), [2, 3]) });
    assert.deepEqual(Array.from(result.y!.data as Float32Array), [1, 2, 3, 4]);
    await assert.rejects(loadOnnx(join(dir, 'absent.onnx')), /absent\.onnx: cannot read the model \(ENOENT\)/);
  });
});
