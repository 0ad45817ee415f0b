import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WASM_KERNEL_BASE64 } from '../../src/rng/wasm-kernel-bytes.js';

// Chromium compiles a module synchronously on the main thread up to 8 MiB (4 KB before
// 2025; test/browser/browser.test.ts checks that its main thread gets this kernel, and
// where a browser refuses, the loader falls back to the TypeScript kernel, bit for bit).
test('the kernel is valid WebAssembly, far under the 8 MiB browsers compile synchronously on the main thread', () => {
  const bytes = Uint8Array.from(atob(WASM_KERNEL_BASE64), (c) => c.charCodeAt(0));
  assert.ok(bytes.length < 64 * 1024, `${bytes.length} bytes`);
  assert.ok(WebAssembly.validate(bytes));
});
