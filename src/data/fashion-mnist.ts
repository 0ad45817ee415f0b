import type { DatasetSplit } from './dataset.js';
import { loadIdx } from './idx.js';

/** Where Debian's dataset-fashion-mnist package installs the four gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);

const SOURCE =
  'Fashion-MNIST comes from https://github.com/zalandoresearch/fashion-mnist (data/fashion/*.gz) ' +
  `or Debian's dataset-fashion-mnist package (apt install dataset-fashion-mnist, into ${FASHION_MNIST_DIR})`;

/** Fashion-MNIST's 60,000/10,000 split of [1, 28, 28] images in [0, 1], with its class names. */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<DatasetSplit> {
  return loadIdx(dir, { name: 'fashion-mnist', classNames: FASHION_MNIST_CLASSES, source: SOURCE });
}
