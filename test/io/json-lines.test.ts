import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { appendJsonLines, parseJsonLines, readJsonLines, truncateJsonLines } from '../../src/io/json-lines.js';
import { FUZZ, fuzzRuns } from '../fuzz.js';

const root = mkdtempSync(join(tmpdir(), 'forwardprop-jsonl-'));
after(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
function file(content?: string): string {
  const path = join(root, `metrics-${files++}.jsonl`);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

const epochs = (from: number, to: number): { step: number; loss: number }[] => Array.from({ length: to - from + 1 }, (_, i) => ({ step: 100 * (from + i), loss: 1 / (from + i + 1) }));
const lines = (records: unknown[]): string => records.map((r) => `${JSON.stringify(r)}\n`).join('');

test('appended records read back; a torn last line is reported, not parsed, and appending after it is refused', async () => {
  const path = file();
  await appendJsonLines(path, epochs(0, 1));
  await appendJsonLines(path, epochs(2, 2));
  await appendJsonLines(path, []);
  assert.deepEqual(await readJsonLines(path), { records: epochs(0, 2), tornBytes: 0 });
  writeFileSync(path, `${lines(epochs(0, 2))}{"step":300,"lo`);
  assert.deepEqual(await readJsonLines(path), { records: epochs(0, 2), tornBytes: 15 });
  await assert.rejects(appendJsonLines(path, epochs(3, 3)), {
    message: `cannot append to JSON-lines file ${path}: its last line is torn (no final newline); truncate it with truncateJsonLines first`,
  });
  // A tail that happens to parse is still torn: '12' may be the start of '123'.
  assert.deepEqual(parseJsonLines(new TextEncoder().encode('{"a":1}\n12'), 'x.jsonl'), { records: [{ a: 1 }], tornBytes: 2 });
  await assert.rejects(appendJsonLines(path, [undefined]), { name: 'TypeError', message: 'records[0] is undefined, which JSON cannot represent' });
});

test('a corrupt complete line is refused naming file and line; blank lines are skipped', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  assert.deepEqual(parseJsonLines(bytes('1\n\n  \n[2]\n'), 'm.jsonl'), { records: [1, [2]], tornBytes: 0 });
  assert.throws(() => parseJsonLines(bytes('{"a":1}\n{"a":\n{"a":3}\n'), 'm.jsonl'), { name: 'Error', message: /^m\.jsonl:2: not a JSON value \(/ });
  assert.throws(() => parseJsonLines(Uint8Array.of(0x31, 0x0a, 0xff, 0x0a), 'm.jsonl'), { name: 'Error', message: 'm.jsonl:2: not UTF-8 text' });
});

test('truncateJsonLines keeps the records up to a checkpoint’s step, byte for byte, and drops a torn tail', async () => {
  const text = `${lines(epochs(0, 4))}{"step":5`;
  const path = file(text);
  assert.deepEqual(await truncateJsonLines(path, (r) => (r as { step: number }).step <= 200), { kept: 3, dropped: 2, tornBytes: 9 });
  assert.equal(readFileSync(path, 'utf8'), lines(epochs(0, 2)));
  // Nothing to cut: the file is not rewritten.
  const before = statSync(path);
  assert.deepEqual(await truncateJsonLines(path, () => true), { kept: 3, dropped: 0, tornBytes: 0 });
  assert.equal(statSync(path).ino, before.ino);
  await appendJsonLines(path, epochs(3, 3));
  assert.deepEqual((await readJsonLines(path)).records, epochs(0, 3));
  assert.deepEqual(await truncateJsonLines(path, () => false), { kept: 0, dropped: 4, tornBytes: 0 });
  assert.equal(readFileSync(path, 'utf8'), '');
  assert.deepEqual(await truncateJsonLines(join(root, 'absent.jsonl'), () => true), { kept: 0, dropped: 0, tornBytes: 0 }, 'a missing log has nothing to cut');
  const corrupt = file(`${lines(epochs(0, 1))}garbage\n${lines(epochs(2, 2))}`);
  await assert.rejects(truncateJsonLines(corrupt, () => true), { message: new RegExp(`^${corrupt}:3: not a JSON value`) });
  await assert.rejects(readJsonLines(root), { message: `cannot read JSON-lines file ${root}: it is a directory` });
});

test('a log cut at any byte reads as its complete lines, and truncation leaves exactly the kept prefix', async () => {
  const records = fc.array(fc.record({ step: fc.nat(1000), loss: fc.double({ noNaN: true, noDefaultInfinity: true }), note: fc.string({ unit: 'grapheme', maxLength: 8 }) }), { maxLength: 8 });
  fc.assert(
    fc.property(
      records.chain((rs) => fc.tuple(fc.constant(rs), fc.nat(Buffer.byteLength(lines(rs))))),
      ([rs, cut]) => {
        const bytes = new TextEncoder().encode(lines(rs)).subarray(0, cut);
        const { records: read, tornBytes } = parseJsonLines(bytes, 'cut.jsonl');
        const whole = rs.filter((_, i) => Buffer.byteLength(lines(rs.slice(0, i + 1))) <= cut);
        assert.deepEqual(read, JSON.parse(JSON.stringify(whole)));
        assert.equal(tornBytes, cut - Buffer.byteLength(lines(whole)));
      },
    ),
    FUZZ,
  );
  await fc.assert(
    fc.asyncProperty(records, fc.nat(1000), async (rs, step) => {
      const path = file(lines(rs));
      const first = rs.findIndex((r) => r.step > step);
      const kept = first < 0 ? rs : rs.slice(0, first);
      assert.deepEqual(await truncateJsonLines(path, (r) => (r as { step: number }).step <= step), { kept: kept.length, dropped: rs.length - kept.length, tornBytes: 0 });
      assert.equal(readFileSync(path, 'utf8'), lines(kept));
    }),
    fuzzRuns(50),
  );
});
