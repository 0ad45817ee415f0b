import { pathToFileURL } from 'node:url';
import { launchChromium, watchedPage } from '../browser/chromium.js';

export interface RenderedChart {
  readonly id: string;
  /** 'true' once vega-embed drew it, 'error' when it failed. */
  readonly rendered: string | undefined;
  /** Marks drawn inside the chart's SVG (paths in its mark groups). */
  readonly marks: number;
  /** Line mark groups: one per drawn series. */
  readonly lines: number;
}

export interface RenderedReport {
  readonly charts: readonly RenderedChart[];
  /** Console errors and uncaught page errors. */
  readonly errors: readonly string[];
  /** Requests for anything but the page itself (there should be none). */
  readonly requests: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Opens a report from its file:// URL in headless Chromium with the network off, waits
 * until every chart container says it is drawn (or failed), and reads the result off
 * the DOM. With `screenshot`, also saves a full-page PNG there.
 */
export async function openReport(path: string, { screenshot, width = 1400 }: { screenshot?: string; width?: number } = {}): Promise<RenderedReport> {
  const browser = await launchChromium();
  try {
    const { page, errors, refused: requests } = await watchedPage(browser, (url) => url.startsWith('file:'), { offline: true, viewport: { width, height: 900 } });
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction(() => [...document.querySelectorAll('figure.chart')].every((f) => (f as HTMLElement).dataset.rendered), undefined, { timeout: 30_000 });
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({
        id: f.id,
        rendered: (f as HTMLElement).dataset.rendered,
        marks: f.querySelectorAll('svg g.role-mark > path').length,
        lines: f.querySelectorAll('svg g.mark-line.role-mark').length,
      })),
    );
    const warnings = await page.$$eval('#warnings li', (items) => items.map((li) => li.textContent ?? ''));
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, errors, requests, warnings };
  } finally {
    await browser.close();
  }
}
