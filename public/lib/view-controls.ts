/**
 * The controls beside the charts and the export: the interval (day, week, month, or chosen from
 * the range), what the line chart draws (a line per category, the total, the total beside the
 * previous period), and "Download CSV". Shown as the server answered (an interval too fine for a
 * long range comes back coarser; "Each category" only when no category is chosen).
 */
import type { LineMode } from '../../src/charts/chart.ts';
import type { FiguresView } from '../../src/figures/types.ts';
import { defaultLines } from './charts.ts';
import { byId, say } from './dom.ts';
import type { ViewState } from './view-state.ts';

export interface ViewControlHandlers {
  readonly interval: (interval: string | undefined) => void;
  readonly lines: (lines: LineMode) => void;
  /** Resolves with the saved file's name (undefined when there is nothing to export). */
  readonly csv: () => Promise<string | undefined>;
  readonly failed: (error: unknown) => void;
}

export function wireViewControls(handlers: ViewControlHandlers): { sync(view: FiguresView, state: ViewState): void } {
  const interval = byId<HTMLSelectElement>('chart-interval');
  const lines = byId<HTMLSelectElement>('chart-lines');
  const csv = byId<HTMLButtonElement>('download-csv');
  const status = byId('status');
  interval.addEventListener('change', () => handlers.interval(interval.value || undefined));
  lines.addEventListener('change', () => handlers.lines(lines.value as LineMode));
  csv.addEventListener('click', async () => {
    csv.disabled = true;
    say(status, 'Preparing CSV\u2026');
    try {
      const name = await handlers.csv();
      if (name !== undefined) say(status, `CSV downloaded: ${name}.`);
    } catch (error) {
      handlers.failed(error);
      say(status, 'The CSV could not be downloaded.');
    } finally {
      csv.disabled = false;
      // Keep the keyboard where it was: the button is enabled again before focus can move on.
      if (document.activeElement === document.body) csv.focus();
    }
  });

  return {
    sync(view, state) {
      const auto = interval.querySelector<HTMLOptionElement>('option[value=""]');
      if (auto !== null) auto.textContent = `Auto (${view.series.auto ?? view.series.bucket})`;
      interval.value = state.interval === undefined ? '' : view.series.bucket;
      const each = lines.querySelector<HTMLOptionElement>('option[value="categories"]');
      const canSplit = view.series.byCategory !== undefined;
      if (each !== null) {
        each.disabled = !canSplit;
        each.hidden = !canSplit;
      }
      const chosen = state.lines === 'categories' && !canSplit ? 'total' : (state.lines ?? defaultLines(view));
      lines.value = chosen;
      csv.disabled = view.summary.count === 0;
    },
  };
}
