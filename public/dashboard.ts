// The dashboard: reads its view from the URL, fetches the figures and one page of records from
// the JSON API (through lib/api.ts: CSRF, one shared silent refresh), and draws cards, charts
// and the table. Every change of filter, sort or page is a new history entry, so back and
// forward walk through views and a reload shows the same one.
import type { FiguresView, SortColumn, TablePage } from '../src/figures/types.ts';
import { ApiFailure, getJson } from './lib/api.ts';
import { renderCards } from './lib/cards.ts';
import { defaultLines, renderCharts } from './lib/charts.ts';
import { wireViewControls } from './lib/view-controls.ts';
import { wireMetricFormat } from './lib/metric-format.ts';
import { byId, fill, h, say } from './lib/dom.ts';
import { downloadCsv, downloadMessage, downloadReport } from './lib/download.ts';
import { FILTER_FIELDS, clearFieldProblems, showFieldProblem } from './lib/filter-problems.ts';
import { whileBusy } from './lib/focus.ts';
import { applyOnCommit } from './lib/select-commit.ts';
import { clearStale, markStale } from './lib/stale.ts';
import { addDays, formatCount, formatRange, todayIso } from './lib/format.ts';
import { PAGE_SIZE, firstDirection, renderRecords } from './lib/records.ts';
import { wireSession } from './lib/session.ts';
import { filterQuery, readState, sameFilters, stateQuery, type ViewState } from './lib/view-state.ts';

wireSession();

const form = byId<HTMLFormElement>('filters');
const figuresBox = byId('figures');
const status = byId('status');
const errorBox = byId('error');
const retry = byId<HTMLButtonElement>('retry');
const download = byId<HTMLButtonElement>('download');
const input = (name: string): HTMLInputElement | HTMLSelectElement => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

let state: ViewState = readState(location.search);
/** The figures on screen, and the filters they answer. */
let view: FiguresView | undefined;
let viewState: ViewState | undefined;
/** The order the records on screen are in. */
let sorted: Pick<TablePage, 'sort' | 'dir'> = { sort: 'date', dir: 'desc' };
/** Only the answer to the latest request is drawn; slower, older ones are dropped. */
let ticket = 0;

/** The lines per category cost the server a pass over the records: asked for only when drawn (the default with no category chosen). */
function wantsLines(s: ViewState): boolean {
  return s.category === undefined && (s.lines ?? 'categories') === 'categories';
}

function figuresQuery(s: ViewState): string {
  const query = filterQuery(s);
  if (wantsLines(s)) query.set('lines', 'categories');
  return query.toString();
}

function tableQuery(s: ViewState): string {
  const query = filterQuery(s);
  query.set('page', String(s.page ?? 1));
  query.set('pageSize', String(PAGE_SIZE));
  if (s.sort !== undefined) query.set('sort', s.sort);
  if (s.dir !== undefined) query.set('dir', s.dir);
  return query.toString();
}

function setBusy(busy: boolean, message?: string): void {
  figuresBox.setAttribute('aria-busy', String(busy));
  figuresBox.classList.toggle('loading', busy);
  if (message !== undefined) say(status, message);
}

function clearError(): void {
  errorBox.hidden = true;
}

function showError(message: string, canRetry: boolean): void {
  byId('error-message').textContent = message;
  retry.hidden = !canRetry;
  errorBox.hidden = false;
}

function options(select: HTMLSelectElement, values: readonly string[], selected: string, all?: string): void {
  const choices = all === undefined ? [] : [h('option', { value: '' }, all)];
  fill(select, ...choices, ...values.map((value) => h('option', { value }, value)));
  select.value = selected;
}

/** Shows the filters as the server applied them (defaults filled in). */
function syncForm(figures: FiguresView): void {
  const { filters } = figures;
  input('from').value = filters.from;
  input('to').value = filters.to;
  options(input('category') as HTMLSelectElement, figures.options.categories, filters.category ?? '', 'All categories');
  options(input('metric') as HTMLSelectElement, figures.options.metrics, filters.metric);
}

function show(figures: FiguresView, table: TablePage): void {
  clearError();
  clearStale();
  syncForm(figures);
  const empty = figures.summary.count === 0;
  byId('empty').hidden = !empty;
  byId('empty-none').hidden = figures.options.firstDate !== null;
  byId('empty-filters').hidden = figures.options.firstDate === null;
  figuresBox.hidden = empty;
  download.disabled = empty;
  byId<HTMLButtonElement>('download-csv').disabled = empty;
  const { filters, summary } = figures;
  const where = describe(figures);
  if (empty) {
    say(status, `No figures for ${where}.`);
    return;
  }
  renderCards(figures);
  // For the measurement in the browser tests: when the cards are filled after navigation.
  if (performance.getEntriesByName('figures-shown').length === 0) performance.mark('figures-shown');
  drawCharts(figures);
  renderRecords(table, figures.format);
  controls.sync(figures, state);
  metricFormat?.sync(figures.format);
  say(status, `Showing ${formatCount(summary.count)} records of ${filters.metric} for ${where}.`);
}

function describe(figures: FiguresView): string {
  const { filters } = figures;
  return `${formatRange(filters.from, filters.to)}, ${filters.category ?? 'all categories'}`;
}

/** A page past the last one was asked for (an old link): the server answered the last; say so in the URL. */
function clampPage(asked: ViewState, table: TablePage): void {
  if (asked !== state || table.page === (asked.page ?? 1)) return;
  state = { ...asked, page: table.page > 1 ? table.page : undefined };
  history.replaceState(null, '', `${location.pathname}${stateQuery(state)}`);
}

async function load(next: ViewState): Promise<void> {
  const mine = ++ticket;
  const sameView = view !== undefined && viewState !== undefined && sameFilters(viewState, next) && wantsLines(viewState) === wantsLines(next);
  setBusy(true, sameView ? 'Loading records\u2026' : 'Loading figures\u2026');
  try {
    const [figures, table] = await Promise.all([
      sameView ? Promise.resolve(view!) : getJson<FiguresView>(`/api/dashboard/figures?${figuresQuery(next)}`),
      getJson<TablePage>(`/api/dashboard/table?${tableQuery(next)}`),
    ]);
    if (mine !== ticket) return;
    view = figures;
    viewState = next;
    sorted = { sort: table.sort, dir: table.dir };
    clampPage(next, table);
    show(figures, table);
  } catch (error) {
    if (mine !== ticket) return;
    const failure = error instanceof ApiFailure ? error.detail : undefined;
    const field = failure?.field;
    if (failure?.status === 400 && field !== undefined && FILTER_FIELDS.includes(field) && next[field as keyof ViewState] !== undefined) {
      // Explained beside its field; the rest of the page goes on without that filter.
      showFieldProblem(form, field, failure.message);
      say(status, 'One filter could not be used; see the message beside it.');
      void load({ ...next, [field]: undefined });
      return;
    }
    if (failure?.status === 400 && field !== undefined && form.elements.namedItem(field) !== null) {
      input(field).setAttribute('aria-invalid', 'true');
      showError(failure.message, false);
    } else if (failure?.status === 401) {
      showError('Your session has ended. Taking you to sign in\u2026', false);
    } else {
      showError(failure?.message ?? 'Could not reach the server. Check your connection and try again.', true);
    }
    // Nothing drawn yet: hide the skeletons rather than leave them "loading" forever.
    if (view === undefined) figuresBox.hidden = true;
    else if (failure?.status !== 401) markStale(describe(view));
    say(status, 'The figures could not be loaded.');
  } finally {
    if (mine === ticket) setBusy(false);
  }
}

/** Moves to a new view: a history entry, then the data. */
function go(next: ViewState): void {
  clearFieldProblems(form);
  state = next;
  const url = `${location.pathname}${stateQuery(next)}`;
  if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
  void load(next);
}

function fromForm(): ViewState {
  const value = (name: string): string | undefined => input(name).value || undefined;
  // New filters start again at the first page of the records.
  return { from: value('from'), to: value('to'), category: value('category'), metric: value('metric'), sort: state.sort, dir: state.dir, interval: state.interval, lines: state.lines };
}

let typing: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typing);
  go(fromForm());
});
for (const name of ['category', 'metric']) {
  applyOnCommit(input(name) as HTMLSelectElement, () => {
    if (!sameFilters(fromForm(), state)) go(fromForm());
  });
}
byId('reset-filters').addEventListener('click', (event) => {
  event.preventDefault();
  go({});
});
for (const name of ['from', 'to']) {
  input(name).addEventListener('change', (event) => {
    clearTimeout(typing);
    // A date being typed fires `change` per part; wait until it is whole and the typing pauses.
    if (!(event.target as HTMLInputElement).validity.valid) return;
    typing = setTimeout(() => {
      if (!sameFilters(fromForm(), state)) go(fromForm());
    }, 600);
  });
}

for (const button of form.querySelectorAll<HTMLButtonElement>('button[data-preset]')) {
  button.addEventListener('click', () => {
    const last = view?.options.lastDate ?? todayIso();
    const first = view?.options.firstDate ?? last;
    const preset = button.dataset.preset!;
    input('to').value = last;
    input('from').value = preset === 'all' ? first : preset === 'year' ? `${last.slice(0, 4)}-01-01` : addDays(last, 1 - Number(preset));
    go(fromForm());
  });
}

for (const th of document.querySelectorAll<HTMLTableCellElement>('#records th[data-sort]')) {
  th.querySelector('button')!.addEventListener('click', () => {
    const column = th.dataset.sort as SortColumn;
    // The order on screen (the server's default until a header was chosen) decides the flip.
    const dir = sorted.sort === column ? (sorted.dir === 'asc' ? 'desc' : 'asc') : firstDirection(column);
    go({ ...state, sort: column, dir, page: undefined });
  });
}
byId('prev').addEventListener('click', () => go({ ...state, page: Math.max(1, (state.page ?? 1) - 1) }));
byId('next').addEventListener('click', () => go({ ...state, page: (state.page ?? 1) + 1 }));
retry.addEventListener('click', () => void load(state));

window.addEventListener('popstate', () => {
  clearFieldProblems(form);
  state = readState(location.search);
  input('from').value = state.from ?? '';
  input('to').value = state.to ?? '';
  void load(state);
});

download.addEventListener('click', () => {
  const shown = view;
  if (shown === undefined) return;
  const filters = shown.filters;
  // Busy but still focusable: disabling it would drop the focus to the top of the page.
  void whileBusy(download, async () => {
    download.textContent = 'Preparing report\u2026';
    say(status, 'Preparing report\u2026');
    try {
      const name = await downloadReport(filters, { ...sorted, ...(viewState?.interval === undefined ? {} : { interval: viewState.interval }), lines: state.lines ?? defaultLines(shown) });
      say(status, `Report downloaded: ${name}.`);
    } catch (error) {
      showError(downloadMessage(error), false);
      say(status, 'The report could not be downloaded.');
    } finally {
      download.textContent = 'Download PDF';
    }
  });
});

// Charts are drawn at their shown size (legible labels); redraw when that changes a lot.
let drawnWidth = window.innerWidth;
let resizing: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => {
    if (view === undefined || view.summary.count === 0 || Math.abs(window.innerWidth - drawnWidth) < 48) return;
    drawnWidth = window.innerWidth;
    drawCharts(view);
  }, 250);
});

function drawCharts(figures: FiguresView): void {
  renderCharts(figures, {
    ...(state.lines === undefined ? {} : { lines: state.lines }),
    // A bar of the breakdown: filter by its category; the chosen one again: all categories.
    pick: (category) => go({ ...state, category: category === (state.category ?? null) ? undefined : category, page: undefined }),
  });
}

const controls = wireViewControls({
  interval: (interval) => go({ ...state, interval, page: undefined }),
  lines: (lines) => {
    // Lines per category the figures on screen lack: fetch them; otherwise only redraw.
    if (view !== undefined && wantsLines({ ...state, lines }) && view.series.byCategory === undefined) return go({ ...state, lines });
    state = { ...state, lines };
    history.pushState(null, '', `${location.pathname}${stateQuery(state)}`);
    if (view !== undefined && view.summary.count > 0) drawCharts(view);
  },
  csv: async () => {
    if (view === undefined) return undefined;
    return downloadCsv(view.filters, sorted);
  },
  failed: (error) => showError(downloadMessage(error), false),
});

// A new format changes every figure's spelling: fetch the view again, not from the page's copy.
const metricFormat = wireMetricFormat(() => {
  view = undefined;
  void load(state);
});

void load(state);
