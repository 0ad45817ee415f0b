import type { Tensor } from '../engine/ir/tensor.js';
import { reshape } from '../engine/ops/reshape.js';

/**
 * A parameter [...lead, ...core] reshaped to [...lead, 1, …, 1, ...core] with `rank`
 * dims, so that it broadcasts against activations [...lead, batch, …] of that rank.
 * With no perturbation axis this is the parameter itself (numpy broadcasting aligns
 * trailing dims already).
 */
export function alignParam(p: Tensor, lead: number, rank: number): Tensor {
  if (lead === 0 || p.rank >= rank) return p;
  const shape = p.shape;
  return reshape(p, [...shape.slice(0, lead), ...new Array<number>(rank - p.rank).fill(1), ...shape.slice(lead)]);
}
