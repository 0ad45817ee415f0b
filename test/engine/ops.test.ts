import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DType, isFloat } from '../../src/engine/ir/dtype.js';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { input } from '../../src/engine/ir/tensor.js';
import { registeredOps } from '../../src/engine/ops/op-def.js';
import { interpret } from '../../src/engine/reference/interpret.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { jvp } from '../../src/engine/transforms/jvp.js';
import { vjp } from '../../src/engine/transforms/vjp.js';
import { assertAllClose, dot, normals, testRandom, toNumbers } from '../helpers.js';
import type { InputCase, OpCase } from './op-cases/case.js';
import { coreCases } from './op-cases/core.js';
import { elementwiseCases } from './op-cases/elementwise.js';
import { spatialCases } from './op-cases/spatial.js';

/**
 * The op table: every registered primitive has at least one row, and every row is
 * checked three ways — JVP against central finite differences (float64), VJP against
 * JVP through <u, J v> = <Jᵀ u, v>, and the ONNX lowering (primal, JVP and VJP graphs,
 * float32, onnxruntime) against the TypeScript reference evaluation.
 */
const cases: OpCase[] = [...coreCases, ...elementwiseCases, ...spatialCases];

function dtypeOf(spec: InputCase, float: DType): DType {
  if (spec.fill === 'bool') return 'bool';
  return typeof spec.fill === 'object' ? 'int64' : float;
}

function hashLabel(s: string): number {
  let h = 2166136261;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Deterministic data for one input (values as float64; cast later). */
function inputValues(spec: InputCase, random: () => number): Float64Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const fill = spec.fill ?? 'normal';
  if (fill === 'normal') return normals(size, random);
  if (fill === 'positive') return Float64Array.from({ length: size }, () => 0.5 + 1.5 * random());
  if (fill === 'bool') return Float64Array.from({ length: size }, () => (random() < 0.5 ? 1 : 0));
  return Float64Array.from({ length: size }, () => Math.floor(random() * fill.ints));
}

function host(dtype: DType, shape: readonly number[], values: ArrayLike<number>): HostTensor {
  const t = HostTensor.zeros(dtype, shape);
  if (t.data instanceof BigInt64Array) for (let i = 0; i < values.length; i++) t.data[i] = BigInt(values[i]!);
  else t.data.set(values);
  return t;
}

/** The case's graph in `float` precision: primal, tangent and cotangent inputs, and the three outputs. */
function buildCase(c: OpCase, float: DType) {
  const xs = c.inputs.map((spec, i) => input(`x${i}`, dtypeOf(spec, float), spec.symbolic ? ['n', ...spec.shape.slice(1)] : spec.shape));
  const out = c.build(...xs);
  assert.ok(isFloat(out.dtype), `${c.op}: a case must produce a float output`);
  const diff = xs.filter((x) => isFloat(x.dtype));
  const tangents = diff.map((x, i) => input(`t${i}`, x.dtype, x.shape));
  const u = input('u', out.dtype, out.shape);
  const [tangentOut] = jvp([out], new Map(diff.map((x, i) => [x, tangents[i]!])));
  const cotangents = vjp([out], [u], diff);
  return { xs, out, diff, tangents, u, tangentOut: tangentOut!, cotangents };
}

function caseData(c: OpCase) {
  const random = testRandom(hashLabel(`${c.op}/${c.label ?? ''}`));
  const x = c.inputs.map((spec) => inputValues(spec, random));
  return { random, x };
}

describe('op table', () => {
  test('every registered op has a row', () => {
    const covered = new Set(cases.map((c) => c.op));
    const missing = registeredOps().map((d) => d.name).filter((n) => !covered.has(n));
    assert.deepEqual(missing, [], `ops without a test row: ${missing.join(', ')}`);
  });

  for (const c of cases) {
    const title = `${c.op}${c.label ? ` (${c.label})` : ''}`;

    test(`${title}: jvp matches finite differences, vjp is its adjoint (float64)`, () => {
      const g = buildCase(c, 'float64');
      const { random, x } = caseData(c);
      const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
      const v = g.diff.map((t) => normals(sizeOf(c.inputs[g.xs.indexOf(t)]!.shape), random));
      const eps = c.rounds ? 1e-2 : 1e-6;
      const feedsAt = (step: number) => {
        const feeds: Record<string, HostTensor> = {};
        let k = 0;
        g.xs.forEach((t, i) => {
          const values = Float64Array.from(x[i]!);
          if (isFloat(t.dtype)) {
            const dir = v[k++]!;
            for (let j = 0; j < values.length; j++) values[j]! += step * dir[j]!;
          }
          feeds[`x${i}`] = host(t.dtype, c.inputs[i]!.shape, values);
        });
        return feeds;
      };
      const [plus] = interpret({ inputs: g.xs, outputs: [g.out] }, feedsAt(eps));
      const [minus] = interpret({ inputs: g.xs, outputs: [g.out] }, feedsAt(-eps));
      const fd = toNumbers(plus!.data).map((p, i) => (p - Number(minus!.data[i])) / (2 * eps));

      const base = feedsAt(0);
      const outShape = plus!.shape;
      const u = normals(sizeOf(outShape), random);
      const feeds: Record<string, HostTensor> = { ...base, u: host('float64', outShape, u) };
      g.tangents.forEach((_t, i) => (feeds[`t${i}`] = host('float64', feeds[`x${g.xs.indexOf(g.diff[i]!)}`]!.shape, v[i]!)));
      const [tangentOut, ...cts] = interpret({ inputs: [...g.xs, ...g.tangents, g.u], outputs: [g.tangentOut, ...g.cotangents] }, feeds);

      if (c.fd !== false) assertAllClose(tangentOut!.data, fd, { rtol: 1e-5, atol: 1e-6, what: `${title} jvp vs finite differences` });
      const lhs = dot(u, toNumbers(tangentOut!.data));
      const rhs = cts.reduce((s, ct, i) => s + dot(toNumbers(ct.data), v[i]!), 0);
      assertAllClose([lhs], [rhs], { rtol: c.rounds ? 1e-6 : 1e-9, atol: 1e-9, what: `${title} <u, Jv> vs <Jᵀu, v>` });
    });

    test(`${title}: onnxruntime matches the reference (float32: primal, jvp, vjp)`, async () => {
      const g = buildCase(c, 'float32');
      const { random, x } = caseData(c);
      const feeds: Record<string, HostTensor> = {};
      g.xs.forEach((t, i) => (feeds[`x${i}`] = host(t.dtype, c.inputs[i]!.shape, x[i]!)));
      const [outShape] = interpret({ inputs: g.xs, outputs: [g.out] }, feeds).map((t) => t.shape);
      g.tangents.forEach((_t, i) => {
        const shape = feeds[`x${g.xs.indexOf(g.diff[i]!)}`]!.shape;
        feeds[`t${i}`] = host('float32', shape, normals(shape.reduce((a, b) => a * b, 1), random));
      });
      feeds.u = host('float32', outShape!, normals(outShape!.reduce((a, b) => a * b, 1), random));
      const spec = { inputs: [...g.xs, ...g.tangents, g.u], outputs: [g.out, g.tangentOut, ...g.cotangents] };
      const expected = interpret(spec, feeds);
      const actual = await (await compile(spec)).run(feeds);
      actual.forEach((a, i) => {
        assert.deepEqual(a.shape, expected[i]!.shape, `${title} output ${i} shape`);
        assertAllClose(a.data, expected[i]!.data, { rtol: 1e-4, atol: 1e-5, what: `${title} output ${i}` });
      });
    });
  }
});
