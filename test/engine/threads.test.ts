import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { input } from '../../src/engine/ir/tensor.js';
import { add } from '../../src/engine/ops/add.js';
import { compile } from '../../src/engine/runtime/compile.js';
import { freeCores, threadsFor } from '../../src/engine/runtime/onnxruntime.js';

test('the default intra-op threads: one per free core, decided once per process; asked-for threads win', async () => {
  const free = await freeCores();
  assert.ok(Number.isInteger(free) && free! >= 1 && free! <= availableParallelism(), `free cores ${free}`);
  const chosen = await threadsFor({});
  assert.ok(chosen! >= 1 && chosen! <= availableParallelism());
  assert.equal(await threadsFor({}), chosen, 'the same for every program of the process');
  assert.equal(await threadsFor({ threads: 3 }), 3);
});

test('programs run with spinning threads, without, and with the default', async () => {
  const a = input('a', 'float32', [3]);
  for (const options of [{}, { threads: 2, spinning: true }, { threads: 2, spinning: false }, { threads: 1 }]) {
    const program = await compile({ inputs: [a], outputs: [add(a, a)] }, options);
    assert.deepEqual([...((await program.run({ a: Float32Array.of(1, 2, 3) }))[0]!.data as Float32Array)], [2, 4, 6], JSON.stringify(options));
    await program.dispose();
  }
});
