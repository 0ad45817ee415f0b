import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { adaptConfig, parseLora, parsePrompt } from '../../src/cli/adapt-flags.js';
import { UsageError } from '../../src/cli/args.js';

describe('adaptation flags', () => {
  test('--lora: rank, optional alpha, targets with commas', () => {
    assert.deepEqual(parseLora('r=8,alpha=16,targets=onnx::MatMul_*'), { rank: 8, alpha: 16, targets: 'onnx::MatMul_*' });
    assert.deepEqual(parseLora('targets=head.*,enc.*.linear?.weight,rank=2'), { rank: 2, targets: 'head.*,enc.*.linear?.weight' });
    assert.deepEqual(parseLora('r=4,targets=w'), { rank: 4, targets: 'w' });
    for (const [text, why] of [
      ['r=0,targets=w', /the rank must be an integer >= 1, got '0'/],
      ['r=2.5,targets=w', /the rank must be an integer >= 1, got '2\.5'/],
      ['r=2,alpha=-1,targets=w', /alpha must be a positive number, got '-1'/],
      ['r=2,alpha=,targets=w', /alpha must be a positive number, got ''/],
      ['alpha=2,targets=w', /the rank r is missing/],
      ['r=2,alpha=4', /targets are missing/],
      ['r=2,r=3,targets=w', /r is given twice/],
      ['rank2,targets=w', /'rank2' is not r=, alpha= or targets=/],
    ] as const) {
      assert.throws(() => parseLora(text), (e: unknown) => e instanceof UsageError && why.test(e.message) && e.message.includes(`'${text}'`), text);
    }
  });

  test('--prompt: n tokens, tokens=n or border=p', () => {
    assert.deepEqual(parsePrompt('3'), { tokens: 3 });
    assert.deepEqual(parsePrompt('tokens=2'), { tokens: 2 });
    assert.deepEqual(parsePrompt('border=0'), { border: 0 });
    assert.deepEqual(parsePrompt('border=4'), { border: 4 });
    for (const text of ['0', 'tokens=0', 'border=-1', 'frame=2', '', '2,3']) assert.throws(() => parsePrompt(text), UsageError, text);
  });

  test('only given flags (on resume) enter the config', () => {
    const flags = { trainable: 'head.*', lora: 'r=1,targets=w', prompt: 'border=2', 'black-box': true };
    assert.deepEqual(adaptConfig(flags), { trainable: 'head.*', lora: { rank: 1, targets: 'w' }, prompt: { border: 2 }, blackBox: true });
    assert.deepEqual(adaptConfig(flags, new Set(['trainable'])), { trainable: 'head.*' });
    assert.deepEqual(adaptConfig({}), {});
  });
});
