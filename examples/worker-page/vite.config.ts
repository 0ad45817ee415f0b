// Builds the worker page (`npm run worker-page`): the page, the library's scale-out worker
// and onnxruntime-web, served by any static server.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset paths: the built folder works from any static server and path.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../../dist/worker-page', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // onnxruntime-web is large by nature; the timings note only says the machine was busy.
    chunkSizeWarningLimit: 4096,
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  preview: { host: '127.0.0.1', port: 4174 },
  clearScreen: false,
});
