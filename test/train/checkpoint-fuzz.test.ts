import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from '../../src/train/checkpoint.js';
import { FUZZ, mutate, mutation, readOrRefuse } from '../fuzz.js';

const FILE = 'fuzz.fpck';

const floats = fc.array(fc.float({ noNaN: true }), { maxLength: 6 }).map((v) => Float32Array.from(v));
const count = fc.nat({ max: 1000 });
const checkpoint: fc.Arbitrary<Checkpoint> = fc.record({
  config: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  progress: fc.record({ epoch: count, batch: count, step: count, updates: count, queries: count, seconds: fc.double({ min: 0, max: 1e6, noNaN: true }) }),
  params: floats,
  optimizer: fc.array(floats, { maxLength: 3 }).map((buffers) => ({ json: buffers.map((_, i) => ({ f32: i })), buffers })),
  extras: fc.dictionary(fc.constantFrom('estimator', 'allocator'), fc.array(floats, { maxLength: 2 }).map((buffers) => ({ json: { n: buffers.length }, buffers }))),
});

/** Bytes with a valid magic, layout and CRC around any header: what only a foreign program or version could write. */
function frame(header: unknown, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = (12 + json.length + 3) & ~3;
  const bytes = new Uint8Array(headerEnd + body.length + 4);
  bytes.set(new TextEncoder().encode('FPCKPT01'));
  const view = new DataView(bytes.buffer);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  bytes.set(body, headerEnd);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

test('any checkpoint round-trips bit for bit', () => {
  fc.assert(
    fc.property(checkpoint, (c) => {
      const back = decodeCheckpoint(encodeCheckpoint(c), FILE);
      // The config is stored as JSON (so -0 comes back as 0); structuredClone because fast-check builds
      // some objects without a prototype, and the decoder's have Object's.
      assert.deepEqual(back, structuredClone({ ...c, config: JSON.parse(JSON.stringify(c.config)) as Checkpoint['config'], extras: c.extras ?? {} }));
    }),
    FUZZ,
  );
});

test('every mutation of a checkpoint is refused naming the file', () => {
  fc.assert(
    fc.property(
      checkpoint.chain((c) => {
        const bytes = encodeCheckpoint(c);
        return fc.tuple(fc.constant(bytes), mutation(bytes.length));
      }),
      ([bytes, m]) => {
        const decoded = readOrRefuse(() => decodeCheckpoint(mutate(bytes, m), FILE), FILE);
        assert.equal(decoded, undefined, `a checkpoint with a ${m.kind} mutation was accepted`);
      },
    ),
    FUZZ,
  );
});

test('any bytes, or any header behind a valid checksum, decode to a well-formed checkpoint or are refused', () => {
  const header = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        config: fc.oneof(fc.object({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })),
        progress: fc.oneof(fc.record({ epoch: fc.integer(), batch: count, step: count, queries: count, seconds: fc.double() }), fc.jsonValue({ maxDepth: 1 })),
        optimizer: fc.jsonValue({ maxDepth: 2 }),
        extras: fc.oneof(fc.dictionary(fc.string({ maxLength: 3 }), fc.record({ json: fc.jsonValue({ maxDepth: 1 }), buffers: fc.integer({ min: -1, max: 3 }) })), fc.jsonValue({ maxDepth: 1 })),
        buffers: fc.oneof(fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
  );
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.tuple(header, fc.uint8Array({ maxLength: 48 })).map(([h, body]) => frame(h, body))), (bytes) => {
      const c = readOrRefuse(() => decodeCheckpoint(bytes, FILE), FILE);
      if (!c) return;
      assert.ok(c.params instanceof Float32Array);
      assert.ok(c.optimizer.buffers.every((b) => b instanceof Float32Array));
      for (const key of ['epoch', 'batch', 'step', 'queries'] as const) assert.ok(Number.isSafeInteger(c.progress[key]) && c.progress[key] >= 0);
      assert.ok(c.progress.seconds >= 0);
      const total = 1 + c.optimizer.buffers.length + Object.values(c.extras ?? {}).reduce((n, e) => n + e.buffers.length, 0);
      assert.equal(total, (JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)))) as { buffers: number[] }).buffers.length);
    }),
    FUZZ,
  );
});

test('headers that fuzzing found the old decoder mishandling are refused by name', () => {
  const cases: [unknown, number[], string][] = [
    // TypeError: Cannot read properties of undefined (reading 'reduce').
    [{}, [], 'corrupt header (buffers is not a non-empty list of element counts)'],
    [null, [], 'corrupt header (not a JSON object)'],
    // RangeError: Invalid typed array length: -1.
    [{ buffers: [-1, 1] }, [], 'corrupt header (buffers is not a non-empty list of element counts)'],
    // Accepted: the parameters were handed out as the extra's buffer, and the optimiser's state as absent.
    [{ config: {}, progress: { epoch: 0, batch: 0, step: 0, updates: 0, queries: 0, seconds: 0 }, optimizer: [], buffers: [1], extras: { a: { json: 0, buffers: 5 } } }, [0, 0, 0, 0], 'the extras claim 5 buffers, but only 0 follow the parameters'],
    // Accepted with no config, progress or optimiser state.
    [{ buffers: [0] }, [], 'config is not a JSON object'],
    [{ config: {}, progress: { epoch: 1, batch: 0, step: 0, updates: 0, queries: 0 }, optimizer: [], buffers: [0] }, [], 'progress is not {epoch, batch, step, queries: counts; seconds: ≥ 0}'],
    [{ config: {}, progress: { epoch: 0, batch: 0, step: 0, updates: 0, queries: 0, seconds: 0 }, buffers: [0] }, [], 'the optimiser state is missing'],
  ];
  for (const [header, body, why] of cases) {
    assert.throws(() => decodeCheckpoint(frame(header, Uint8Array.from(body)), FILE), { name: 'Error', message: `checkpoint ${FILE} is unusable: ${why}` }, JSON.stringify(header));
  }
});
