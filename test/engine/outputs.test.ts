import assert from 'node:assert/strict';
import { test } from 'node:test';
import { input } from '../../src/engine/ir/tensor.js';
import { add } from '../../src/engine/ops/add.js';
import { mul } from '../../src/engine/ops/mul.js';
import { compile } from '../../src/engine/runtime/compile.js';

test('pre-allocated outputs are written in place, into views of one array; the others are allocated', async () => {
  const a = input('a', 'float32', [2, 2]);
  const b = input('b', 'float32', [4]);
  const program = await compile({ inputs: [a, b], outputs: [add(a, a), mul(b, b), add(b, b)] });
  const flat = new Float32Array(10).fill(-1);
  const feeds = { a: Float32Array.of(1, 2, 3, 4), b: Float32Array.of(1, 2, 3, 4) };
  const outputs = await program.run(feeds, [flat.subarray(1, 5), undefined, flat.subarray(5, 9)]);
  assert.deepEqual([...flat], [-1, 2, 4, 6, 8, 2, 4, 6, 8, -1]);
  assert.equal(outputs[0]!.data.buffer, flat.buffer, 'the result shares the given array');
  assert.deepEqual([...(outputs[1]!.data as Float32Array)], [1, 4, 9, 16]);
  await program.dispose();
});

test('an output can only be written into an array of its size, with a static shape', async () => {
  const x = input('x', 'float32', ['batch', 3]);
  const w = input('w', 'float32', [3]);
  const program = await compile({ inputs: [x, w], outputs: [mul(x, w), add(w, w)] });
  const feeds = { x: new Float32Array(6), w: new Float32Array(3) };
  await assert.rejects(program.run(feeds, [undefined, new Float32Array(4)]), { name: 'RangeError', message: /output 1 \(float32\[3\]\) cannot be written into a Float32Array of length 4/ });
  await assert.rejects(program.run(feeds, [new Float32Array(6)]), { name: 'RangeError', message: /output 0 \(float32\[batch, 3\]\)/ });
  await program.dispose();
});
