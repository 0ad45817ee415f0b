import type { Shape } from './shape.js';
import { formatShape } from './shape.js';

/** Shape, dtype or rule failure while building or transforming one op; names the op, its inputs and its scope. */
export class OpError extends Error {
  override readonly name = 'OpError';

  constructor(
    readonly op: string,
    readonly inputs: readonly { dtype: string; shape: Shape }[],
    readonly scope: string,
    readonly reason: string,
  ) {
    const args = inputs.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ');
    super(`${op}(${args})${scope ? ` in '${scope}'` : ''}: ${reason}`);
  }
}
