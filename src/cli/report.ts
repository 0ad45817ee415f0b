import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { reportHtml } from '../report/html.js';
import { buildReport } from '../report/report.js';
import { chartSvg, svgToPng } from '../report/static-chart.js';
import { type Command, UsageError, parseFlags, usage } from './args.js';

export const reportCommand = {
  name: 'report',
  positionals: '<run or experiment directory>...',
  summary: `Writes one self-contained HTML report (opens offline): loss and accuracy against steps, queries and seconds with the runs overlaid, each run's configuration, summary and checkpoint, and each experiment's tables and charts (its result.json).
--svg / --png also write every chart as a static file (for docs).`,
  flags: {
    out: { type: 'string', default: 'report.html', help: 'the HTML file to write' },
    svg: { type: 'string', help: 'also write each chart as <dir>/<chart>.svg' },
    png: { type: 'string', help: 'also write each chart as <dir>/<chart>.png (2× scale)' },
  },
} as const satisfies Command;

export async function runReport(argv: readonly string[]): Promise<number> {
  const { flags, positionals } = parseFlags(reportCommand, argv);
  if (flags.help) {
    console.log(usage(reportCommand));
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('report takes one or more run or experiment directories');
  const report = await buildReport(positionals);
  for (const warning of report.warnings) console.error(`warning: ${warning}`);
  await writeFileAtomic(flags.out, await reportHtml(report));
  const written = [flags.out];
  if (flags.svg !== undefined || flags.png !== undefined) {
    for (const dir of [flags.svg, flags.png]) if (dir !== undefined) await mkdir(dir, { recursive: true });
    for (const chart of report.charts) {
      const svg = await chartSvg(chart.spec);
      if (flags.svg !== undefined) await writeFileAtomic(join(flags.svg, `${chart.id}.svg`), svg);
      if (flags.png !== undefined) await writeFileAtomic(join(flags.png, `${chart.id}.png`), svgToPng(svg));
    }
    written.push(...[flags.svg, flags.png].filter((d) => d !== undefined).map((d) => `${report.charts.length} charts in ${d}`));
  }
  console.log(`report: ${report.runs.length} run${report.runs.length === 1 ? '' : 's'}, ${report.experiments.length} experiment${report.experiments.length === 1 ? '' : 's'}, ${report.charts.length} charts → ${written.join(', ')}`);
  return 0;
}
