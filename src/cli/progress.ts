import type { WriteStream } from 'node:tty';

/**
 * A one-line progress bar with an ETA for terminals; redraws at most ten times a
 * second and clears itself before other output.
 */
export class ProgressBar {
  private last = 0;
  private shown = false;

  constructor(private readonly stream: WriteStream) {}

  update(done: number, total: number, label: string, secondsPerUnit: number): void {
    const now = performance.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}`;
    const eta = formatDuration(Math.max(0, total - done) * secondsPerUnit);
    const line = `[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label} ETA ${eta}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** A UTC time for run directory names, sortable and free of ':' (2025-01-31T12-00-00). */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-').slice(0, 19);
}
