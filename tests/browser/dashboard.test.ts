/**
 * The dashboard in real headless Chromium, against the built app (a release copy, development
 * mode, so it holds a year of sample figures): first load after sign-in, filters in the URL,
 * sorting and pages, the PDF download, silent refresh past the access token's life, sign-out
 * and the back button, the phone layout, and the page's weight.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { dashboardSettled, launchChromium, signIn, unexpected, watchConsole } from '../helpers/browser.ts';
import { SAMPLE_FIGURES, artifact, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'dashboard test password';
const fixture = browserFixture({ secret: 'd'.repeat(64), password: PASSWORD, env: SAMPLE_FIGURES, settle: true });

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).textContent()) ?? '').trim();
const number = (value: string): number => Number(value.replace(/[^\d.-]/g, ''));
const columnTexts = (page: Page, column: number): Promise<string[]> => page.locator(`#records tbody tr td:nth-child(${column})`).allTextContents();

test('first visit: sign in, and the dashboard shows figures on the first load', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.shared();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watchConsole(page);
  const documents: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'document') documents.push(new URL(request.url()).pathname);
  });
  const bytes = new Map<string, number>();
  page.on('response', async (response) => {
    const type = response.request().resourceType();
    if ((type === 'document' || type === 'script' || type === 'stylesheet') && !response.url().includes('/login')) bytes.set(response.url(), (await response.body().catch(() => Buffer.alloc(0))).length);
  });

  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/login');
  bytes.clear(); // weigh the dashboard only, not the sign-in page
  await signIn(page, 'chair', PASSWORD, `${base}/`);
  await dashboardSettled(page);
  assert.deepEqual(documents, ['/dashboard/', '/dashboard/login', '/dashboard/'], 'one load of the dashboard after sign-in: no reload needed');

  assert.ok(number(await text(page, '#card-total .card-value')) > 0, 'the total is a number');
  assert.match(await text(page, '#card-count .card-value'), /^\d[\d,]*$/);
  assert.match(await text(page, '#card-change .card-value'), /^[▲▼] (Up|Down) [+-][\d.,]+%$|^No change$|^–No comparison$/, 'the change says its direction in words too');
  assert.ok((await page.locator('#chart-series svg polyline').count()) >= 4, 'the line chart has a line per category');
  assert.ok((await page.locator('#chart-breakdown svg rect').count()) >= 4, 'the bar chart has a bar per category');
  assert.match((await page.locator('#chart-series svg[role="img"] > title').textContent()) ?? '', / per (day|week|month)$/);
  assert.ok((await text(page, '#chart-series .chart-description')).length > 20, 'the chart has a text alternative');
  assert.equal(await page.locator('#records tbody tr').count(), 25);
  assert.match(await text(page, '#range'), /^Rows 1–25 of [\d,]+$/);
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 1, 'an admin sees the Admin link');
  const korean = await page.locator('#records tbody td', { hasText: '서울 지점' }).count();
  assert.ok(korean > 0, 'Korean category names arrive intact');
  await page.screenshot({ path: artifact('dashboard.png'), fullPage: true });

  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`dashboard weight (HTML + JS + CSS, uncompressed): ${total} bytes in ${bytes.size} files: ${[...bytes].map(([url, n]) => `${path.basename(new URL(url).pathname)} ${n}`).join(', ')}`);
  assert.ok(total < 150_000, `the dashboard page weighs ${total} bytes`);
  assert.deepEqual(unexpected(problems), [], 'no script errors and no CSP violations');
  await context.close();
});

test('filters change cards, charts, table and URL; the URL reloads to the same view; back and forward', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems } = opened;
  const allTotal = await text(page, '#card-total .card-value');
  const allBars = await page.locator('#chart-breakdown svg rect').count();

  await page.getByLabel('Category', { exact: true }).selectOption('서울 지점');
  await page.waitForURL(/category=/);
  await dashboardSettled(page);
  assert.equal(new URL(page.url()).searchParams.get('category'), '서울 지점');
  const seoulTotal = await text(page, '#card-total .card-value');
  assert.notEqual(seoulTotal, allTotal, 'the total changed');
  assert.ok(number(seoulTotal) < number(allTotal));
  assert.equal(await text(page, '#card-count .card-note'), '서울 지점');
  assert.equal(await page.locator('#chart-breakdown svg rect').count(), allBars, 'the breakdown still shows every category');
  assert.equal(await page.locator('#chart-breakdown svg rect.f-series').count(), 1, 'the chosen one drawn strong among them');
  assert.deepEqual([...new Set(await columnTexts(page, 2))], ['서울 지점'], 'every row is of the chosen category');

  await page.reload();
  await dashboardSettled(page);
  assert.equal(await text(page, '#card-total .card-value'), seoulTotal, 'reloading the URL shows the same view');
  assert.equal(await page.getByLabel('Category', { exact: true }).inputValue(), '서울 지점');

  // A narrower range: the last week of the default one.
  const to = await page.getByLabel('To', { exact: true }).inputValue();
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL((url) => url.searchParams.get('from') === from);
  await dashboardSettled(page);
  assert.equal(await text(page, '#card-count .card-value'), '7', 'seven days of one category and metric');
  assert.equal(await page.locator('#records tbody tr').count(), 7);
  assert.match(await text(page, '#card-total .card-note'), new RegExp(`${from} – ${to}`));

  await page.goBack();
  await dashboardSettled(page);
  await page.waitForFunction((expected) => document.querySelector('#card-total .card-value')?.textContent === expected, seoulTotal);
  assert.equal(await page.getByLabel('From', { exact: true }).inputValue() === from, false, 'back restores the previous range');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('#card-count .card-value')?.textContent === '7');

  // Presets write both dates.
  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await page.waitForURL((url) => url.searchParams.get('to') === to && url.searchParams.get('from') !== from);
  await dashboardSettled(page);
  assert.equal(await text(page, '#card-count .card-value'), '30');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('sorting by a column header and paging through the records', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems } = opened;

  const header = page.locator('#records th[data-sort="value"]');
  await header.getByRole('button', { name: 'Value' }).click();
  await page.waitForURL(/sort=value/);
  await dashboardSettled(page);
  assert.equal(await header.getAttribute('aria-sort'), 'descending');
  const values = (await columnTexts(page, 4)).map(number);
  assert.deepEqual(values, [...values].sort((a, b) => b - a), 'largest first');
  assert.equal(await page.locator('#records th[data-sort="date"]').getAttribute('aria-sort'), null);

  await header.getByRole('button', { name: 'Value' }).click();
  await page.waitForURL(/dir=asc/);
  await dashboardSettled(page);
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  const ascending = (await columnTexts(page, 4)).map(number);
  assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b), 'smallest first');

  const firstPage = await columnTexts(page, 1);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.waitForURL(/page=2/);
  await dashboardSettled(page);
  assert.match(await text(page, '#range'), /^Rows 26–50 of [\d,]+$/);
  assert.notDeepEqual(await columnTexts(page, 1).then((d) => d.join()), firstPage.join());
  const second = (await columnTexts(page, 4)).map(number);
  assert.ok(second[0]! >= ascending.at(-1)!, 'page 2 continues the order');
  assert.equal(await page.getByRole('button', { name: 'Previous' }).isEnabled(), true);

  await page.reload();
  await dashboardSettled(page);
  assert.match(await text(page, '#range'), /^Rows 26–50 of/, 'page and order survive a reload');
  assert.equal(await header.getAttribute('aria-sort'), 'ascending');
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.waitForURL((url) => !url.searchParams.has('page'));
  await dashboardSettled(page);
  assert.match(await text(page, '#range'), /^Rows 1–25 of/);
  assert.equal(await page.getByRole('button', { name: 'Previous' }).isDisabled(), true);

  // With the keyboard: Tab onto a column header, Enter sorts; the focus is visible.
  await page.getByRole('button', { name: 'Metric' }).focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Category');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused header shows it');
  await page.keyboard.press('Enter');
  await page.waitForURL(/sort=category/);
  await dashboardSettled(page);
  assert.equal(await page.locator('#records th[data-sort="category"]').getAttribute('aria-sort'), 'ascending');
  const categories = await columnTexts(page, 2);
  assert.deepEqual(categories, [...categories].sort(), 'A to Z');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('Download PDF saves the report under a name made from the filters', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems } = opened;
  const button = page.getByRole('button', { name: 'Download PDF' });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), button.click()]);
  assert.match(download.suggestedFilename(), /^new-members_all_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.pdf$/, 'named after the filters');
  const file = await download.path();
  assert.equal(readFileSync(file).subarray(0, 5).toString('latin1'), '%PDF-');
  await page.waitForFunction(() => document.querySelector('#download')?.textContent === 'Download PDF');
  assert.match(await text(page, '#status'), /Report downloaded: new-members_all_/);

  // The server's limit on reports, as the reader sees it (the limit itself is tested over HTTP).
  await page.route('**/api/reports/pdf', (route) =>
    route.fulfill({ status: 429, headers: { 'Retry-After': '42' }, json: { error: 'rate_limited', message: 'Too many requests.' } }),
  );
  await button.click();
  await page.locator('#error-message').filter({ hasText: 'You have downloaded many reports; try again in 42 seconds.' }).waitFor();
  assert.equal(await button.isEnabled(), true, 'the button is usable again');
  assert.deepEqual(unexpected(problems).filter((p) => !/429/.test(p)), []);
  await page.context().close();
});

test('with a 5-second access token the page keeps working past its expiry', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { app, base } = await fixture.start('short', { env: { ACCESS_TOKEN_TTL: '5s' }, stopAfter: t });
  const { page, problems } = await fixture.open(browser, base);
  // 5 s of life plus the verifier's 5 s leeway for clock skew, and a margin.
  await page.waitForTimeout(11_000);
  await page.getByLabel('Category', { exact: true }).selectOption('부산 지점');
  await page.waitForURL(/category=/);
  await dashboardSettled(page);
  assert.equal(new URL(page.url()).pathname, '/dashboard/', 'still on the dashboard, not sent to sign in');
  assert.deepEqual([...new Set(await columnTexts(page, 2))], ['부산 지점']);
  assert.equal(await page.locator('#error').isHidden(), true);
  await app.waitFor(/POST \/dashboard\/api\/auth\/refresh 200/);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('after sign-out, going back shows no figures', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page } = opened;
  assert.ok((await page.locator('#records tbody tr').count()) > 0);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/dashboard\/login\?notice=signed_out/);
  await page.goBack();
  await page.waitForLoadState('load');
  await page.waitForTimeout(300);
  assert.match(new URL(page.url()).pathname, /^\/dashboard\/login$/, 'back lands on sign-in');
  assert.equal(await page.locator('#figures, #records, .card-value').count(), 0, 'no figures in the page');
  assert.equal(await page.getByText('서울 지점').count(), 0);
  await page.context().close();
});

test('on a phone (375 × 740) nothing overflows sideways', async (t) => {
  const opened = await fixture.openShared(t, { viewport: { width: 375, height: 740 } });
  if (opened === undefined) return;
  const { page, problems } = opened;
  assert.ok((await page.locator('#chart-series svg polyline').count()) > 0);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page is ${width} px wide`);
  // The table scrolls inside its own box instead.
  const box = await page.evaluate(() => {
    const scroll = document.getElementById('records-scroll')!;
    return { client: scroll.clientWidth, scroll: scroll.scrollWidth };
  });
  assert.ok(box.client <= 375);
  const cards = await page.locator('.card').evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect()));
  assert.equal(new Set(cards.map((c) => c.left)).size, 2, 'the cards stand two by two');
  assert.equal(new Set(cards.map((c) => c.top)).size, 2);
  await page.screenshot({ path: artifact('dashboard-phone.png'), fullPage: true });
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('designed states: empty, a bad filter, a failed request with Retry, no data at all', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems, base } = opened;

  await page.goto(`${base}/?from=2001-01-01&to=2001-01-31`);
  await dashboardSettled(page);
  assert.equal(await page.locator('#empty-filters').isVisible(), true);
  assert.match(await text(page, '#empty-filters'), /No figures for these filters.*wider date range/);
  assert.equal(await page.locator('#figures').isHidden(), true, 'no empty charts');
  assert.match(await text(page, '#status'), /^No figures for 2001-01-01 – 2001-01-31/);
  assert.equal(await page.getByRole('button', { name: 'Download PDF' }).isDisabled(), true);

  await page.goto(`${base}/?from=yesterday`);
  await dashboardSettled(page);
  assert.equal(await page.getByLabel('From', { exact: true }).getAttribute('aria-invalid'), 'true', 'the field at fault is marked');
  assert.match(await text(page, '#f-from-error'), /The start date “yesterday” is not a day of the calendar/);
  assert.equal(await page.getByRole('button', { name: 'Retry' }).isHidden(), true, 'retrying the same bad value would not help');

  await page.goto(`${base}/`);
  await dashboardSettled(page);
  await page.route('**/api/dashboard/figures*', (route) => route.abort('connectionrefused'));
  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await page.getByRole('button', { name: 'Retry' }).waitFor({ state: 'visible' });
  assert.match(await text(page, '#error-message'), /Could not reach the server/);
  assert.equal(await page.getByRole('alert').filter({ hasText: 'Could not reach' }).count(), 1, 'announced as an alert');
  await page.unroute('**/api/dashboard/figures*');
  await page.getByRole('button', { name: 'Retry' }).click();
  await dashboardSettled(page);
  assert.equal(await page.locator('#error').isHidden(), true);
  assert.equal(await text(page, '#card-count .card-value'), '120', '30 days of four categories');

  // A fresh site with nothing imported: an admin is pointed to the import page.
  const none = { category: null, metric: 'visitors' };
  await page.route('**/api/dashboard/figures*', (route) =>
    route.fulfill({
      json: {
        filters: { from: '2026-01-01', to: '2026-03-31', ...none },
        options: { categories: [], metrics: [], firstDate: null, lastDate: null },
        summary: { total: 0, average: 0, count: 0, previous: { from: '2025-10-03', to: '2025-12-31', total: 0 }, change: null },
        series: { bucket: 'week', points: [] },
        breakdown: [],
      },
    }),
  );
  await page.reload();
  await dashboardSettled(page);
  const link = page.getByRole('link', { name: 'Import a CSV file' });
  assert.equal(await link.getAttribute('href'), '/dashboard/admin#imports');
  assert.equal(await page.locator('#empty-filters').isHidden(), true);
  assert.deepEqual(unexpected(problems).filter((p) => !/400|ERR_CONNECTION_REFUSED/.test(p)), []);
  await page.context().close();
});
