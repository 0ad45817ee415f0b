import { Activation } from './layers/activation.js';
import { Conv2d } from './layers/conv2d.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { Pool2d } from './layers/pool.js';
import { Sequential } from './layers/sequential.js';
import { LocalMixer, localMixerConfig } from './local-mixer.js';
import { Model } from './model.js';
import { Vit, vitConfig } from './vit.js';

/** A ReLU MLP, e.g. mlp([784, 256, 256, 10]). Takes flat inputs. */
export function mlp(dims: readonly number[], { activation = 'relu' }: { activation?: 'relu' | 'gelu' } = {}): Model {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`mlp: dims must be at least two positive integers, got [${dims.join(', ')}]`);
  }
  const layers = dims.slice(1).flatMap((d, i) => {
    const linear = new Linear(dims[i]!, d);
    return i + 2 < dims.length ? [linear, new Activation(activation)] : [linear];
  });
  return new Model(new Sequential(...layers), [dims[0]!], dims[dims.length - 1]!, `mlp:${dims.join('-')}`);
}

/**
 * The Fashion-MNIST CNN of the MGD papers (McCaughan et al. 2023): three 3×3 convs
 * 1→16→32→32, each ReLU + 2×2 max-pool, then dense → classes (14,378 parameters for
 * 28×28 inputs). Unpadded convs shrink 28 → 26 → 13 → 11 → 5 → 3 → 1.
 */
export function cnn({ channels = 1, size = 28, classes = 10 }: { channels?: number; size?: number; classes?: number } = {}): Model {
  const layers = [];
  let c = channels;
  let s = size;
  for (const out of [16, 32, 32]) {
    layers.push(new Conv2d(c, out, { kernel: 3 }), new Activation('relu'), new Pool2d('maxpool2d', 2));
    c = out;
    s = Math.floor((s - 2) / 2);
    if (s < 1) throw new RangeError(`cnn: inputs of size ${size} are too small for three conv+pool stages`);
  }
  layers.push(new Flatten(), new Linear(c * s * s, classes));
  return new Model(new Sequential(...layers), [channels, size, size], classes, 'cnn');
}

/**
 * Builds a model from a spec string: 'mlp:784-256-256-10', 'mlp:784-256-10:gelu',
 * 'mlp' (two hidden layers of 256, sized to the data), 'cnn', 'localmixer:M/1/16', 'vit:tiny' or
 * 'vit:patch=7,dim=64,heads=4,mlp=128,layers=2'.
 * `input` is the dataset's example shape, checked against the spec.
 */
export function modelFromSpec(spec: string, input: readonly number[], classes: number): Model {
  const [kind, arg, extra] = spec.split(':');
  if (kind === 'mlp') {
    const features = input.reduce((a, b) => a * b, 1);
    const dims = arg === undefined || arg === '' ? [features, 256, 256, classes] : arg.split('-').map(Number);
    if (extra !== undefined && extra !== 'relu' && extra !== 'gelu') throw new RangeError(`model '${spec}': activation must be relu or gelu`);
    const model = mlp(dims, { activation: extra ?? 'relu' });
    if (dims[0] !== features) throw new RangeError(`model '${spec}' takes ${dims[0]} inputs but the data has ${features} features`);
    if (dims[dims.length - 1] !== classes) throw new RangeError(`model '${spec}' has ${dims[dims.length - 1]} outputs but the data has ${classes} classes`);
    return model;
  }
  if (kind === 'localmixer') {
    const name = spec.slice('localmixer:'.length);
    if (input.length !== 3) throw new RangeError(`model '${spec}' needs image inputs [C, H, W], got [${input.join(', ')}]`);
    return new Model(new LocalMixer(localMixerConfig(name), input, classes), input, classes, spec);
  }
  if (kind === 'vit') {
    if (input.length !== 3) throw new RangeError(`model '${spec}' needs image inputs [C, H, W], got [${input.join(', ')}]`);
    return new Model(new Vit(vitConfig(spec.slice('vit:'.length) || 'tiny'), input, classes), input, classes, spec);
  }
  if (kind === 'cnn') {
    if (input.length !== 3 || input[1] !== input[2]) throw new RangeError(`model 'cnn' needs square image inputs [C, H, W], got [${input.join(', ')}]`);
    return cnn({ channels: input[0]!, size: input[1]!, classes });
  }
  throw new RangeError(`unknown model '${spec}'; ${MODEL_FORMS}`);
}

const MODEL_FORMS = 'models: mlp, mlp:<in>-<hidden>-…-<out>[:relu|gelu], cnn, localmixer:<S/1/1|M/1/16|M/8/16|L/8/64|blocks=…,patches=…,channels=…,groups=…>, vit:<tiny|small|patch=…,dim=…,heads=…,mlp=…,layers=…>, onnx:<file>';

/**
 * Checks a model spec's form without data or files (the shapes are checked against the
 * data once it is loaded), so a command refuses a bad one before reading anything.
 * @throws RangeError naming the spec and what is wrong with it.
 */
export function checkModelSpec(spec: string): void {
  const [kind, arg, extra] = spec.split(':');
  if (kind === 'onnx') {
    if (!arg) throw new RangeError(`model '${spec}': onnx:<file> needs the file's path`);
    return;
  }
  if (kind === 'mlp') {
    if (arg !== undefined && arg !== '' && !arg.split('-').every((d) => /^[1-9]\d*$/.test(d))) throw new RangeError(`model '${spec}': mlp:<in>-<hidden>-…-<out> takes positive integers`);
    if (arg !== undefined && arg !== '' && arg.split('-').length < 2) throw new RangeError(`model '${spec}': an mlp needs at least an input and an output size`);
    if (extra !== undefined && extra !== 'relu' && extra !== 'gelu') throw new RangeError(`model '${spec}': activation must be relu or gelu`);
    return;
  }
  if (kind === 'localmixer') return void localMixerConfig(spec.slice('localmixer:'.length));
  if (kind === 'vit') return void vitConfig(spec.slice('vit:'.length) || 'tiny');
  if (kind === 'cnn' && arg === undefined) return;
  throw new RangeError(`unknown model '${spec}'; ${MODEL_FORMS}`);
}
