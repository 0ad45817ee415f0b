import { OpError } from '../ir/errors.js';
import { formatShape, shapesEqual } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';

/** Fails loudly when a derivative rule returns a value of the wrong type for `like`. */
export function checkRuleResult(node: Tensor, rule: string, result: Tensor, like: Tensor, what: string): void {
  if (result.dtype !== like.dtype || !shapesEqual(result.shape, like.shape)) {
    throw new OpError(node.op, node.inputs, node.scope, `${rule} rule returned ${result.dtype}${formatShape(result.shape)} for ${what}, expected ${like.dtype}${formatShape(like.shape)}`);
  }
}

/** Checks that a user-supplied tangent or cotangent matches its primal. */
export function checkPairing(kind: string, primal: Tensor, value: Tensor): void {
  if (value.dtype !== primal.dtype || !shapesEqual(value.shape, primal.shape)) {
    throw new RangeError(`${kind} ${value.dtype}${formatShape(value.shape)} does not match its primal ${primal}`);
  }
}
