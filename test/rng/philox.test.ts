import assert from 'node:assert/strict';
import { test } from 'node:test';
import { philox4x32 } from '../../src/rng/index.js';

// Random123 kat_vectors, "philox4x32 10" lines: counter, key, expected output.
const KAT: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

test('Philox4x32-10 matches the Random123 known-answer vectors', () => {
  for (const [counter, key, expected] of KAT) {
    assert.deepEqual([...philox4x32(counter, key)], expected);
  }
});

test('philox4x32 rejects counters and keys that are not uint32 words', () => {
  assert.throws(() => philox4x32([0, 0, 0], [0, 0]), { name: 'RangeError', message: /counter must have 4 words/ });
  assert.throws(() => philox4x32([0, 0, 0, 0], [0]), { name: 'RangeError', message: /key must have 2 words/ });
  assert.throws(() => philox4x32([0, 0, 2 ** 32, 0], [0, 0]), { name: 'RangeError', message: /counter\[2\]/ });
  assert.throws(() => philox4x32([0, 0, 0, 0], [0, 0.5]), { name: 'RangeError', message: /key\[1\]/ });
});
