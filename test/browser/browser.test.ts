import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { mlp } from '../../src/nn/factories.js';
import { fillGaussian } from '../../src/rng/noise.js';
import { estimateOnce, make } from '../estimators/fixtures.js';
import { assertAllClose } from '../helpers.js';
import { launchChromium } from './chromium.js';

/** Serves the repository (dist, node_modules and this page) to a headless Chromium. */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const page = fileURLToPath(new URL('../../../test/browser/page.html', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
let server: Server;

before(async () => {
  server = createServer(async (request, response) => {
    const path = request.url === '/' ? page : join(root, normalize(decodeURIComponent(request.url!.split('?')[0]!)));
    try {
      const body = await readFile(path.startsWith(root) || path === page ? path : '/nonexistent');
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(() => server.close());

test('the browser build trains in Chromium with onnxruntime-web: same noise bit for bit, same gradients as Node', async () => {
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await tab.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    const result = (await tab.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result)) as { error?: string; runtime: string; noise: string; theta: number[]; fga: number[]; bp: number[] };
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.runtime, 'onnxruntime-web');
    assert.equal(result.noise, 'wasm-simd');

    const model = mlp([6, 5, 3]);
    const theta = model.init(3);
    assert.deepEqual(result.theta, Array.from(theta), 'initial parameters (Philox noise) are identical in the browser');
    const x = HostTensor.zeros('float32', [4, 6]);
    fillGaussian(x.data, 9);
    const batch = { x, y: new HostTensor('int64', [4], BigInt64Array.of(0n, 1n, 2n, 1n)) };
    const fga = await estimateOnce(make('fg-a', model, {}, 1), { params: theta, batch, step: 0 });
    const bp = await estimateOnce(make('bp', model), { params: theta, batch, step: 0 });
    assertAllClose(result.fga, fga.grad!, { rtol: 1e-4, atol: 1e-6, what: 'fg-a in the browser vs Node' });
    assertAllClose(result.bp, bp.grad!, { rtol: 1e-4, atol: 1e-6, what: 'bp in the browser vs Node' });
  } finally {
    await browser.close();
  }
});
