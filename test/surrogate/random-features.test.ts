import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Matrix, solve } from 'ml-matrix';
import { RandomFourierFeatures, averageRandomFeatureModels } from '../../src/surrogate/index.js';
import { assertAllClose, dot } from '../helpers.js';
import { normalVector, numericGradient, uniformPoints } from './fixtures.js';

test('φ(x)ᵀφ(y) approximates the RBF kernel with an error falling like 1/√M (fitted slope over M = 100…10,000)', () => {
  const lengthscale = 1.3;
  const xs = uniformPoints(20, 3, 1, -1, 1);
  const ys = uniformPoints(20, 3, 2, -1, 1);
  const sizes = [100, 316, 1000, 3162, 10_000];
  const errors = sizes.map((features) => {
    let squared = 0;
    for (let seed = 0; seed < 4; seed++) {
      const rff = new RandomFourierFeatures({ dimension: 3, features, lengthscale, seed });
      xs.forEach((x, k) => {
        const exact = Math.exp(-xs[k]!.reduce((s, v, i) => s + (v - ys[k]![i]!) ** 2, 0) / (2 * lengthscale ** 2));
        squared += (dot(rff.transform(x), rff.transform(ys[k]!)) - exact) ** 2;
      });
    }
    return Math.sqrt(squared / (4 * xs.length));
  });
  // Least-squares slope of log error against log M.
  const lx = sizes.map(Math.log);
  const ly = errors.map(Math.log);
  const mx = lx.reduce((a, b) => a + b) / lx.length;
  const my = ly.reduce((a, b) => a + b) / ly.length;
  const slope = lx.reduce((s, x, k) => s + (x - mx) * (ly[k]! - my), 0) / lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  assert.ok(Math.abs(slope + 0.5) < 0.1, `slope ${slope}, errors ${errors}`);
  assert.ok(errors.at(-1)! < 0.02, `RMS error at M = 10,000: ${errors.at(-1)}`);
});

test('the analytic gradient of the fitted surrogate matches central differences of its value', () => {
  const rff = new RandomFourierFeatures({ dimension: 4, features: 300, lengthscale: 0.8, seed: 7 });
  const points = uniformPoints(30, 4, 3, -1, 1);
  const model = rff.fit(points, points.map((x) => Math.sin(x[0]!) + x[1]! * x[2]! - x[3]! ** 2), { onWarning: null });
  for (const x of uniformPoints(4, 4, 4, -1.5, 1.5)) {
    assertAllClose(rff.gradient(model, x), numericGradient((z) => rff.value(model, z), x, 1e-5), { rtol: 1e-6, atol: 1e-8, what: `∇μ̂ at [${x}]` });
  }
});

test('with n ≤ M and no ridge the fit interpolates the data (the minimum-norm solution)', () => {
  const rff = new RandomFourierFeatures({ dimension: 2, features: 400, seed: 1 });
  const points = uniformPoints(25, 2, 9, 0, 3);
  const values = points.map((x) => 5 + Math.cos(x[0]!) * x[1]!);
  const model = rff.fit(points, values);
  assert.equal(model.jitter, 0);
  assert.equal(model.offset, Math.min(...values));
  points.forEach((x, a) => assert.ok(Math.abs(rff.value(model, x) - values[a]!) < 1e-6, `point ${a}: ${rff.value(model, x)} vs ${values[a]}`));
  // Minimum norm: w lies in the row space of Φ, so it has no component orthogonal to the features of the data.
  const phi = new Matrix(points.map((x) => Array.from(rff.transform(x))));
  const rowSpace = phi.transpose().mmul(solve(phi.mmul(phi.transpose()), phi.mmul(Matrix.columnVector(Array.from(model.weights)))));
  assertAllClose(rowSpace.getColumn(0), model.weights, { rtol: 1e-6, atol: 1e-9, what: 'the projection of w on the row space' });
});

test('with n > M the fit is the least-squares solution (checked against ml-matrix\'s QR solve)', () => {
  const rff = new RandomFourierFeatures({ dimension: 3, features: 20, lengthscale: 2, seed: 5 });
  const points = uniformPoints(60, 3, 8, -1, 1);
  const values = points.map((x) => x[0]! - 2 * x[1]! + x[2]! ** 2);
  const model = rff.fit(points, values, { offset: 'mean' });
  const phi = new Matrix(points.map((x) => Array.from(rff.transform(x))));
  const mean = values.reduce((a, b) => a + b) / values.length;
  const expected = solve(phi, Matrix.columnVector(values.map((v) => v - mean))).getColumn(0);
  assertAllClose(model.weights, expected, { rtol: 1e-7, atol: 1e-9 });
  assert.equal(model.offset, mean);
});

test('a ridge penalty shrinks the weights; the same seed gives the same features, another seed others', () => {
  const points = uniformPoints(15, 2, 2);
  const values = points.map((x) => x[0]! * 3);
  const rff = new RandomFourierFeatures({ dimension: 2, features: 50, seed: 3 });
  const norm = (w: Float64Array): number => Math.sqrt(dot(w, w));
  assert.ok(norm(rff.fit(points, values, { ridge: 1 }).weights) < norm(rff.fit(points, values, { ridge: 1e-3 }).weights));
  const again = new RandomFourierFeatures({ dimension: 2, features: 50, seed: 3 });
  assert.deepEqual(again.frequencies, rff.frequencies);
  assert.deepEqual(again.phases, rff.phases);
  assert.notDeepEqual(new RandomFourierFeatures({ dimension: 2, features: 50, seed: 4 }).frequencies, rff.frequencies);
  assert.ok(rff.phases.every((b) => b >= 0 && b < 2 * Math.PI));
});

test('the averaged model is the mean of the clients\' models, and so is its gradient', () => {
  const rff = new RandomFourierFeatures({ dimension: 3, features: 200, seed: 11 });
  const models = [0, 1, 2].map((client) => {
    const points = uniformPoints(20, 3, 30 + client, -1, 1);
    const shift = normalVector(3, client);
    return rff.fit(points, points.map((x) => dot(x, shift) + client), { onWarning: null });
  });
  const average = averageRandomFeatureModels(models);
  const x = new Float64Array([0.2, -0.1, 0.4]);
  const meanGradient = models.map((m) => rff.gradient(m, x)).reduce((a, g) => a.map((v, i) => v + g[i]! / 3), new Float64Array(3));
  assertAllClose(rff.gradient(average, x), meanGradient, { rtol: 1e-12, atol: 1e-14 });
  assert.ok(Math.abs(rff.value(average, x) - models.reduce((s, m) => s + rff.value(m, x) / 3, 0)) < 1e-12);
  assert.throws(() => averageRandomFeatureModels([]), /^RangeError: models must be a non-empty array/);
  assert.throws(() => averageRandomFeatureModels([models[0]!, { weights: new Float64Array(3), offset: 0 }]), /^RangeError: models\[1\].weights must have length 200, got 3/);
});

test('the RFF surrogate\'s gradient tracks the true gradient of a smooth function inside the data', () => {
  const rff = new RandomFourierFeatures({ dimension: 2, features: 2000, lengthscale: 1, seed: 2 });
  const f = (x: Float64Array): number => Math.sin(x[0]!) + Math.cos(0.7 * x[1]!);
  const points = uniformPoints(150, 2, 12, 0, 3);
  const model = rff.fit(points, points.map(f), { ridge: 1e-6 });
  for (const x of uniformPoints(5, 2, 13, 1, 2)) {
    const exact = [Math.cos(x[0]!), -0.7 * Math.sin(0.7 * x[1]!)];
    const estimate = rff.gradient(model, x);
    const error = Math.hypot(estimate[0]! - exact[0]!, estimate[1]! - exact[1]!) / Math.hypot(...exact);
    assert.ok(error < 2e-3, `relative gradient error ${error} at [${x}]`);
  }
});
