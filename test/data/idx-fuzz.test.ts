import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeIdx, readIdx } from '../../src/data/idx.js';
import { FUZZ, fuzzRuns, mutate, mutation, readOrRefuse, readOrRefuseAsync } from '../fuzz.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-idx-fuzz-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FILE = 'fuzz-idx3-ubyte';

/** A valid IDX file of the given dims, bytes counting up from `start`. */
function idx(dims: readonly number[], start = 0): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(4 + 4 * dims.length + size);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x800 | dims.length);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  for (let i = 0; i < size; i++) bytes[4 + 4 * dims.length + i] = (start + i) % 256;
  return bytes;
}

const imageDims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }));

/** A returned array is consistent: the header's sizes account for exactly the bytes after it. */
function assertConsistent(bytes: Uint8Array, rank: 1 | 3, array: { dims: readonly number[]; data: Uint8Array }): void {
  assert.equal(array.dims.length, rank);
  assert.equal(array.data.length, array.dims.reduce((a, b) => a * b, 1));
  assert.equal(bytes.length, 4 + 4 * rank + array.data.length);
}

test('any byte string is read as a consistent IDX array or refused naming the file', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), fc.constantFrom<1 | 3>(1, 3), (bytes, rank) => {
      const array = readOrRefuse(() => decodeIdx(bytes, FILE, rank), FILE);
      if (array) assertConsistent(bytes, rank, array);
    }),
    FUZZ,
  );
  // Random bytes rarely pass the magic number; these do, and then exercise the sizes.
  fc.assert(
    fc.property(fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), fc.uint8Array({ maxLength: 64 }), (dims, body) => {
      const bytes = new Uint8Array(16 + body.length);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, 0x803);
      dims.forEach((d, k) => view.setUint32(4 + 4 * k, d % 2 ** 32));
      bytes.set(body, 16);
      const array = readOrRefuse(() => decodeIdx(bytes, FILE, 3), FILE);
      if (array) assertConsistent(bytes, 3, array);
    }),
    FUZZ,
  );
});

test('a mutated IDX file is refused or keeps its shape; a truncated or padded one is always refused', () => {
  fc.assert(
    fc.property(
      imageDims.chain((dims) => fc.tuple(fc.constant(dims), mutation(16 + dims[0] * dims[1] * dims[2]))),
      ([dims, m]) => {
        const valid = idx(dims);
        const bytes = mutate(valid, m);
        const array = readOrRefuse(() => decodeIdx(bytes, FILE, 3), FILE);
        if (m.kind === 'truncate' || m.kind === 'append') assert.equal(array, undefined, `a ${m.kind}d file was read as ${array?.dims.join('×')}`);
        if (array) assertConsistent(bytes, 3, array);
      },
    ),
    FUZZ,
  );
});

test('a mutated .gz IDX file is refused or reads exactly as the original', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.integer({ min: 1, max: 40 }), fc.nat(255)).chain(([count, start]) => {
        const gz = gzipSync(idx([count], start));
        return fc.tuple(fc.constant([count, start] as const), fc.constant(gz), mutation(gz.length));
      }),
      async ([[count, start], gz, m]) => {
        const file = join(root, `labels-${n++}.gz`);
        writeFileSync(file, mutate(gz, m));
        const array = await readOrRefuseAsync(() => readIdx(file, 1), file);
        // Gzip's CRC-32 and length trailer catch changes to the data; changes it ignores (the header's
        // mtime, trailing zeros) must leave the array as it was.
        if (array) {
          assert.deepEqual(array.dims, [count]);
          assert.deepEqual(Array.from(array.data), Array.from(idx([count], start).subarray(8)));
        }
      },
    ),
    fuzzRuns(60),
  );
});
