import { type Browser, type BrowserContextOptions, type Page, chromium } from 'playwright-core';

/** The system Chromium, never a downloaded one (FORWARDPROP_CHROMIUM overrides the path). */
const CHROMIUM = process.env.FORWARDPROP_CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no GPU (the WebAssembly paths are what the tests pin), nothing started in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught page errors, as they happen. */
  readonly errors: string[];
  /** Requests refused because `allow` said no, as they happen. */
  readonly refused: string[];
}

/**
 * A fresh page, in its own context, whose requests are refused unless
 * `allow(url)` says yes, and whose console errors and uncaught errors are collected: what
 * a test needs to say that a page works offline and without errors.
 */
export async function watchedPage(browser: Browser, allow: (url: string) => boolean, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allow(url)) return route.continue();
    refused.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors, refused };
}
