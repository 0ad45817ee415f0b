import type { Cell, ExperimentResult, ResultTable } from './result.js';

/** A cell as text: null (and NaN, which JSON stores as null) as a dash, integers with separators, other numbers to four significant digits. */
export function formatCell(cell: Cell): string {
  if (cell === null || (typeof cell === 'number' && !Number.isFinite(cell))) return '—';
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return cell.toLocaleString('en-US');
  return Number(cell.toPrecision(4)).toString();
}

/** One table as GitHub markdown, its title as a bold line above it. */
export function markdownTable(table: ResultTable): string {
  return [
    `**${table.title}**`,
    '',
    `| ${table.columns.join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(formatCell).join(' | ')} |`),
  ].join('\n');
}

/**
 * An experiment result as a markdown page: title, notes, the conditions, every table, and
 * an image line per chart file (`charts`: paths of the SVGs, in the result's chart order).
 */
export function resultMarkdown(result: ExperimentResult, charts: readonly string[] = []): string {
  const conditions = Object.entries(result.conditions).map(([key, value]) => `${key} ${value === null ? '—' : String(value)}`);
  return [
    `# ${result.title}`,
    ...(result.notes ?? []).flatMap((n) => ['', n]),
    '',
    `Conditions: ${conditions.join('; ')}.`,
    ...result.tables.flatMap((t) => ['', markdownTable(t)]),
    ...charts.flatMap((file, i) => ['', `![${result.charts[i]?.title ?? file}](${file})`]),
    '',
  ].join('\n');
}
