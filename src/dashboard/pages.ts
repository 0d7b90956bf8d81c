/**
 * GET /: the dashboard page. The server sends the frame (filters from the query string,
 * empty regions with their loading state); public/dashboard.ts fetches the figures from the
 * JSON API and fills it in, on the first load and on every filter change. The filter form is a
 * plain GET form, so the URL is the state: it can be bookmarked, shared and reloaded.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { escapeHtml } from '../http/html.ts';
import type { Session } from '../auth/session.ts';
import { pageVisit, renderSignedIn, signInRedirect, type SignedInPageDeps } from './layout.ts';

export type DashboardPageDeps = SignedInPageDeps;

/** The query parameters the page understands; anything else is ignored. */
const PARAMS = ['from', 'to', 'category', 'metric', 'sort', 'dir', 'page'] as const;
type Query = Partial<Record<(typeof PARAMS)[number], string>>;

function readQuery(get: (name: string) => string | undefined): Query {
  const query: Query = {};
  for (const name of PARAMS) {
    const value = get(name);
    if (value !== undefined && value !== '' && value.length <= 200) query[name] = value;
  }
  return query;
}

const attr = (value: string | undefined): string => escapeHtml(value ?? '');

function filterForm(base: string, q: Query): string {
  // Without JavaScript the selects cannot list every option, but they keep the current choice.
  const current = (value: string | undefined): string =>
    value === undefined ? '' : `<option value="${attr(value)}" selected>${escapeHtml(value)}</option>`;
  const hidden = (['sort', 'dir'] as const)
    .map((name) => (q[name] === undefined ? '' : `<input type="hidden" name="${name}" value="${attr(q[name])}">`))
    .join('');
  // Each field has its own message slot: a bad value in the URL is explained beside its field.
  const problem = (name: string): string => `<p class="field-error" id="f-${name}-error" hidden></p>`;
  const lists = 'aria-describedby="select-hint"';
  return (
    `<form id="filters" class="filters" method="get" action="${base}/" aria-label="Filters">` +
    `<div class="field date"><label for="f-from">From</label><input id="f-from" name="from" type="date" value="${attr(q.from)}">${problem('from')}</div>` +
    `<div class="field date"><label for="f-to">To</label><input id="f-to" name="to" type="date" value="${attr(q.to)}">${problem('to')}</div>` +
    `<div class="field"><label for="f-category">Category</label><select id="f-category" name="category" ${lists}>` +
    `<option value="">All categories</option>${current(q.category)}</select>${problem('category')}</div>` +
    `<div class="field"><label for="f-metric">Metric</label><select id="f-metric" name="metric" ${lists}>${current(q.metric)}</select>${problem('metric')}</div>` +
    `${hidden}<button type="submit" id="apply">Apply</button>` +
    '<span id="select-hint" class="vh">With the arrow keys, the choice applies when you press Enter or leave the list.</span>' +
    '<div class="presets" role="group" aria-label="Quick date ranges">' +
    '<button type="button" class="link" data-preset="30">Last 30 days</button>' +
    '<button type="button" class="link" data-preset="90">Last 90 days</button>' +
    '<button type="button" class="link" data-preset="year">This year</button>' +
    '<button type="button" class="link" data-preset="all">All time</button>' +
    `<a id="reset-filters" class="reset" href="${base}/">Reset filters</a></div>` +
    '</form>'
  );
}

function card(id: string, label: string): string {
  return (
    `<div class="card" id="card-${id}"><h3 class="card-label">${label}</h3>` +
    '<p class="card-value"><span class="skeleton">\u2007</span></p><p class="card-note"></p></div>'
  );
}

function chartFigure(id: string, title: string, controls = ''): string {
  return (
    `<figure class="chart" id="chart-${id}"><figcaption><h3>${title}</h3>${controls}</figcaption>` +
    '<div class="chart-frame"><div class="skeleton chart-skeleton"></div></div>' +
    '<p class="vh chart-description"></p>' +
    '<details class="chart-data"><summary>Show as table</summary><div class="table-scroll"></div></details></figure>'
  );
}

/** The interval and what the line chart draws (public/lib/view-controls.ts fills in and wires them). */
const seriesControls =
  '<div class="chart-controls">' +
  '<label for="chart-interval">Interval</label><select id="chart-interval"><option value="">Auto</option>' +
  '<option value="day">Day</option><option value="week">Week</option><option value="month">Month</option></select>' +
  '<label for="chart-lines">Show</label><select id="chart-lines"><option value="categories">Each category</option>' +
  '<option value="total">Total</option><option value="previous">Total and previous period</option></select></div>';

/**
 * For admins: how the chosen metric is written (unit, decimal places), beside the cards;
 * public/lib/metric-format.ts fills it in and saves it through PUT /api/admin/metrics/:metric.
 */
const metricFormatForm =
  '<details id="metric-format" class="metric-format"><summary>Unit and decimals of this metric</summary>' +
  '<form id="metric-format-form" class="inline-form" novalidate>' +
  '<label for="mf-unit">Unit</label><input id="mf-unit" name="unit" maxlength="12" size="8" autocomplete="off">' +
  '<label for="mf-decimals">Decimal places</label><select id="mf-decimals" name="decimals">' +
  '<option value="">From the data</option><option value="0">0</option><option value="1">1</option><option value="2">2</option><option value="3">3</option><option value="4">4</option></select>' +
  '<button type="submit" class="small">Save</button><span id="mf-status" class="hint" role="status"></span></form></details>';

function emptyState(base: string, session: Session): string {
  const noData =
    session.user.role === 'admin'
      ? `No figures have been imported yet. <a href="${base}/admin#imports">Import a CSV file</a> to get started.`
      : 'No figures have been imported yet. An administrator can import them.';
  return (
    '<div id="empty" class="notice" hidden>' +
    '<p id="empty-filters"><strong>No figures for these filters.</strong> Try a wider date range or \u201cAll categories\u201d.</p>' +
    `<p id="empty-none" hidden>${noData}</p></div>`
  );
}

export function dashboardPage(session: Session, deps: DashboardPageDeps, q: Query, renew = false): string {
  const base = escapeHtml(deps.basePath);
  const main =
    '<div class="title-row"><h1 id="title">Dashboard</h1>' +
    '<div class="downloads"><button type="button" id="download-csv" class="secondary" disabled>Download CSV</button>' +
    '<button type="button" id="download" class="secondary" disabled>Download PDF</button></div></div>' +
    filterForm(base, q) +
    '<p id="status" class="status" role="status" aria-live="polite">Loading figures\u2026</p>' +
    '<div id="error" class="alert" role="alert" hidden><p id="error-message"></p>' +
    '<button type="button" id="retry" class="secondary">Retry</button></div>' +
    emptyState(base, session) +
    '<noscript><p class="notice">The figures need JavaScript. Sign-in, sign-out and the filters above work without it.</p></noscript>' +
    '<div id="figures" aria-busy="true">' +
    '<p id="stale-note" class="stale-note" hidden></p>' +
    '<section aria-labelledby="summary-title"><h2 id="summary-title" class="vh">Summary</h2><p id="up-to" class="up-to"></p>' +
    (session.user.role === 'admin' ? metricFormatForm : '') +
    '<div class="cards">' +
    card('total', 'Total') + card('average', 'Average per day') + card('count', 'Records') + card('change', 'Change vs previous period') +
    '</div></section>' +
    '<section aria-labelledby="charts-title"><h2 id="charts-title" class="vh">Charts</h2><div class="charts">' +
    chartFigure('series', 'Over time', seriesControls) + chartFigure('breakdown', 'By category') +
    '</div></section>' +
    '<section aria-labelledby="records-title" class="records"><h2 id="records-title">Records</h2>' +
    '<div class="table-scroll" id="records-scroll" tabindex="0" role="region" aria-label="Records table"><table id="records"><caption class="vh">Records matching the filters; the column buttons sort them.</caption><thead><tr>' +
    '<th scope="col" data-sort="date"><button type="button" class="sort">Date</button></th>' +
    '<th scope="col" data-sort="category"><button type="button" class="sort">Category</button></th>' +
    '<th scope="col" data-sort="metric"><button type="button" class="sort">Metric</button></th>' +
    '<th scope="col" data-sort="value" class="num"><button type="button" class="sort">Value</button></th>' +
    '<th scope="col">Note</th></tr></thead><tbody></tbody></table></div>' +
    '<nav class="pager" aria-label="Pages of records"><button type="button" id="prev" class="secondary">Previous</button>' +
    '<span id="range" aria-live="polite"></span><button type="button" id="next" class="secondary">Next</button></nav>' +
    '</section></div>';
  return renderSignedIn(session, deps, { title: 'Dashboard', section: 'dashboard', main, scripts: ['dashboard.js'], renew });
}

/** Registers the dashboard page. */
export function dashboardPages(app: Hono<AppEnv>, deps: DashboardPageDeps): void {
  app.get('/', async function dashboard(c) {
    const visit = await pageVisit(c, deps);
    if (visit.session === undefined) return signInRedirect(c, deps.basePath, '/', visit.reason);
    return c.html(dashboardPage(visit.session, deps, readQuery((name) => c.req.query(name)), visit.renew));
  });
}
