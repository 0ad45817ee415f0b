import { Resvg } from '@resvg/resvg-js';
import { View, parse } from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';

/**
 * A Vega-Lite chart as a standalone SVG document, rendered headless in Node by Vega
 * itself (a View with the 'none' renderer): the same specification the HTML report
 * draws in the browser, so static figures in the docs match the interactive ones.
 * Ends with a newline, as a text file does.
 */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG document to PNG with resvg, at `scale` device pixels per CSS pixel.
 * Text uses the system's fonts (Vega writes `sans-serif`; DejaVu Sans is preferred
 * where installed, as on Debian).
 */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  if (!(scale > 0)) throw new RangeError(`svgToPng: scale must be positive, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
