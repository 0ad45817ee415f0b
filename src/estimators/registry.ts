import type { Model } from '../nn/model.js';
import { ModelLossOracle } from '../objectives/model-oracle.js';
import { bp, fa } from './bp.js';
import { cge } from './cge.js';
import { dfa } from './dfa.js';
import type { Estimator, EstimatorContext, EstimatorDescriptor } from './estimator.js';
import { fgA } from './fg-a.js';
import { fgW } from './fg-w.js';
import { localGroupFgA } from './lg-fg-a.js';
import { localGroupFgW } from './lg-fg-w.js';
import { localBp, localFa, localGroupBp, localGroupFa } from './local-bp.js';
import { likelihoodRatio } from './lr.js';
import { mgd } from './mgd.js';
import { resolveOptions } from './options.js';
import { prgf } from './prgf.js';
import { rgf } from './rgf.js';
import { spsa } from './spsa.js';
import { surrogate } from './surrogate.js';

/**
 * Every method by its name. A new estimator is one file exporting its descriptor, plus a
 * line here: the trainer, the CLI (flags, help, validation) and the conformance tests
 * pick it up from the descriptor. The local-loss methods (l-*, lg-*) follow Ren et al.
 * (2023): L = per-block losses split per patch, LG = also per channel group.
 */
export const ESTIMATORS = {
  bp,
  'l-bp': localBp,
  'lg-bp': localGroupBp,
  fa,
  'l-fa': localFa,
  'lg-fa': localGroupFa,
  dfa,
  'fg-w': fgW,
  'fg-a': fgA,
  'lg-fg-w': localGroupFgW,
  'lg-fg-a': localGroupFgA,
  lr: likelihoodRatio,
  spsa,
  cge,
  rgf,
  prgf,
  surrogate,
  mgd,
} as const satisfies Record<string, EstimatorDescriptor>;

export type EstimatorName = keyof typeof ESTIMATORS;

export function isEstimatorName(name: string): name is EstimatorName {
  return Object.hasOwn(ESTIMATORS, name);
}

/** The descriptor of a method; throws a RangeError listing the valid names. */
export function descriptor(name: string): EstimatorDescriptor {
  if (!isEstimatorName(name)) throw new RangeError(`unknown method '${name}'; methods: ${Object.keys(ESTIMATORS).join(', ')}`);
  return ESTIMATORS[name];
}

/** Throws a RangeError when a method cannot train this objective (or, for local losses, this model). */
export function checkApplies(method: EstimatorDescriptor, objective: string, model?: Model): void {
  if (method.objectives && !method.objectives.some((o) => objective === o || objective.startsWith(`${o}:`))) {
    throw new RangeError(`method ${method.name} trains ${method.objectives.join(' or ')} only, not objective '${objective}'`);
  }
  if (method.localHeads && model && model.forward(model.inputTensor(), model.paramInputs()).blocks.length === 0) {
    throw new RangeError(`method ${method.name} needs a model built of blocks with local heads (a localmixer), not '${model.spec}'`);
  }
}

/**
 * Builds method `name` with `options` (checked against its descriptor, defaults filled).
 * Loss-only methods given a model and no oracle evaluate through the model's compiled
 * program (ModelLossOracle); graph methods need the model. Throws RangeError/TypeError
 * naming the method and the option.
 */
export function createEstimator(name: string, context: EstimatorContext, options: Readonly<Record<string, unknown>> = {}): Estimator {
  const method = descriptor(name);
  const resolved = resolveOptions(name, method.options, options);
  method.check?.(resolved);
  if (context.objective) checkApplies(method, context.objective.name, context.model);
  if (method.needs !== 'losses' || context.oracle !== undefined || !context.model || !context.objective) return method.create(context, resolved);
  // The oracle made here belongs to the estimator: disposing one releases both.
  const oracle = new ModelLossOracle(context.model, context.objective, context.compile);
  const estimator = method.create({ ...context, oracle }, resolved);
  const dispose = estimator.dispose.bind(estimator);
  return Object.assign(estimator, { dispose: async () => Promise.all([dispose(), oracle.dispose()]).then(() => undefined) });
}
