import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GaussianProcess, type GpHyperparameters, type KernelName, type TargetScaling, fitGaussianProcess } from '../../src/surrogate/index.js';
import { assertAllClose } from '../helpers.js';
import { numericGradient, uniformPoints } from './fixtures.js';

const d = 3;
const points = uniformPoints(14, d, 11, -1, 1);
const values = points.map((x) => Math.sin(2 * x[0]!) + x[1]! * x[2]! + 0.5 * x[2]! ** 2);
const configs: { kernel: KernelName; lengthscales: number[]; targetScaling: TargetScaling }[] = [
  { kernel: 'matern52', lengthscales: [0.8], targetScaling: 'standardize' },
  { kernel: 'rbf', lengthscales: [0.8], targetScaling: 'min-max' },
  { kernel: 'matern52', lengthscales: [0.5, 1.2, 2], targetScaling: 'none' },
  { kernel: 'rbf', lengthscales: [0.6, 0.9, 1.5], targetScaling: 'standardize' },
];

function gpOf(config: (typeof configs)[number], noiseVariance = 1e-4): GaussianProcess {
  const hyperparameters: GpHyperparameters = { lengthscales: Float64Array.from(config.lengthscales), signalVariance: 1.3, noiseVariance };
  return new GaussianProcess(points, values, { kernel: config.kernel, hyperparameters, targetScaling: config.targetScaling });
}

for (const config of configs) {
  const label = `${config.kernel}, lengthscales [${config.lengthscales}], ${config.targetScaling}`;

  test(`∇μ matches central differences of μ at random points (${label})`, () => {
    const gp = gpOf(config);
    for (const x of uniformPoints(5, d, 21, -1.2, 1.2)) {
      assertAllClose(gp.meanGradient(x), numericGradient((z) => gp.mean(z), x, 1e-5), { rtol: 1e-6, atol: 1e-7, what: `∇μ at [${x}]` });
    }
  });

  test(`the gradient variance of every input matches mixed differences of the posterior covariance (${label})`, () => {
    const gp = gpOf(config);
    // Cov(∂_i f(x), ∂_i f(x)) = ∂²c(x, z)/∂x_i∂z_i at z = x; Matérn 5/2 has an |r|³ term, so h small.
    const h = config.kernel === 'rbf' ? 1e-3 : 2e-5;
    for (const x of uniformPoints(4, d, 31, -1.2, 1.2)) {
      const expected = Float64Array.from({ length: d }, (_, i) => {
        const shift = (s: number): Float64Array => x.map((v, j) => (j === i ? v + s * h : v));
        const c = (a: number, b: number): number => gp.covariance(shift(a), shift(b));
        return (c(1, 1) - c(1, -1) - c(-1, 1) + c(-1, -1)) / (4 * h * h);
      });
      const prior = gp.priorGradientVariance();
      assertAllClose(gp.gradientVariance(x), expected, { rtol: 2e-3, atol: 1e-4 * Math.max(...prior), what: `gradient variance at [${x}]` });
    }
  });
  test(`the mean gradient uncertainty (one trace) equals the mean over inputs of gradientVariance / prior (${label})`, () => {
    const gp = gpOf(config);
    const prior = gp.priorGradientVariance();
    // Inside the data, at its edge and outside it; far from the origin too (the Gram matrix is centred).
    for (const x of [...uniformPoints(4, d, 41, -1.5, 1.5), new Float64Array([3, -2, 2.5])]) {
      const ratios = gp.gradientVariance(x).map((v, i) => v / prior[i]!);
      const expected = ratios.reduce((s, r) => s + r, 0) / d;
      assert.ok(Math.abs(gp.gradientUncertainty(x) - expected) < 1e-10, `at [${x}]: ${gp.gradientUncertainty(x)} vs ${expected}`);
      assert.equal(gp.gradientUncertainty(x, 'max'), Math.max(...ratios));
    }
  });
}

test('the posterior mean interpolates nearly noise-free data in the caller\'s units, with small variance there', () => {
  for (const config of configs) {
    const gp = gpOf(config, 1e-8);
    points.forEach((x, a) => {
      assert.ok(Math.abs(gp.mean(x) - values[a]!) < 1e-4, `${config.kernel}/${config.targetScaling}: μ(x_${a}) = ${gp.mean(x)}, y = ${values[a]}`);
      assert.ok(gp.variance(x) < 1e-6, `variance at x_${a} is ${gp.variance(x)}`);
    });
  }
});

test('far from the data the gradient variance is the prior σ_f² scale² (−2κ\'(0)) / l_i² and the uncertainty is 1', () => {
  const gp = new GaussianProcess(points, values, {
    kernel: 'matern52',
    hyperparameters: { lengthscales: new Float64Array([0.5, 1, 2]), signalVariance: 2, noiseVariance: 1e-6 },
    targetScaling: 'min-max',
  });
  const scale = Math.max(...values) - Math.min(...values);
  const expected = [0.5, 1, 2].map((l) => (2 * scale ** 2 * (5 / 3)) / l ** 2);
  const far = new Float64Array([100, -100, 100]);
  assertAllClose(gp.gradientVariance(far), expected, { rtol: 1e-12 });
  assertAllClose(gp.priorGradientVariance(), expected, { rtol: 1e-12 });
  assert.equal(gp.gradientUncertainty(far), 1);
  assert.ok(gp.gradientUncertainty(points[0]!, 'max') < 0.5);
  assert.ok(gp.gradientUncertainty(points[0]!, 'mean') <= gp.gradientUncertainty(points[0]!, 'max'));
});

test('a GP fitted on 60 queries around x0 recovers the exact gradient of a quadratic there within 1%', () => {
  const x0 = new Float64Array([0.3, -0.2, 0.5]);
  const a = [
    [2, 0.5, 0],
    [0.5, 1, -0.3],
    [0, -0.3, 3],
  ];
  const b = [1, -2, 0.5];
  const f = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < 3; i++) {
      s += b[i]! * x[i]!;
      for (let j = 0; j < 3; j++) s += 0.5 * x[i]! * a[i]![j]! * x[j]!;
    }
    return s;
  };
  const exact = Float64Array.from({ length: 3 }, (_, i) => b[i]! + a[i]!.reduce((s, aij, j) => s + aij * x0[j]!, 0));
  const queries = uniformPoints(60, 3, 41, -0.5, 0.5).map((p) => p.map((v, i) => v + x0[i]!));
  for (const kernel of ['matern52', 'rbf'] as const) {
    const { gp } = fitGaussianProcess(queries, queries.map(f), { kernel, restarts: 2, seed: 1 });
    const estimate = gp.meanGradient(x0);
    const error = Math.hypot(...estimate.map((g, i) => g - exact[i]!)) / Math.hypot(...exact);
    assert.ok(error < 0.01, `${kernel}: relative gradient error ${error}`);
    assert.ok(gp.gradientUncertainty(x0) < 0.01, `${kernel}: uncertainty ${gp.gradientUncertainty(x0)} at the centre of the queries`);
  }
});

test('duplicated noise-free points take the jitter path: a warning names the amount, the GP still predicts', () => {
  const duplicated = [...points.slice(0, 5), points[2]!, points[2]!];
  const warnings: string[] = [];
  const gp = new GaussianProcess(duplicated, duplicated.map((x) => x[0]!), {
    kernel: 'rbf',
    hyperparameters: { lengthscales: new Float64Array([1]), signalVariance: 1, noiseVariance: 0 },
    onWarning: (message) => warnings.push(message),
  });
  assert.ok(gp.jitter > 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, new RegExp(`^kernel matrix \\(7×7\\) is singular or ill conditioned; added jitter ${gp.jitter.toExponential(2).replace('+', '\\+')}`));
  assert.ok(Math.abs(gp.mean(points[2]!) - points[2]![0]!) < 1e-3);
});

test('bad points, values and options are rejected naming the parameter', () => {
  const hyperparameters = { lengthscales: new Float64Array([1]), signalVariance: 1, noiseVariance: 1e-6 };
  assert.throws(() => new GaussianProcess([], [], { hyperparameters }), /^RangeError: points must hold at least one point/);
  assert.throws(() => new GaussianProcess([points[0]!, new Float64Array(2)], [1, 2], { hyperparameters }), /^RangeError: points\[1\] must have length 3, got 2/);
  assert.throws(() => new GaussianProcess(points, [1], { hyperparameters }), /^RangeError: values must have 14 entries/);
  assert.throws(() => new GaussianProcess(points, values, { hyperparameters, kernel: 'matern32' as KernelName }), /^RangeError: kernel must be one of 'matern52', 'rbf', got matern32/);
  assert.throws(() => new GaussianProcess(points, values, { hyperparameters, targetScaling: 'z' as TargetScaling }), /^RangeError: targetScaling must be one of/);
  assert.throws(() => new GaussianProcess(points, values, { hyperparameters: { ...hyperparameters, lengthscales: new Float64Array([1, 2]) } }), /^RangeError: hyperparameters.lengthscales must have length 1 \(shared\) or 3/);
  assert.throws(() => new GaussianProcess(points, values, { hyperparameters: { ...hyperparameters, signalVariance: 0 } }), /^RangeError: hyperparameters.signalVariance must be a finite number > 0/);
  const gp = new GaussianProcess(points, values, { hyperparameters });
  assert.throws(() => gp.meanGradient(new Float64Array(2)), /^RangeError: x must have length 3, got 2/);
  assert.throws(() => gp.gradientUncertainty(points[0]!, 'median' as 'mean'), /^RangeError: reduce must be one of 'mean', 'max'/);
});
