import type { Tensor } from '../engine/ir/tensor.js';

/** How a parameter's initial values are drawn (fans are per output unit, as in PyTorch). */
export type Init =
  | { readonly kind: 'kaiming'; readonly fanIn: number }
  | { readonly kind: 'glorot'; readonly fanIn: number; readonly fanOut: number }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' };

/** A parameter a module declares: a local name, a shape and an initialiser. */
export interface ParamDecl {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
}

/**
 * What a module sees while its graph is built. The same module code builds every
 * variant an estimator needs: plain, with K perturbed weight copies, with marked
 * activity sites.
 */
export interface BuildContext {
  /** This module's parameter `name`, shaped [...lead, ...declared shape]. */
  param(name: string): Tensor;
  /** Leading perturbation axes on parameters (0, or 1 for K weight copies in one call). */
  readonly lead: number;
  /**
   * Marks `z` as an activity site, a pre-activation that activity perturbation acts on;
   * `mask` (same shape, 0/1) says which units are live (inactive ReLU units are not
   * perturbed). Returns the value to use downstream (z, or z plus noise).
   */
  activity(z: Tensor, mask?: Tensor): Tensor;
  /** The context of a child module (its parameters are prefixed with `name.`). */
  child(name: string): BuildContext;
}

/** A layer or a composition of layers. */
export interface Module {
  /** Short kind for summaries ('linear', 'conv2d', …). */
  readonly kind: string;
  /** Parameters this module owns directly. */
  params(): readonly ParamDecl[];
  /** Named sub-modules, in order. */
  children(): readonly (readonly [string, Module])[];
  /** Builds the module's output for input `x`. */
  apply(ctx: BuildContext, x: Tensor): Tensor;
}

/** Every parameter of `module` and its children, with dotted full names. */
export function allParams(module: Module, prefix = ''): ParamDecl[] {
  const own = module.params().map((p) => ({ ...p, name: `${prefix}${p.name}` }));
  return [...own, ...module.children().flatMap(([name, child]) => allParams(child, `${prefix}${name}.`))];
}
