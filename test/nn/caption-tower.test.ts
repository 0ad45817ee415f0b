import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostTensor } from '../../src/engine/ir/host-tensor.js';
import { CaptionTower, captionTokens } from '../../src/nn/caption-tower.js';
import { Model } from '../../src/nn/model.js';
import { assertAllClose } from '../helpers.js';
import { assertCopies, outputs } from './onnx-fixtures.js';

const captions = ['T-shirt/top', 'Shirt', 'Ankle boot'];
const model = new Model(new CaptionTower(captions, 3, 4, 10), [3], captions.length, 'caption-tower:3');
const x = new HostTensor('float32', [2, 3], Float32Array.of(1, 2, 2, 0, -3, 4));

test('captions are bags of lower-case words over one vocabulary', () => {
  assert.deepEqual(captionTokens('T-shirt/top'), ['t', 'shirt', 'top']);
  assert.deepEqual((model.net as CaptionTower).vocabulary, ['t', 'shirt', 'top', 'ankle', 'boot']);
  assert.deepEqual(model.layout.entries.map((e) => [e.name, e.shape]), [['tokens', [5, 4]], ['projection', [4, 3]]]);
  assert.throws(() => new CaptionTower(['fine', '/ -'], 3), /every caption needs a word; caption 1 is '\/ -'/);
});

test('each score is the logit scale times the cosine of the image and the projected mean of its caption\'s tokens', async () => {
  const theta = model.init(1);
  const tokens = model.layout.view(theta, 'tokens');
  const projection = model.layout.view(theta, 'projection');
  const words = [[0, 1, 2], [1], [3, 4]];
  const text = words.map((ids) => Array.from({ length: 3 }, (_, j) => ids.reduce((s, t) => s + Array.from({ length: 4 }, (_, k) => tokens[t * 4 + k]! * projection[k * 3 + j]!).reduce((a, b) => a + b, 0), 0) / ids.length));
  const cosine = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
  const images = [[1, 2, 2], [0, -3, 4]];
  const expected = images.flatMap((image) => text.map((t) => 10 * cosine(image, t)));
  assertAllClose(await outputs(model, theta, x), expected, { rtol: 1e-5, atol: 1e-5 });
  await assertCopies(model, [theta, model.init(2), model.init(3)], x);
});
