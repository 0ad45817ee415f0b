import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { GaussianProcess, type GpHyperparameters, type KernelName, logMarginalLikelihood } from '../../src/surrogate/index.js';
import { assertAllClose } from '../helpers.js';
import { uniformPoints } from './fixtures.js';

const points = uniformPoints(20, 3, 5, 0, 2);
const values = points.map((x) => Math.cos(x[0]!) * x[1]! - x[2]!);

for (const kernel of ['matern52', 'rbf'] as KernelName[]) {
  for (const lengthscales of [[0.7], [0.5, 1.1, 1.8]]) {
    test(`the log-marginal-likelihood gradient matches central differences in log space (${kernel}, lengthscales [${lengthscales}])`, () => {
      const base: GpHyperparameters = { lengthscales: Float64Array.from(lengthscales), signalVariance: 0.8, noiseVariance: 0.02 };
      const lml = (h: GpHyperparameters): number => logMarginalLikelihood(points, values, { kernel, hyperparameters: h }).value;
      const { gradient } = logMarginalLikelihood(points, values, { kernel, hyperparameters: base });
      const h = 1e-5;
      type Logs = { l: Float64Array; s: number; n: number };
      // Central difference of the value along one log-hyperparameter, moved by `edit(logs, ±h)`.
      const difference = (edit: (logs: Logs, step: number) => void): number => {
        const at = (step: number): number => {
          const logs = { l: base.lengthscales.map(Math.log), s: Math.log(base.signalVariance), n: Math.log(base.noiseVariance) };
          edit(logs, step);
          return lml({ lengthscales: logs.l.map(Math.exp), signalVariance: Math.exp(logs.s), noiseVariance: Math.exp(logs.n) });
        };
        return (at(h) - at(-h)) / (2 * h);
      };
      const expectedLengthscales = lengthscales.map((_, i) => difference((logs, step) => (logs.l[i] += step)));
      assertAllClose(gradient.logLengthscales, expectedLengthscales, { rtol: 1e-6, atol: 1e-7, what: 'd/dlog l' });
      assertAllClose([gradient.logSignalVariance], [difference((logs, step) => (logs.s += step))], { rtol: 1e-6, atol: 1e-7, what: 'd/dlog σ_f²' });
      assertAllClose([gradient.logNoiseVariance], [difference((logs, step) => (logs.n += step))], { rtol: 1e-6, atol: 1e-7, what: 'd/dlog σ_n²' });
    });
  }
}

test('the value equals log N(ỹ; 0, K) computed independently with ml-matrix', () => {
  const hyperparameters = { lengthscales: new Float64Array([0.9]), signalVariance: 1.5, noiseVariance: 0.01 };
  const { value } = logMarginalLikelihood(points, values, { kernel: 'rbf', hyperparameters, targetScaling: 'none' });
  const n = points.length;
  const k = new Matrix(n, n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const s = points[a]!.reduce((t, v, i) => t + (v - points[b]![i]!) ** 2, 0) / 0.81;
      k.set(a, b, 1.5 * Math.exp(-s / 2) + (a === b ? 0.01 : 0));
    }
  }
  const cholesky = new CholeskyDecomposition(k);
  const alpha = cholesky.solve(Matrix.columnVector(values)).getColumn(0);
  let logDet = 0;
  for (let a = 0; a < n; a++) logDet += 2 * Math.log(cholesky.lowerTriangularMatrix.get(a, a));
  const expected = -0.5 * values.reduce((t, y, a) => t + y * alpha[a]!, 0) - 0.5 * logDet - (n / 2) * Math.log(2 * Math.PI);
  assert.ok(Math.abs(value - expected) < 1e-9 * Math.abs(expected), `${value} vs ${expected}`);
  assert.equal(new GaussianProcess(points, values, { kernel: 'rbf', hyperparameters, targetScaling: 'none' }).logMarginalLikelihood, value);
});
