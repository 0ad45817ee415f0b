import { type Browser, chromium } from 'playwright-core';

/** The system Chromium, never a downloaded one (FORWARDPROP_CHROMIUM overrides the path). */
const CHROMIUM = process.env.FORWARDPROP_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no GPU (the WebAssembly paths are what the tests pin), nothing started in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
