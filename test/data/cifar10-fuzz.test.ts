import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { CIFAR10_FILES, decodeCifar10Batch, loadCifar10 } from '../../src/data/cifar10.js';
import { FUZZ, fuzzRuns, mutate, mutation, readOrRefuse, readOrRefuseAsync } from '../fuzz.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-cifar10-fuzz-'));
after(() => rmSync(root, { recursive: true, force: true }));

const FILE = 'data_batch_fuzz.bin';
const RECORD = 3073;
const FILES = [...CIFAR10_FILES.train, ...CIFAR10_FILES.test];

/** `labels.length` records: each label byte, then pixels from a counter. */
function batch(labels: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * RECORD);
  labels.forEach((label, r) => {
    bytes[r * RECORD] = label;
    for (let i = 1; i < RECORD; i++) bytes[r * RECORD + i] = (r + i) % 256;
  });
  return bytes;
}

test('any CIFAR-10 batch bytes are whole records with labels below 10, or refused naming the file', () => {
  const sized = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -2, max: 2 })).chain(([records, delta]) => fc.uint8Array({ minLength: Math.max(records * RECORD + delta, 0), maxLength: Math.max(records * RECORD + delta, 0) }));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), sized), (bytes) => {
      const records = readOrRefuse(() => decodeCifar10Batch(bytes, FILE), FILE);
      if (records) {
        assert.ok(records.length > 0 && records.length % RECORD === 0);
        for (let r = 0; r < records.length; r += RECORD) assert.ok(records[r]! < 10);
      }
    }),
    fuzzRuns(60),
  );
});

test('a mutated batch is refused when cut or padded, and read as the same records otherwise', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(9), { minLength: 1, maxLength: 3 }).chain((labels) => fc.tuple(fc.constant(labels), mutation(labels.length * RECORD))),
      ([labels, m]) => {
        const bytes = mutate(batch(labels), m);
        const records = readOrRefuse(() => decodeCifar10Batch(bytes, FILE), FILE);
        // A cut at a record boundary is a whole batch on its own: loadCifar10 catches it by the record counts.
        if ((m.kind === 'truncate' && m.at % RECORD !== 0) || (m.kind === 'append' && m.bytes.length % RECORD !== 0)) assert.equal(records, undefined);
        if (records) assert.equal(records.length, bytes.length);
      },
    ),
    FUZZ,
  );
});

test('a CIFAR-10 directory loads only when every batch is whole and as long as the others', async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(fc.nat({ max: 10 }), { minLength: 1, maxLength: 3 }), { minLength: 6, maxLength: 6 }), async (files) => {
      const dir = join(root, `d${n++}`);
      mkdirSync(dir);
      files.forEach((labels, f) => writeFileSync(join(dir, FILES[f]!), batch(labels)));
      const split = await readOrRefuseAsync(() => loadCifar10(dir), dir);
      const whole = files.every((labels) => labels.length === files[0]!.length && labels.every((label) => label < 10));
      assert.equal(split !== undefined, whole, `${JSON.stringify(files)} was ${split ? 'read' : 'refused'}`);
      if (split) {
        assert.deepEqual(Array.from(split.train.y), files.slice(0, 5).flat());
        assert.deepEqual(Array.from(split.test.y), files[5]);
      }
      rmSync(dir, { recursive: true });
    }),
    fuzzRuns(40),
  );
});
