import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adam, adamw, applyUpdates, cosine, sgd, type GradientTransformation } from '../../src/optim/index.js';
import { assertAllClose } from '../helpers.js';

// f(θ) = ½·Σ λᵢ(θᵢ − θ*ᵢ)² with curvatures λ from μ = 1 to L = 100, log-spaced: condition number 100.
const P = 20;
const [mu, L] = [1, 100];
const curvature = Float64Array.from({ length: P }, (_, i) => mu * (L / mu) ** (i / (P - 1)));
const target = Float64Array.from({ length: P }, (_, i) => Math.sin(i + 1));

function loss(params: Float32Array, shift = 0): number {
  let sum = 0;
  for (let i = 0; i < P; i++) sum += 0.5 * curvature[i]! * (params[i]! - target[i]! + shift) ** 2;
  return sum;
}

/** Runs `steps` steps from θ = 0 and returns θ. */
function minimise(optimizer: GradientTransformation, steps: number): Float32Array {
  const params = new Float32Array(P);
  const gradient = new Float32Array(P);
  let state = optimizer.init(params);
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < P; i++) gradient[i] = curvature[i]! * (params[i]! - target[i]!);
    const result = optimizer.update(gradient, state, params, step);
    state = result.state;
    applyUpdates(params, result.updates);
  }
  return params;
}

const relativeLoss = (params: Float32Array): number => loss(params) / loss(new Float32Array(P));
const sqrtKappa = Math.sqrt(L / mu);

test('each recipe minimises a badly conditioned quadratic', () => {
  const cases: [string, GradientTransformation, number][] = [
    ['sgd', sgd(2 / (L + mu)), 500],
    // Polyak's tuning: lr = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))².
    ['momentum', sgd(4 / (Math.sqrt(L) + Math.sqrt(mu)) ** 2, { momentum: ((sqrtKappa - 1) / (sqrtKappa + 1)) ** 2 }), 100],
    ['nesterov', sgd(1 / L, { momentum: (sqrtKappa - 1) / (sqrtKappa + 1), nesterov: true }), 100],
    ['adam', adam(0.1), 200],
    ['adam, cosine schedule', adam(cosine(0.1, { totalSteps: 300, warmupSteps: 10 })), 300],
    ['adamw', adamw(0.1), 200],
  ];
  for (const [name, optimizer, steps] of cases) {
    const reached = relativeLoss(minimise(optimizer, steps));
    assert.ok(reached < 1e-8, `${name}: loss fell only to ${reached} of the initial loss in ${steps} steps`);
  }
});

test('momentum accelerates: plain SGD is still far off when Polyak momentum has converged', () => {
  assert.ok(relativeLoss(minimise(sgd(2 / (L + mu)), 100)) > 1e-3);
});

test('SGD with coupled weight decay converges to the ridge solution λθ*/(λ + wd)', () => {
  const weightDecay = 3;
  const params = minimise(sgd(1 / (L + weightDecay), { momentum: 0.5, weightDecay }), 1000);
  assertAllClose(params, Array.from(target, (t, i) => (curvature[i]! * t) / (curvature[i]! + weightDecay)), { rtol: 1e-5, atol: 1e-6 });
});

test('Nesterov needs momentum', () => {
  assert.throws(() => sgd(0.1, { nesterov: true }), /^RangeError: nesterov needs momentum > 0/);
});
