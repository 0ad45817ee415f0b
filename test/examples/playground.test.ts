import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { type PreviewServer, build, preview } from 'vite';
import { loadMnist } from '../../src/data/mnist.js';
import { readOnnx } from '../../src/engine/onnx/read.js';
import { descriptor } from '../../src/estimators/registry.js';
import { mlp } from '../../src/nn/factories.js';
import { mnistInput } from '../../examples/playground/drawing.js';
import { launchChromium, watchedPage } from '../browser/chromium.js';
import { assertAllClose } from '../helpers.js';
import { type ReferenceConfig, type ReferenceRun, referenceRun } from './playground-reference.js';

/**
 * The playground as a user gets it: built by Vite from examples/playground (the test builds
 * it itself), served by Vite's preview server, driven in the system Chromium. Set
 * FORWARDPROP_PLAYGROUND_SCREENSHOT to a path to keep the screenshot (docs/playground.png).
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const configFile = join(root, 'examples/playground/vite.config.ts');
const HIDDEN = [256, 256];
/** Three runs in one page: a loss-only method, backprop, then the default forward-gradient method long enough to read digits. */
const RUNS: readonly ReferenceConfig[] = [
  { method: 'spsa', hidden: HIDDEN, batchSize: 64, lr: descriptor('spsa').defaultLearningRate, seed: 0, steps: 8 },
  { method: 'bp', hidden: HIDDEN, batchSize: 64, lr: descriptor('bp').defaultLearningRate, seed: 0, steps: 20 },
  { method: 'fg-a', hidden: HIDDEN, batchSize: 64, lr: descriptor('fg-a').defaultLearningRate, seed: 0, steps: 125 },
];
const PAD = 280;
/** Strokes in pad pixels: a 0 (an ellipse), a 1 and a 7, drawn as a person would. */
const ellipse = Array.from({ length: 41 }, (_, i): [number, number] => [140 + 60 * Math.sin((Math.PI * i) / 20), 140 - 90 * Math.cos((Math.PI * i) / 20)]);
const DIGITS: readonly { readonly digit: number; readonly strokes: readonly (readonly [number, number])[][] }[] = [
  { digit: 0, strokes: [ellipse] },
  { digit: 1, strokes: [[[150, 50], [135, 230]]] },
  {
    digit: 7,
    strokes: [
      [
        [80, 60],
        [200, 60],
        [120, 230],
      ],
    ],
  },
];

let outDir: string;
let server: PreviewServer;

before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'forwardprop-playground-'));
  await build({ configFile, logLevel: 'warn', build: { outDir } });
  server = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { port: 0 } });
});
after(async () => {
  await server?.close();
  await rm(outDir, { recursive: true, force: true });
});

/** The runs recomputed in a Node child whose "#ort" is onnxruntime-web, as in the page. */
async function webReference(runs: readonly ReferenceConfig[]): Promise<ReferenceRun[]> {
  const module = new URL('./playground-reference.js', import.meta.url).href;
  const file = join(outDir, 'reference.json');
  const script = `
    const { referenceRun } = await import(${JSON.stringify(module)});
    const { writeFileSync } = await import('node:fs');
    const out = [];
    for (const config of ${JSON.stringify(runs)}) {
      const { runtime, params, losses } = await referenceRun(config);
      out.push({ runtime, params: Buffer.from(params.buffer, params.byteOffset, params.byteLength).toString('base64'), losses });
    }
    writeFileSync(${JSON.stringify(file)}, JSON.stringify(out));
    process.exit(0);`;
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['--conditions=browser', '--input-type=module', '-e', script], { timeout: 120_000 }, (error, _, stderr) =>
      error ? reject(new Error(`the onnxruntime-web reference failed: ${stderr || error.message}`)) : resolve(),
    ),
  );
  const floats = (b64: string) => {
    const bytes = Buffer.from(b64, 'base64');
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  const saved = JSON.parse(await readFile(file, 'utf8')) as { runtime: string; params: string; losses: number[] }[];
  return saved.map((r) => ({ runtime: r.runtime, params: floats(r.params), losses: r.losses }));
}

/** Clicks Export and returns the downloaded .onnx file. */
async function exportModel(page: Page): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
}

/** θ from an exported model's initializers, in the model's layout. */
function exportedParams(bytes: Uint8Array, hidden: readonly number[]): Float32Array {
  const { initializers } = readOnnx(bytes);
  const { layout } = mlp([784, ...hidden, 10]);
  const theta = new Float32Array(layout.size);
  for (const entry of layout.entries) {
    const value = initializers.get(entry.name);
    assert.ok(value, `the exported model holds '${entry.name}'`);
    theta.set(value.data as Float32Array, entry.offset);
  }
  return theta;
}

async function train(page: Page, run: ReferenceConfig): Promise<void> {
  await page.selectOption('#method', run.method);
  assert.equal(Number(await page.inputValue('#lr')), run.lr, 'the picker fills in the method default learning rate');
  await page.fill('#hidden', run.hidden.join('-'));
  await page.fill('#batch', String(run.batchSize));
  await page.fill('#seed', String(run.seed));
  await page.fill('#until', String(run.steps));
  await page.click('#train');
  await page.waitForFunction((steps) => document.body.dataset.state === 'stopped' && document.getElementById('step')!.textContent === String(steps), run.steps, { timeout: 60_000 });
}

async function draw(page: Page, strokes: readonly (readonly [number, number])[][]): Promise<void> {
  await page.click('#clear-pad');
  const box = (await page.locator('#pad').boundingBox())!;
  const at = ([x, y]: readonly [number, number]) => [box.x + (x * box.width) / PAD, box.y + (y * box.height) / PAD] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]!));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 6 });
    await page.mouse.up();
  }
}

test('the playground trains in Chromium: θ bit for bit as onnxruntime-web in Node, accuracy and queries shown, drawn digits read, the model exported', { timeout: 240_000 }, async () => {
  const webRuns = webReference(RUNS);
  const browser = await launchChromium();
  try {
    const origin = new URL(server.resolvedUrls!.local[0]!).origin;
    const local = (url: string) => url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:');
    const { page, errors, refused } = await watchedPage(browser, local, { viewport: { width: 1100, height: 1000 } });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 30_000 });
    assert.match((await page.textContent('#state'))!, /8,000 training and 2,000 test digits/);

    const exported: { name: string; bytes: Uint8Array }[] = [];
    for (const run of RUNS) {
      await train(page, run);
      exported.push(await exportModel(page));
    }
    const accuracy = Number(/^([\d.]+)%$/.exec((await page.textContent('#accuracy'))!)?.[1]) / 100;
    assert.ok(accuracy > 0.75, `fg-a reached ${accuracy} test accuracy in one epoch (125 steps)`);
    // fg-a spends one query per example per step (K = 1).
    assert.equal(await page.textContent('#queries'), (125 * 64).toLocaleString('en-US'));

    const references = await webRuns;
    RUNS.forEach((run, i) => {
      assert.equal(references[i]!.runtime, 'onnxruntime-web');
      assert.match(exported[i]!.name, new RegExp(`^forwardprop-${run.method}-run${i + 1}-step${run.steps}\\.onnx$`));
      const theta = exportedParams(exported[i]!.bytes, run.hidden);
      assert.ok(Buffer.from(theta.buffer).equals(Buffer.from(references[i]!.params.buffer, references[i]!.params.byteOffset, references[i]!.params.byteLength)), `${run.method}: θ after ${run.steps} steps is onnxruntime-web's in Node, bit for bit`);
    });
    // onnxruntime-node's native kernels round differently (FMA, other summation orders): the
    // losses agree to float rounding at first, then drift apart as the differences compound.
    for (const [i, run] of RUNS.entries()) {
      const native = await referenceRun({ ...run, steps: Math.min(run.steps, 20) });
      assert.equal(native.runtime, 'onnxruntime-node');
      assertAllClose(references[i]!.losses.slice(0, native.losses.length), native.losses, { rtol: 1e-6, what: `${run.method}: the first losses with onnxruntime-web vs onnxruntime-node` });
    }

    // The exported file is a standalone model: onnxruntime-node classifies the test split as the page said.
    const session = await ort.InferenceSession.create(exported[2]!.bytes);
    const { test: held } = await loadMnist();
    const logits = (await session.run({ x: new ort.Tensor('float32', held.x, [held.size, 784]) })).out0!.data as Float32Array;
    const argmax = (row: Float32Array) => row.indexOf(Math.max(...row));
    let correct = 0;
    for (let i = 0; i < held.size; i++) if (argmax(logits.subarray(10 * i, 10 * i + 10)) === held.y[i]) correct++;
    assert.ok(Math.abs(correct - accuracy * held.size) <= 1, `the exported model gets ${correct} of ${held.size} right; the page showed ${accuracy}`);

    for (const { digit, strokes } of DIGITS) {
      await draw(page, strokes);
      await page.waitForFunction(() => document.getElementById('prediction')!.dataset.digit !== undefined, undefined, { timeout: 10_000 });
      assert.equal(await page.getAttribute('#prediction', 'data-digit'), String(digit), `the drawn ${digit} is read as ${digit}`);
      // The same ink, normalised in Node and run through the exported file, gives the page's prediction.
      const ink = Float32Array.from(await page.evaluate(() => {
        const canvas = document.getElementById('pad') as HTMLCanvasElement;
        return Array.from(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4 === 0), (v) => v / 255);
      }));
      const pixels = mnistInput(ink, PAD, PAD)!;
      const out = (await session.run({ x: new ort.Tensor('float32', pixels, [1, 784]) })).out0!.data as Float32Array;
      assert.equal(argmax(out), digit, `onnxruntime-node reads the normalised ${digit} too`);
    }
    await session.release();

    const screenshot = process.env.FORWARDPROP_PLAYGROUND_SCREENSHOT ?? join(outDir, 'playground.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    const png = await readFile(screenshot);
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(await page.locator('#chart svg, #chart canvas').count() > 0, true, 'the curves are drawn');

    // Bad input: a field out of range is named and nothing starts; a diverging run stops with the step and the cause.
    await page.fill('#hidden', '256-x');
    await page.click('#train');
    assert.match((await page.textContent('#error'))!, /^hidden layers: widths separated by dashes \(e\.g\. 256-256\), got '256-x'$/);
    assert.equal(await page.getAttribute('body', 'data-state'), 'stopped');
    await page.fill('#hidden', '16');
    await page.fill('#lr', '1e30');
    await page.fill('#until', '10');
    await page.click('#train');
    await page.waitForFunction(() => !document.getElementById('error')!.hidden, undefined, { timeout: 30_000 });
    assert.match((await page.textContent('#error'))!, /^step \d: the (loss is (NaN|Infinity|-Infinity)|gradient estimate has NaN or infinite entries)$/);
    await page.waitForFunction(() => document.body.dataset.state === 'stopped', undefined, { timeout: 10_000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(refused, [], 'nothing is fetched from outside the page’s server');
  } finally {
    await browser.close();
  }
});
