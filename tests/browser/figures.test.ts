/**
 * Issue 17 in real Chromium: honest figures (no comparison before the data starts; a week cut by
 * the range drawn apart), the charts' tooltips by mouse and by keyboard, a bar that filters by
 * its category, and the CSV export with a formula-looking value coming out inert. Prints (does
 * not assert) the page's weight and the cards' time after navigation, median of several loads.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { dashboardSettled, launchChromium, signIn, unexpected } from '../helpers/browser.ts';
import { SAMPLE_FIGURES, artifact, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'figures test password';
const fixture = browserFixture({ secret: 'f'.repeat(64), password: PASSWORD, env: SAMPLE_FIGURES, settle: true });

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).textContent()) ?? '').trim();
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const DAY = 86_400_000;

test('"This year" and the whole sample: no percentage where the previous period starts before the data, but "no comparison: figures start on …"', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  const first = await page.evaluate(() => document.querySelector<HTMLInputElement>('#f-to')!.value);
  await page.getByRole('button', { name: 'This year' }).click();
  await page.waitForURL(/from=\d{4}-01-01/);
  await dashboardSettled(page);
  const from = new URL(page.url()).searchParams.get('from')!;
  // The sample year ends today and starts 364 days before. The previous period is as long as
  // this year so far: in the year's first half the sample covers it and a change is shown; in
  // the second half it starts before the sample and the comparison is suppressed.
  const firstRecord = iso(Date.parse(`${first}T00:00:00Z`) - 364 * DAY);
  const length = (Date.parse(`${first}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1;
  const previousFrom = iso(Date.parse(`${from}T00:00:00Z`) - length * DAY);
  if (previousFrom < firstRecord) {
    assert.equal(await text(page, '#card-change .card-value'), '–No comparison');
    assert.equal(await text(page, '#card-change .card-note'), `no comparison: figures start on ${firstRecord}`);
    assert.doesNotMatch(await text(page, '#card-change'), /%/);
  } else {
    assert.match(await text(page, '#card-change .card-value'), /%/, 'the previous period is covered: a change is shown');
  }
  assert.match(await text(page, '#up-to'), new RegExp(`^Figures up to ${first}`));
  // The whole sample, whatever the date: its previous period lies entirely before the data.
  await page.goto(`${base}/?from=${firstRecord}&to=${first}`);
  await dashboardSettled(page);
  assert.equal(await text(page, '#card-change .card-value'), '–No comparison');
  assert.equal(await text(page, '#card-change .card-note'), `no comparison: figures start on ${firstRecord}`);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('a week cut by the range is drawn apart (ring, dashes, legend) and its tooltip says so; tooltips by mouse and keyboard', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page: first, problems: firstProblems, base, browser } = opened;
  const to = await first.evaluate(() => document.querySelector<HTMLInputElement>('#f-to')!.value);
  await first.context().close();
  // From a Thursday ~100 days back: its week (Monday to Sunday) is cut to four days.
  let start = Date.parse(`${to}T00:00:00Z`) - 100 * DAY;
  while (new Date(start).getUTCDay() !== 4) start -= DAY;
  const from = iso(start);
  const { page, problems } = await fixture.open(browser, base, { thenTo: `/?from=${from}&to=${to}&metric=visitors&interval=week&lines=total` });
  assert.equal(await page.getByLabel('Interval').inputValue(), 'week');
  assert.equal(await page.getByLabel('Show').inputValue(), 'total');
  const rings = page.locator('#chart-series svg circle.partial');
  assert.ok((await rings.count()) >= 1, 'the partial week is a ring');
  assert.ok((await page.locator('#chart-series svg polyline[stroke-dasharray]').count()) >= 1, 'its segment is dashed');
  assert.ok((await page.locator('#chart-series svg text', { hasText: 'Incomplete period' }).count()) === 1, 'and the legend says what dashes mean');
  const firstRing = await rings.first().boundingBox();
  const solid = await page.locator('#chart-series svg polyline:not([stroke-dasharray])').first().boundingBox();
  assert.ok(firstRing !== null && solid !== null && firstRing.x < solid.x, 'the first week is the one drawn apart');

  // Mouse: over the first ring, a tooltip (not a native title) with the period and the value.
  const tip = page.locator('#chart-series .chart-tip');
  await page.mouse.move(firstRing.x + firstRing.width / 2, firstRing.y + firstRing.height / 2);
  await tip.waitFor({ state: 'visible' });
  const monday = iso(start - 3 * DAY);
  const label = new Date(`${monday}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
  assert.match(await text(page, '#chart-series .chart-tip'), new RegExp(`^Week of ${label} \\(incomplete: 4 of 7 days\\)[\\d,]+$`));
  assert.equal(await page.locator('#chart-series svg title').count(), 1, 'only the chart\'s own name, no per-point title bubbles');
  await page.mouse.move(5, 5);
  await tip.waitFor({ state: 'hidden' });

  // Keyboard: Tab reaches the chart; arrows step through the weeks.
  await page.getByLabel('Show').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('figure')?.id), 'chart-series');
  await tip.waitFor({ state: 'visible' });
  assert.match(await text(page, '#chart-series .chart-tip'), /^Week of .*\(incomplete/);
  await page.keyboard.press('ArrowRight');
  const second = await text(page, '#chart-series .chart-tip');
  assert.match(second, /^Week of [A-Z][a-z]{2} \d{1,2}, \d{4}[\d,]+$/, 'a whole week: no note');
  await page.keyboard.press('End');
  assert.match(await text(page, '#chart-series .chart-tip'), /incomplete: .*today is not over/);
  assert.equal(await page.locator('#chart-series .chart-tip[role="status"]').count(), 1, 'read out by screen readers');
  assert.deepEqual(unexpected([...firstProblems, ...problems]), []);
  await page.context().close();
});

test('a line per category with a legend; a bar of the breakdown filters by its category, by mouse or Enter', async (t) => {
  const opened = await fixture.openShared(t, { thenTo: '/?metric=revenue' });
  if (opened === undefined) return;
  const { page, problems } = opened;
  assert.equal(await page.getByLabel('Show').inputValue(), 'categories');
  assert.equal(await page.locator('#chart-series svg polyline:not([stroke-dasharray])').evaluateAll((lines) => new Set(lines.map((l) => l.getAttribute('class'))).size), 4, 'four colours');
  assert.equal(await page.locator('#chart-series svg text', { hasText: '서울 지점' }).count(), 1, 'a legend entry per category');
  const fontSize = await page.locator('#chart-series svg text').first().evaluate((node) => Number(getComputedStyle(node).fontSize.replace('px', '')));
  assert.ok(fontSize >= 12, `chart text at ${fontSize} px`);

  const bar = page.locator('#chart-breakdown svg rect').nth(1);
  await bar.hover();
  const tip = page.locator('#chart-breakdown .chart-tip');
  await tip.waitFor({ state: 'visible' });
  const category = (await tip.locator('strong').textContent())!;
  assert.match(await tip.textContent() ?? '', /Click or press Enter to filter by it/);
  await bar.click();
  await page.waitForURL((url) => url.searchParams.get('category') === category);
  await dashboardSettled(page);
  assert.equal(await page.getByLabel('Category', { exact: true }).inputValue(), category);
  assert.equal(await page.locator('#chart-breakdown svg rect.f-series').count(), 1, 'the chosen one strong');

  // Keyboard: focus the breakdown, go to the first bar, Enter filters by it.
  await page.locator('#chart-breakdown .chart-frame').focus();
  await page.keyboard.press('Home');
  const firstCategory = (await page.locator('#chart-breakdown .chart-tip strong').textContent())!.replace(/ \(chosen\)$/, '');
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('category') === firstCategory);
  await dashboardSettled(page);
  assert.equal(await page.getByLabel('Category', { exact: true }).inputValue(), firstCategory);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('Download CSV: the view in the table\'s order, named after the filters, a value starting with = inert', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  const to = await page.evaluate(() => document.querySelector<HTMLInputElement>('#f-to')!.value);
  // An admin imports a file whose category and note look like formulas.
  const imported = await page.evaluate(
    async ({ base, to }) => {
      const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.includes('csrf'))?.split('=')[1] ?? '');
      const body = `date,category,metric,value,note\n${to},"=HYPERLINK(""http://evil.example"",""x"")",visitors,3,"@SUM(A1)"\n`;
      const res = await fetch(`${base}/api/admin/imports?filename=evil.csv`, { method: 'POST', headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': csrf }, body });
      return res.status;
    },
    { base, to },
  );
  assert.equal(imported, 201);
  await page.goto(`${base}/?from=${to}&to=${to}&metric=visitors&sort=category&dir=asc`);
  await dashboardSettled(page);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByRole('button', { name: 'Download CSV' }).click()]);
  assert.equal(download.suggestedFilename(), `visitors_all_${to}_${to}.csv`);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.replace(/^\ufeff/, '').trimEnd().split('\r\n');
  assert.equal(lines[0], '"date","category","metric","value","note"');
  assert.equal(lines.length, 1 + 5, 'four branches and the imported row');
  const evil = lines.find((line) => line.includes('HYPERLINK'));
  assert.equal(evil, `"${to}","'=HYPERLINK(""http://evil.example"",""x"")","visitors",3,"'@SUM(A1)"`, 'text, not a formula');
  const categories = lines.slice(1).map((line) => line.split('","')[1]!);
  assert.deepEqual(categories, [...categories].sort((a, b) => a.localeCompare(b)), 'in the table\'s order');
  assert.match(await text(page, '#status'), /CSV downloaded: visitors_all_/);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('an admin sets the metric\'s unit and decimals beside the cards; every figure then carries them', async (t) => {
  const opened = await fixture.openShared(t, { thenTo: '/?metric=visitors&lines=total' });
  if (opened === undefined) return;
  const { page, problems } = opened;
  assert.match(await text(page, '#card-total .card-value'), /^[\d,]+$/, 'whole visitors: no decimals by default');
  await page.getByText('Unit and decimals of this metric').click();
  await page.getByLabel('Unit', { exact: true }).fill('visits');
  await page.getByLabel('Decimal places').selectOption('1');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForFunction(() => /\.\d visits$/.test(document.querySelector('#card-total .card-value')?.textContent ?? ''));
  assert.match(await text(page, '#card-average .card-value'), /^[\d,]+\.\d visits$/);
  assert.match(((await page.locator('#records tbody tr td:nth-child(4)').first().textContent()) ?? '').trim(), /^[\d,]+\.\d$/, 'the table with the same places');
  assert.equal(await page.locator('#records th[data-sort="value"]').getAttribute('data-unit'), '(visits)', 'the unit once, in its header');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('dark mode: no white chart boxes, light text on the dark ground, the tooltip dark too', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.shared();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await signIn(page, 'chair', PASSWORD, `${base}/`);
  await dashboardSettled(page);
  const colours = await page.evaluate(() => {
    const frame = document.querySelector('#chart-series .chart-frame')!;
    const textNode = document.querySelector('#chart-series svg text')!;
    const card = document.querySelector('#chart-series')!;
    return { frame: getComputedStyle(frame).backgroundColor, card: getComputedStyle(card).backgroundColor, text: getComputedStyle(textNode).fill };
  });
  assert.notEqual(colours.frame, 'rgb(255, 255, 255)');
  assert.notEqual(colours.card, 'rgb(255, 255, 255)');
  const [r, g, b] = (colours.text.match(/\d+/g) ?? []).map(Number);
  assert.ok(r! + g! + b! > 3 * 180, `chart text ${colours.text} is light on the dark ground`);
  await page.locator('#chart-series .chart-frame').focus();
  const tip = await page.locator('#chart-series .chart-tip').evaluate((node) => getComputedStyle(node).backgroundColor);
  assert.notEqual(tip, 'rgb(255, 255, 255)');
  await page.screenshot({ path: artifact('dashboard-dark.png'), fullPage: true });
  await context.close();
});

test('measured: page weight and the cards\' time after navigation (printed, not asserted)', async (t) => {
  const opened = await fixture.openShared(t);
  if (opened === undefined) return;
  const { page, base } = opened;
  const bytes = new Map<string, number>();
  page.on('response', async (response) => {
    const type = response.request().resourceType();
    if (type === 'document' || type === 'script' || type === 'stylesheet') bytes.set(response.url(), (await response.body().catch(() => Buffer.alloc(0))).length);
  });
  const times: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    await page.goto(`${base}/`);
    await dashboardSettled(page);
    times.push(await page.evaluate(() => performance.getEntriesByName('figures-shown')[0]?.startTime ?? Number.NaN));
  }
  const sorted = [...times].sort((a, b) => a - b);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`dashboard weight (HTML + JS + CSS, uncompressed): ${total} bytes (goal < 150,000): ${[...bytes].map(([url, n]) => `${path.basename(new URL(url).pathname)} ${n}`).join(', ')}`);
  t.diagnostic(`cards shown after navigation: median ${Math.round(sorted[3]!)} ms of ${times.map((v) => Math.round(v)).join(', ')} (goal within 250 ms)`);
  assert.ok(times.every((v) => Number.isFinite(v)), 'every load marked when its figures were shown');
  await page.context().close();
});
