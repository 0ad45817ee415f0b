import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { createDataset } from '../../src/data/dataset.js';
import { createEstimator } from '../../src/estimators/registry.js';
import { HessianVectorProduct, centreCurvature, hessianExtremes } from '../../src/landscape/curvature.js';
import { filterNormalizedDirection } from '../../src/landscape/directions.js';
import { computeLandscape } from '../../src/landscape/landscape.js';
import { SurfaceEvaluator } from '../../src/landscape/surface.js';
import { mlp } from '../../src/nn/factories.js';
import { crossEntropyObjective, mseObjective } from '../../src/objectives/objective.js';
import { Evaluator } from '../../src/train/evaluate.js';
import { assertAllClose, dot, normals, testRandom } from '../helpers.js';

const random = testRandom(17);

describe('loss landscapes', () => {
  // A linear model under MSE: L(θ) = (1/(B·O)) Σ (xW + b − y)², exactly quadratic in θ.
  const [b, d, o] = [24, 5, 3];
  const linear = mlp([d, o]);
  const x = Float32Array.from(normals(b * d, random));
  const y = Float32Array.from(normals(b * o, random));
  const batch = { x: new HostTensor('float32', [b, d], x), y: new HostTensor('float32', [b, o], y) };
  const theta = Float32Array.from(normals(linear.layout.size, random), (v) => 0.5 * v);
  const loss = (t: ArrayLike<number>): number => {
    const w = linear.layout.get('0.weight');
    const bias = linear.layout.get('0.bias');
    let s = 0;
    for (let e = 0; e < b; e++) {
      for (let k = 0; k < o; k++) {
        let z = t[bias.offset + k]!;
        for (let i = 0; i < d; i++) z += x[e * d + i]! * t[w.offset + i * o + k]!;
        s += (z - y[e * o + k]!) ** 2;
      }
    }
    return s / (b * o);
  };

  test("a quadratic's landscape, its second differences and its Hessian eigenvalues are exact", async () => {
    const evaluator = new SurfaceEvaluator(linear, mseObjective());
    const d1 = Float32Array.from(normals(theta.length, random));
    const d2 = Float32Array.from(normals(theta.length, random));
    const l = await computeLandscape(evaluator, batch, { centre: theta, directions: [d1, d2], range: [-1, 1], points: 5, copiesPerCall: 7 });
    assert.deepEqual(l.xs, [-1, -0.5, 0, 0.5, 1]);
    assert.equal(l.evaluated, 26);
    const expected = l.ys.flatMap((beta) => l.xs.map((alpha) => loss(theta.map((v, i) => v + alpha * d1[i]! + beta * d2[i]!))));
    assertAllClose(l.values.flat(), expected, { rtol: 2e-5, what: 'grid losses' });
    assert.ok(Math.abs(l.centre - loss(theta)) < 1e-5 * loss(theta));
    // The Hessian: per output, (2/(B·O)) ZᵀZ over features z = [x, 1], block diagonal.
    const z = new Matrix(b, d + 1);
    for (let e = 0; e < b; e++) {
      for (let i = 0; i < d; i++) z.set(e, i, x[e * d + i]!);
      z.set(e, d, 1);
    }
    const block = z.transpose().mmul(z).mul(2 / (b * o));
    const curvature = (u: Float32Array) => {
      // uᵀHu with u's weight column k and bias k forming output k's block coordinates.
      let s = 0;
      for (let k = 0; k < o; k++) {
        const v = Array.from({ length: d + 1 }, (_, i) => (i < d ? u[i * o + k]! : u[d * o + k]!));
        s += dot(v, block.mmul(Matrix.columnVector(v)).to1DArray());
      }
      return s;
    };
    assert.ok(Math.abs(l.curvature!.xx - curvature(d1)) < 2e-3 * curvature(d1), `xx ${l.curvature!.xx} vs ${curvature(d1)}`);
    assert.ok(Math.abs(l.curvature!.yy! - curvature(d2)) < 2e-3 * curvature(d2));
    const eigen = new EigenvalueDecomposition(block).realEigenvalues;
    const hvp = new HessianVectorProduct(linear, mseObjective());
    const extremes = await hessianExtremes(hvp, theta, batch, { iterations: 400, tolerance: 1e-7, seed: 3 });
    assert.ok(Math.abs(extremes.max.value - Math.max(...eigen)) < 1e-3 * Math.max(...eigen), `λ_max ${extremes.max.value} vs ${Math.max(...eigen)}`);
    assert.ok(Math.abs(extremes.min.value - Math.min(...eigen)) < 1e-2 * Math.max(...eigen), `λ_min ${extremes.min.value} vs ${Math.min(...eigen)}`);
    await Promise.all([evaluator.dispose(), hvp.dispose()]);
  });

  test("the landscape at (0, 0) is the run's loss, and Hessian-vector products match differences of gradients", async () => {
    const model = mlp([6, 8, 4]);
    const data = createDataset({ name: 'random', inputShape: [6], classes: 4, x: Float32Array.from(normals(40 * 6, random)), y: Int32Array.from({ length: 40 }, (_, i) => i % 4) });
    const params = model.init(2);
    const objective = crossEntropyObjective();
    const evaluator = new Evaluator(model, objective);
    const surface = new SurfaceEvaluator(model, objective);
    const all = { x: new HostTensor('float32', [40, 6], data.x), y: new HostTensor('int64', [40], BigInt64Array.from(data.y, BigInt)) };
    const direction = filterNormalizedDirection(model.layout, params, 1);
    const l = await computeLandscape(surface, all, { centre: params, directions: [direction], range: [-1, 1], points: 3 });
    const run = await evaluator.evaluate(params, data, 40);
    assert.ok(Math.abs(l.values[0]![1]! - run.loss) < 1e-6 && Math.abs(l.centre - run.loss) < 1e-6, `${l.centre} vs ${run.loss}`);
    const hvp = new HessianVectorProduct(model, objective);
    const bp = createEstimator('bp', { model, objective, seed: 0 });
    const v = Float32Array.from(normals(params.length, random));
    const eps = 1e-3;
    const gradAt = async (s: number) => (await bp.estimate({}, { params: params.map((t, i) => t + s * eps * v[i]!), batch: all, step: 0 })).estimate.grad!;
    const [plus, minus] = [await gradAt(1), await gradAt(-1)];
    const hv = await hvp.apply(params, v, all);
    assertAllClose(hv, plus.map((g, i) => (g - minus[i]!) / (2 * eps)), { rtol: 2e-2, atol: 2e-3, what: 'Hv' });
    await Promise.all([evaluator.dispose(), surface.dispose(), hvp.dispose(), bp.dispose()]);
  });

  test('filter-normalised directions: each filter has its weights\' norm, biases none, a mask keeps its entries only', () => {
    const model = mlp([5, 4, 3]);
    const params = model.init(4);
    const mask = Float32Array.from({ length: params.length }, (_, i) => (i % 3 === 0 ? 0 : 1));
    for (const m of [undefined, mask]) {
      const dir = filterNormalizedDirection(model.layout, params, 9, m);
      for (const e of model.layout.entries) {
        const view = model.layout.view(dir, e.name);
        if (e.shape.length === 1) {
          assert.ok(view.every((v) => v === 0), e.name);
          continue;
        }
        const [rows, cols] = e.shape as [number, number];
        for (let c = 0; c < cols; c++) {
          let dn = 0;
          let tn = 0;
          for (let r = 0; r < rows; r++) {
            const i = e.offset + r * cols + c;
            if (m && m[i] === 0) assert.equal(dir[i], 0);
            dn += dir[i]! ** 2;
            tn += ((m ? m[i]! : 1) * params[i]!) ** 2;
          }
          assert.ok(Math.abs(Math.sqrt(dn) - Math.sqrt(tn)) < 1e-5, `${e.name} filter ${c}`);
        }
      }
    }
  });

  test('second differences need an odd grid of at least three points', () => {
    assert.deepEqual(centreCurvature([[1, 0, 1]], 1), { xx: 2 });
    assert.throws(() => centreCurvature([[1, 0]], 1), /at least 3 points per axis/);
  });
});
