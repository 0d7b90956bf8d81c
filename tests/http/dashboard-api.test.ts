/**
 * The dashboard's JSON API and the PDF report over HTTP: who may call them, what the filters
 * accept (every refusal names its field), what the figures add up to, and the report's
 * headers, CSRF, audit and per-user limit.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { RecordRow } from '../../src/figures/types.ts';
import { addUser, assertError, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp, AuthTestOptions } from '../helpers/auth-app.ts';

const DAY_MS = 86_400_000;
const day = (n: number): string => new Date(Date.UTC(2026, 9, 1) + n * DAY_MS).toISOString().slice(0, 10);

/** 120 days from 2026-10-01: two categories (one Korean), two metrics. */
function fixture(): RecordRow[] {
  const rows: RecordRow[] = [];
  for (let i = 0; i < 120; i += 1) {
    rows.push({ date: day(i), category: '서울 지점', metric: 'revenue', value: 100 + i, note: i === 0 ? 'opening day' : null });
    rows.push({ date: day(i), category: 'Online', metric: 'revenue', value: 10, note: null });
    rows.push({ date: day(i), category: 'Online', metric: 'visitors', value: 3, note: null });
  }
  return rows;
}

async function signedIn(t: TestContext, options: AuthTestOptions = {}): Promise<{ a: AuthTestApp; cookie: string; csrf: string }> {
  const a = await openApp(t, options);
  await addUser(a, 'mina', { displayName: 'Mina Kim' });
  await a.figures.importRecords(fixture(), { actor: 'test', filename: 'fixture.csv' });
  const { cookie, csrf } = await a.login('mina', PASSWORD);
  return { a, cookie, csrf };
}

const sum = (values: number[]): number => values.reduce((s, v) => s + v, 0);

describe('GET /api/dashboard/figures', () => {
  test('signed out: 401 token_missing; signed in: the view with its defaults (last 90 days of data, first metric, all categories)', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    await assertError(await call(a, '/api/dashboard/figures'), 401, 'token_missing');
    const res = await call(a, '/api/dashboard/figures', { cookie, csrf });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('Cache-Control'), 'no-store');
    const view = (await res.json()) as Record<string, any>; // any: a JSON body checked field by field below
    assert.deepEqual(view.filters, { from: day(30), to: day(119), category: null, metric: 'revenue' });
    assert.deepEqual(view.options.categories, ['Online', '서울 지점']);
    assert.deepEqual(view.options.metrics, ['revenue', 'visitors']);
    assert.equal(view.options.firstDate, day(0));
    assert.equal(view.options.lastDate, day(119));
    const expected = sum(Array.from({ length: 90 }, (_, k) => 100 + 30 + k + 10));
    assert.equal(view.summary.total, expected);
    assert.equal(view.summary.count, 180);
    assert.equal(view.series.bucket, 'day');
    assert.equal(view.series.points.length, 90);
    assert.deepEqual(view.breakdown.map((b: { category: string }) => b.category), ['서울 지점', 'Online']);
  });

  test('a category and a period: summary, change against the previous period of the same length', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const query = new URLSearchParams({ from: day(60), to: day(69), category: '서울 지점', metric: 'revenue' });
    const view = (await (await call(a, `/api/dashboard/figures?${query}`, { cookie, csrf })).json()) as Record<string, any>; // any: JSON
    const total = sum(Array.from({ length: 10 }, (_, k) => 160 + k));
    const previous = sum(Array.from({ length: 10 }, (_, k) => 150 + k));
    assert.equal(view.summary.total, total);
    assert.deepEqual(view.summary.previous, { from: day(50), to: day(59), total: previous });
    assert.ok(Math.abs(view.summary.change - (total - previous) / previous) < 1e-9);
    assert.equal(view.summary.comparison.status, 'compared');
    assert.deepEqual(view.breakdown, [{ category: '서울 지점', value: total }, { category: 'Online', value: 100 }], 'every category, the chosen one among them');
  });

  test('bad filters: 400 bad_request naming the field, never an empty chart', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const cases: Array<[Record<string, string>, string]> = [
      [{ from: '2026-02-30' }, 'from'],
      [{ to: 'yesterday' }, 'to'],
      [{ from: day(50), to: day(10) }, 'from'],
      [{ category: 'Nowhere' }, 'category'],
      [{ metric: 'profit' }, 'metric'],
      [{ interval: 'hour' }, 'interval'],
    ];
    for (const [params, field] of cases) {
      const body = await assertError(await call(a, `/api/dashboard/figures?${new URLSearchParams(params)}`, { cookie, csrf }), 400, 'bad_request', JSON.stringify(params));
      assert.equal(body.field, field, JSON.stringify(params));
      const words: Record<string, RegExp> = { from: /start date/, to: /end date/, category: /category/, metric: /metric/, interval: /interval/ };
      assert.match(String(body.message), words[field]!, 'the message names the field too, in words');
      assert.match(String(body.message), /^[A-Z]/, 'a sentence, not a developer\u2019s message');
    }
  });
});

describe('GET /api/dashboard/table', () => {
  test('sorted and paged, with the total over all pages; a page past the end is the last page', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const base = { from: day(0), to: day(119), metric: 'revenue', category: '서울 지점' };
    const page = async (params: Record<string, string>) =>
      (await (await call(a, `/api/dashboard/table?${new URLSearchParams({ ...base, ...params })}`, { cookie, csrf })).json()) as Record<string, any>; // any: JSON
    const first = await page({ sort: 'value', dir: 'desc', pageSize: '10' });
    assert.equal(first.total, 120);
    assert.deepEqual(first.rows.map((r: RecordRow) => r.value), Array.from({ length: 10 }, (_, k) => 219 - k));
    const second = await page({ sort: 'value', dir: 'desc', pageSize: '10', page: '2' });
    assert.equal(second.rows[0].value, 209);
    const oldest = await page({ sort: 'date', dir: 'asc', pageSize: '1' });
    assert.deepEqual(oldest.rows, [{ date: day(0), category: '서울 지점', metric: 'revenue', value: 100, note: 'opening day' }]);
    const beyond = await page({ page: '99', pageSize: '50' });
    assert.deepEqual([beyond.page, beyond.rows.length, beyond.total], [3, 20, 120], 'clamped: the answer names the page it is');
  });

  test('bad paging and sorting: 400 naming the field', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    for (const [params, field] of [
      [{ pageSize: '500' }, 'pageSize'],
      [{ page: '0' }, 'page'],
      [{ sort: 'password' }, 'sort'],
      [{ dir: 'up' }, 'dir'],
    ] as const) {
      const body = await assertError(await call(a, `/api/dashboard/table?${new URLSearchParams(params)}`, { cookie, csrf }), 400, 'bad_request');
      assert.equal(body.field, field);
    }
  });
});

describe('POST /api/reports/pdf', () => {
  test('the current view as a dated PDF attachment, audited; CSRF required; GET is 405', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const filters = { from: day(0), to: day(119), category: '서울 지점', metric: 'revenue' };
    await assertError(await call(a, '/api/reports/pdf', { cookie, json: filters }), 403, 'csrf_missing');
    assert.equal(await countRows(a, 'audit_log', "action = 'report_pdf'"), 0);
    const res = await call(a, '/api/reports/pdf', { cookie, csrf, json: filters });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('Content-Type'), 'application/pdf');
    assert.equal(
      res.headers.get('Content-Disposition'),
      `attachment; filename="revenue_${day(0)}_${day(119)}.pdf"; filename*=UTF-8''revenue_${encodeURIComponent('서울-지점')}_${day(0)}_${day(119)}.pdf`,
      'named after the filters',
    );
    assert.equal(res.headers.get('Cache-Control'), 'no-store');
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(0, 5)).toString(), '%PDF-');
    assert.equal(Number(res.headers.get('Content-Length')), bytes.byteLength);
    assert.equal(await countRows(a, 'audit_log', "action = 'report_pdf' AND actor = 'mina' AND outcome = 'success'"), 1);
    const get = await call(a, '/api/reports/pdf', { cookie });
    await assertError(get, 405, 'method_not_allowed');
    assert.equal(get.headers.get('Allow'), 'POST');
  });

  test('bad filters in the body: 400 with the field; a form post works too', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const body = await assertError(await call(a, '/api/reports/pdf', { cookie, csrf, json: { category: 'Nowhere' } }), 400, 'bad_request');
    assert.equal(body.field, 'category');
    await assertError(await call(a, '/api/reports/pdf', { cookie, csrf, json: { from: 7 } }), 400, 'bad_request');
    const form = await call(a, '/api/reports/pdf', { cookie, form: { csrf_token: csrf, metric: 'visitors' } });
    assert.equal(form.status, 200);
    assert.equal(form.headers.get('Content-Type'), 'application/pdf');
  });

  test('limited per user (RATE_LIMIT_PDF): 429 with Retry-After, and the draft headers on every report', async (t) => {
    const { a, cookie, csrf } = await signedIn(t, { rateLimit: { pdf: '2/minute' } });
    for (let i = 0; i < 2; i += 1) {
      const res = await call(a, '/api/reports/pdf', { cookie, csrf, json: { metric: 'visitors' } });
      assert.equal(res.status, 200);
      // Both policies that applied, the default per address and the report's per user.
      assert.equal(res.headers.get('RateLimit-Policy'), '"default";q=300;w=60, "pdf";q=2;w=60');
      assert.match(res.headers.get('RateLimit') ?? '', /^"default";r=\d+;t=\d+, "pdf";r=\d;t=\d+$/);
      assert.equal(res.headers.get('X-RateLimit-Limit'), '2');
    }
    const refused = await call(a, '/api/reports/pdf', { cookie, csrf, json: { metric: 'visitors' } });
    await assertError(refused, 429, 'rate_limited');
    assert.ok(Number(refused.headers.get('Retry-After')) > 0);
    assert.equal(await countRows(a, 'audit_log', "action = 'report_pdf'"), 2);
  });
});
