import type { Tensor } from '../engine/ir/tensor.js';

/** How a parameter's initial values are drawn (fans are per output unit, as in PyTorch). */
export type Init =
  | { readonly kind: 'kaiming'; readonly fanIn: number }
  | { readonly kind: 'glorot'; readonly fanIn: number; readonly fanOut: number }
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' };

/** A parameter a module declares: a local name, a shape and an initialiser. */
export interface ParamDecl {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: Init;
  /**
   * For layers whose outputs split into channel groups, each with its own local loss:
   * axis `axis` of the parameter splits into `count` equal contiguous chunks, chunk g
   * feeding group g. Weight perturbation with group losses credits each chunk with its
   * own group's directional derivative.
   */
  readonly groups?: { readonly axis: number; readonly count: number };
}

/** How the outputs of a block with local losses are laid out: [..., batch, patches, channels]. */
export interface BlockLayout {
  readonly patches: number;
  readonly groups: number;
  /** The block's local classifier head: weight [channels, classes] and bias [classes]. */
  readonly head: { readonly weight: Tensor; readonly bias: Tensor };
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
   * perturbed). `slots` maps a per-(example, patch, group) tensor [batch, P, G] of the
   * current block's local losses onto z's shape. Returns the value to use downstream
   * (z, or z plus noise).
   */
  activity(z: Tensor, mask?: Tensor, slots?: (perSlot: Tensor) => Tensor): Tensor;
  /**
   * Ends a block whose output [..., batch, P, C] feeds a local loss. When the graph is
   * built for local losses, returns it behind a stop-gradient, so that later blocks and
   * the readout send nothing back into it.
   */
  endBlock(x: Tensor, layout: BlockLayout): Tensor;
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
