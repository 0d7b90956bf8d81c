/**
 * Issue 17 over HTTP: the figures API's new fields and `interval`, the CSV export of the view
 * (its order, its name, formula-looking text made inert), the PDF in the table's order, and the
 * admin API for a metric's unit and decimals.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { RecordRow } from '../../src/figures/types.ts';
import { addUser, assertError, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

const day = (n: number): string => new Date(Date.UTC(2026, 0, 5) + n * 86_400_000).toISOString().slice(0, 10);

function fixture(): RecordRow[] {
  const rows: RecordRow[] = [];
  for (let i = 0; i < 60; i += 1) {
    rows.push({ date: day(i), category: '서울 지점', metric: 'revenue', value: 100.5 + i, note: null });
    rows.push({ date: day(i), category: '=HYPERLINK("http://x","y")', metric: 'revenue', value: 7, note: i === 0 ? '+SUM(A1:A9)' : null });
  }
  return rows;
}

async function signedIn(t: TestContext, role: 'admin' | 'member' = 'member'): Promise<{ a: AuthTestApp; cookie: string; csrf: string }> {
  const a = await openApp(t);
  await addUser(a, 'mina', { role });
  await a.figures.importRecords(fixture(), { actor: 'test', filename: 'fixture.csv' });
  return { a, ...(await a.login('mina', PASSWORD)) };
}

describe('GET /api/dashboard/figures (issue 17 fields)', () => {
  test('coverage, format, today, the comparison, partial buckets and the interval asked for', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const get = async (params: Record<string, string>) => (await (await call(a, `/api/dashboard/figures?${new URLSearchParams(params)}`, { cookie, csrf })).json()) as Record<string, any>; // any: JSON checked below
    const view = await get({ from: day(0), to: day(59), interval: 'week', lines: 'categories' });
    assert.deepEqual(view.coverage, { first: day(0), last: day(59) });
    assert.deepEqual(view.format, { metric: 'revenue', unit: '', decimals: 1, set: false });
    assert.match(view.today, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(view.series.bucket, 'week');
    assert.equal(view.series.auto, 'day');
    assert.equal(view.summary.change, null);
    assert.equal(view.summary.comparison.status, 'before-data', 'the 60 days before lie before the first record');
    assert.equal(view.series.previous.length, view.series.points.length);
    assert.equal(view.series.byCategory.length, 2);
    // 2026-01-05 is a Monday: 60 days are 8 whole weeks and 4 days of a ninth.
    assert.deepEqual(view.series.points.at(-1).partial, { from: day(56), to: day(59), days: 4, of: 7 });
    assert.ok(view.series.points.slice(0, -1).every((p: { partial?: unknown }) => p.partial === undefined));
    assert.equal((await get({ from: day(0), to: day(59) })).series.byCategory, undefined, 'lines per category only when asked for');
    const refused = await assertError(await call(a, `/api/dashboard/figures?lines=spaghetti`, { cookie, csrf }), 400, 'bad_request');
    assert.equal(refused.field, 'lines');
  });
});

describe('GET /api/dashboard/records.csv', () => {
  test('the view in the table\'s order, named after the filters; formula-looking text inert', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    await assertError(await call(a, '/api/dashboard/records.csv'), 401, 'token_missing');
    const query = new URLSearchParams({ from: day(0), to: day(9), metric: 'revenue', sort: 'value', dir: 'desc' });
    const res = await call(a, `/api/dashboard/records.csv?${query}`, { cookie, csrf });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('Content-Type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('Content-Disposition'), `attachment; filename="revenue_all_${day(0)}_${day(9)}.csv"; filename*=UTF-8''revenue_all_${day(0)}_${day(9)}.csv`);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
    assert.ok(text.startsWith('\ufeff"date","category","metric","value","note"\r\n'), 'a BOM for Excel, then the header');
    const lines = text.trimEnd().split('\r\n').slice(1);
    assert.equal(lines.length, 20);
    assert.equal(lines[0], `"${day(9)}","서울 지점","revenue",109.5,""`, 'largest value first');
    assert.equal(lines.at(-1), `"${day(0)}","'=HYPERLINK(""http://x"",""y"")","revenue",7,"'+SUM(A1:A9)"`);
    assert.ok(lines.every((line) => !/(^|,)"[=+\-@]/.test(line)), 'no cell starts with a formula character');
    const bad = await assertError(await call(a, `/api/dashboard/records.csv?${new URLSearchParams({ sort: 'password' })}`, { cookie, csrf }), 400, 'bad_request');
    assert.equal(bad.field, 'sort');
  });
});

describe('POST /api/reports/pdf (issue 17)', () => {
  test('accepts the table\'s order, the interval and the lines; refuses bad ones naming the field', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const ok = await call(a, '/api/reports/pdf', { cookie, csrf, json: { metric: 'revenue', sort: 'value', dir: 'asc', interval: 'week', lines: 'categories' } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('Content-Disposition') ?? '', /^attachment; filename="revenue_all_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.pdf"/);
    for (const [body, field] of [
      [{ dir: 'sideways' }, 'dir'],
      [{ interval: 'hour' }, 'interval'],
      [{ lines: 'spaghetti' }, 'lines'],
    ] as const) {
      const refused = await assertError(await call(a, '/api/reports/pdf', { cookie, csrf, json: body }), 400, 'bad_request');
      assert.equal(refused.field, field);
    }
  });
});

describe('/api/admin/metrics', () => {
  test('admins list and set a metric\'s unit and decimals (audited); the view then carries them', async (t) => {
    const { a, cookie, csrf } = await signedIn(t, 'admin');
    const list = (await (await call(a, '/api/admin/metrics', { cookie, csrf })).json()) as Record<string, any>; // any: JSON
    assert.deepEqual(list.metrics, [{ metric: 'revenue', unit: '', decimals: 1, set: false }]);
    await assertError(await call(a, '/api/admin/metrics/revenue', { method: 'PUT', cookie, json: { unit: 'EUR', decimals: 2 } }), 403, 'csrf_missing');
    const res = await call(a, '/api/admin/metrics/revenue', { method: 'PUT', cookie, csrf, json: { unit: 'EUR', decimals: 2 } });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as Record<string, unknown>).metric, { metric: 'revenue', unit: 'EUR', decimals: 2, set: true });
    assert.equal(await countRows(a, 'audit_log', "action = 'metric_format' AND target = 'revenue' AND outcome = 'success'"), 1);
    const view = (await (await call(a, '/api/dashboard/figures', { cookie, csrf })).json()) as Record<string, any>; // any: JSON
    assert.deepEqual(view.format, { metric: 'revenue', unit: 'EUR', decimals: 2, set: true });
    for (const [body, field] of [
      [{ decimals: 9 }, 'decimals'],
      [{ decimals: 1.5 }, 'decimals'],
      [{ unit: 'x'.repeat(13) }, 'unit'],
      [{ unit: ' EUR' }, 'unit'],
      [{ unit: 5 }, 'unit'],
    ] as const) {
      const refused = await assertError(await call(a, '/api/admin/metrics/revenue', { method: 'PUT', cookie, csrf, json: body }), 400, 'bad_request');
      assert.equal(refused.field, field, JSON.stringify(body));
    }
    await assertError(await call(a, '/api/admin/metrics/profit', { method: 'PUT', cookie, csrf, json: { unit: 'EUR' } }), 404, 'not_found');
  });

  test('members are refused', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    await assertError(await call(a, '/api/admin/metrics', { cookie, csrf }), 403, 'forbidden');
    await assertError(await call(a, '/api/admin/metrics/revenue', { method: 'PUT', cookie, csrf, json: { unit: 'EUR' } }), 403, 'forbidden');
  });
});
