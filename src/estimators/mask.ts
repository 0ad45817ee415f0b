/** g ⊙ mask in place (0/1 per entry of θ), returning g: masked entries get no gradient. */
export function masked(grad: Float32Array, mask: Float32Array | undefined): Float32Array {
  if (mask === undefined) return grad;
  if (mask.length !== grad.length) throw new RangeError(`mask has length ${mask.length}, the gradient ${grad.length}`);
  for (let i = 0; i < grad.length; i++) grad[i]! *= mask[i]!;
  return grad;
}
