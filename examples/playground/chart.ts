// The live training curves: Vega-Lite through vega-embed, points streamed into a named data set.
import embed, { type Result, type VisualizationSpec, vega } from 'vega-embed';

/** What the curves are drawn against: steps, queries (forward evaluations × examples) or training seconds. */
export type XAxis = 'step' | 'queries' | 'seconds';

const X_TITLES: Readonly<Record<XAxis, string>> = { step: 'steps', queries: 'queries (forward evaluations × examples)', seconds: 'training seconds' };

export interface CurvePoint {
  /** The run's legend entry. */
  readonly run: string;
  readonly curve: 'train (batch)' | 'test';
  readonly step: number;
  readonly queries: number;
  readonly seconds: number;
  /** Cross-entropy for 'loss' points, a share in [0, 1] for 'accuracy' ones. */
  readonly value: number;
  readonly measure: 'loss' | 'accuracy';
}

function spec(x: XAxis): VisualizationSpec {
  const xEncoding = { field: x, type: 'quantitative', title: X_TITLES[x] } as const;
  const color = { field: 'run', type: 'nominal', title: 'run', sort: null } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { name: 'points' },
    // Re-fit the layout as points arrive (axis labels and the legend grow with the data).
    autosize: { type: 'pad', resize: true },
    // Below the charts: run labels are long.
    config: { legend: { orient: 'bottom', direction: 'vertical', labelLimit: 480 } },
    hconcat: [
      {
        title: 'loss',
        width: 400,
        height: 240,
        transform: [{ filter: "datum.measure === 'loss'" }],
        mark: { type: 'line', strokeWidth: 1.5, clip: true },
        encoding: {
          x: xEncoding,
          y: { field: 'value', type: 'quantitative', title: 'cross-entropy', scale: { zero: false } },
          color,
          strokeDash: { field: 'curve', type: 'nominal', title: 'curve', sort: null },
          tooltip: [{ field: 'run' }, { field: 'curve' }, { field: 'step' }, { field: 'queries' }, { field: 'value', title: 'loss', format: '.4f' }],
        },
      },
      {
        title: 'test accuracy',
        width: 400,
        height: 240,
        transform: [{ filter: "datum.measure === 'accuracy'" }],
        mark: { type: 'line', point: true, strokeWidth: 1.5 },
        encoding: {
          x: xEncoding,
          y: { field: 'value', type: 'quantitative', title: 'accuracy', axis: { format: '.0%' }, scale: { zero: false } },
          color,
          tooltip: [{ field: 'run' }, { field: 'step' }, { field: 'queries' }, { field: 'value', title: 'accuracy', format: '.2%' }],
        },
      },
    ],
  } as VisualizationSpec;
}

/** Two charts (loss; test accuracy) that grow as points arrive, every run overlaid. */
export class LiveChart {
  private readonly points: CurvePoint[] = [];
  private pending: CurvePoint[] = [];
  private result?: Promise<Result>;
  private frame = 0;

  constructor(
    private readonly element: HTMLElement,
    private x: XAxis = 'step',
  ) {
    this.result = this.render();
  }

  private async render(): Promise<Result> {
    const previous = await this.result;
    previous?.finalize();
    const result = await embed(this.element, spec(this.x), {
      actions: { export: true, source: false, compiled: false, editor: false },
      // Errors only: an empty chart (no evaluation yet) warns about its infinite extent.
      logLevel: vega.Error,
    });
    this.pending = [];
    await result.view.insert('points', this.points.slice()).runAsync();
    return result;
  }

  /** Adds points; drawn at the next animation frame, batched. */
  add(...points: CurvePoint[]): void {
    this.points.push(...points);
    this.pending.push(...points);
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      void this.result?.then(async (result) => {
        const batch = this.pending;
        this.pending = [];
        await result.view.insert('points', batch).runAsync();
      });
    });
  }

  /** Redraws against another x axis. */
  setX(x: XAxis): void {
    this.x = x;
    this.result = this.render();
  }

  /** Drops every run's points. */
  clear(): void {
    this.points.length = 0;
    this.result = this.render();
  }
}
