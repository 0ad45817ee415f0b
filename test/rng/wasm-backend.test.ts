import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WASM_KERNEL_BASE64 } from '../../src/rng/wasm-kernel-bytes.js';

test('the kernel is valid WebAssembly under the 4 KB browsers compile synchronously on the main thread', () => {
  const bytes = Uint8Array.from(atob(WASM_KERNEL_BASE64), (c) => c.charCodeAt(0));
  assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
  assert.ok(WebAssembly.validate(bytes));
});
