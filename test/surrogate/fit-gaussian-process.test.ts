import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { type KernelName, fitGaussianProcess } from '../../src/surrogate/index.js';
import { normalVector, uniformPoints } from './fixtures.js';

const profiles: Record<KernelName, (s: number) => number> = {
  rbf: (s) => Math.exp(-s / 2),
  matern52: (s) => (1 + Math.sqrt(5 * s) + (5 * s) / 3) * Math.exp(-Math.sqrt(5 * s)),
};

/** One draw of f ~ GP(0, σ² κ) at the points (plus 1e-8 jitter), by ml-matrix's Cholesky: an oracle independent of the library. */
function sampleGp(points: Float64Array[], kernel: KernelName, lengthscales: number[], variance: number, seed: number): number[] {
  const n = points.length;
  const k = new Matrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const s = points[a]!.reduce((t, v, i) => t + ((v - points[b]![i]!) / lengthscales[i % lengthscales.length]!) ** 2, 0);
      k.set(a, b, variance * profiles[kernel](s) + (a === b ? 1e-8 : 0));
    }
  }
  const l = new CholeskyDecomposition(k).lowerTriangularMatrix;
  return l.mmul(Matrix.columnVector(Array.from(normalVector(n, seed)))).getColumn(0);
}

test('the fit recovers the lengthscale of data drawn from a GP with that lengthscale (1-D RBF and 2-D Matérn 5/2)', () => {
  for (const { kernel, d, lengthscale, n } of [
    { kernel: 'rbf', d: 1, lengthscale: 0.7, n: 60 },
    { kernel: 'matern52', d: 2, lengthscale: 1.5, n: 90 },
  ] as const) {
    const points = uniformPoints(n, d, 3, 0, 6);
    const values = sampleGp(points, kernel, [lengthscale], 2, 4);
    const { gp, starts } = fitGaussianProcess(points, values, { kernel, fitSignalVariance: true, targetScaling: 'none', restarts: 2, seed: 9 });
    const fitted = gp.hyperparameters.lengthscales[0]!;
    assert.ok(Math.abs(fitted / lengthscale - 1) < 0.15, `${kernel}: fitted lengthscale ${fitted}, true ${lengthscale}`);
    assert.equal(starts.length, 3);
    assert.equal(gp.logMarginalLikelihood, Math.max(...starts.map((s) => s.logMarginalLikelihood ?? -Infinity)));
  }
});

test('with ARD the fit tells a short lengthscale from a long one', () => {
  const points = uniformPoints(100, 2, 13, 0, 6);
  const values = sampleGp(points, 'rbf', [0.6, 3], 1, 14);
  const { gp } = fitGaussianProcess(points, values, { kernel: 'rbf', ard: true, fitSignalVariance: true, targetScaling: 'none', restarts: 1 });
  const [short, long] = gp.hyperparameters.lengthscales;
  assert.ok(Math.abs(short! / 0.6 - 1) < 0.2, `short lengthscale ${short}`);
  assert.ok(Math.abs(long! / 3 - 1) < 0.35, `long lengthscale ${long}`);
});

test('restarts are seeded: the same seed gives the same fit, bit for bit', () => {
  const points = uniformPoints(25, 2, 21, 0, 3);
  const values = points.map((x) => Math.sin(x[0]!) * Math.cos(x[1]!));
  const a = fitGaussianProcess(points, values, { seed: 5, restarts: 2, fitNoiseVariance: true, targetScaling: 'min-max' });
  const b = fitGaussianProcess(points, values, { seed: 5, restarts: 2, fitNoiseVariance: true, targetScaling: 'min-max' });
  assert.deepEqual(a.starts, b.starts);
  assert.deepEqual(a.gp.hyperparameters, b.gp.hyperparameters);
  const noise = a.gp.hyperparameters.noiseVariance;
  assert.ok(noise >= 1e-5 * (1 - 1e-12) && noise <= 1e5, `the fitted noise ${noise} stays in its bounds`);
});

test('hyperparameters that are not fitted keep their initial values; bad options are rejected', () => {
  const points = uniformPoints(10, 2, 1);
  const values = points.map((x) => x[0]!);
  const { gp } = fitGaussianProcess(points, values, { restarts: 0, initial: { signalVariance: 0.5, noiseVariance: 1e-3 } });
  assert.equal(gp.hyperparameters.signalVariance, 0.5);
  assert.equal(gp.hyperparameters.noiseVariance, 1e-3);
  assert.throws(() => fitGaussianProcess(points, values, { restarts: -1 }), /^RangeError: restarts must be an integer ≥ 0/);
  assert.throws(() => fitGaussianProcess(points, values, { bounds: { lengthscale: [2, 1] } }), /^RangeError: bounds.lengthscale must be \[lower, upper\] with lower ≤ upper/);
  assert.throws(() => fitGaussianProcess(points, values, { ard: true, initial: { lengthscales: new Float64Array(3).fill(1) } }), /^RangeError: initial.lengthscales must have length 1 or 2/);
});
