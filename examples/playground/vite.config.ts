// Builds the playground (`npm run playground`): the page, its training worker with the
// library's browser build and onnxruntime-web, and the embedded MNIST digits beside it.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset paths: the built folder works from any static server and path.
  base: './',
  // The mnist package's src/ folder as it ships: the page fetches digits/<d>.json (MNIST_DIGIT_FILES).
  publicDir: dirname(createRequire(import.meta.url).resolve('mnist')),
  build: {
    outDir: fileURLToPath(new URL('../../dist/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // onnxruntime-web and Vega are large by nature; the timings note only says the machine was busy.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  worker: { format: 'es' },
  preview: { host: '127.0.0.1' },
  clearScreen: false,
});
