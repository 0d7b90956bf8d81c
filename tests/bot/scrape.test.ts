/**
 * Scraping limits on the data API (src/bot/scrape.ts) over HTTP: same-origin reads only (the
 * browser's Sec-Fetch-Site, and the CSRF header the page sends on reads), hard caps on page size
 * and period, per-user budgets of requests and rows cut a fast pager off with 429 and the
 * rate-limit headers (a scripting tool's User-Agent sooner), each refusal audited; a person's
 * use of the page with the default budgets is never refused. Also: X-Robots-Tag on every
 * answer, and robots.txt.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { parseRate } from '../../src/config/index.ts';
import type { RecordRow } from '../../src/figures/types.ts';
import { addUser, assertError, call, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp, AuthTestOptions } from '../helpers/auth-app.ts';

const rate = (text: string) => {
  const parsed = parseRate(text);
  assert.ok(parsed.ok);
  return parsed.value;
};
const day = (n: number): string => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

async function signedIn(t: TestContext, options: AuthTestOptions = {}): Promise<{ a: AuthTestApp; cookie: string; csrf: string }> {
  const a = await openApp(t, { rateLimit: {}, ...options });
  await addUser(a, 'mina');
  const rows: RecordRow[] = [];
  for (let i = 0; i < 400; i += 1) rows.push({ date: day(i), category: 'Online', metric: 'visitors', value: i, note: null });
  await a.figures.importRecords(rows, { actor: 'test', filename: 'f.csv' });
  a.clock.now = Date.parse(`${day(400)}T12:00:00Z`) / 1000;
  const { cookie, csrf } = await a.login('mina', PASSWORD);
  return { a, cookie, csrf };
}

async function refusedTimes(a: AuthTestApp): Promise<Record<string, number>> {
  await a.bot.refusals.flush();
  const out: Record<string, number> = {};
  for (const e of await a.store.listAudit({ action: 'refused' })) {
    const reason = (e.detail ?? '').split(':')[0]!;
    out[reason] = (out[reason] ?? 0) + e.times;
  }
  return out;
}

describe('the data API answers its own page only', () => {
  test('a cross-site read (Sec-Fetch-Site) is 403; a read without the CSRF header or with another is 403; the page\u2019s read is 200', async (t) => {
    const { a, cookie, csrf } = await signedIn(t);
    const url = `/api/dashboard/table?from=${day(0)}&to=${day(99)}`;
    assert.equal((await call(a, url, { cookie, csrf, headers: { 'Sec-Fetch-Site': 'same-origin' } })).status, 200);
    assert.equal((await call(a, url, { cookie, csrf })).status, 200, 'no Sec-Fetch-Site (older browsers, scripts): the CSRF header decides');
    for (const site of ['cross-site', 'same-site', 'none']) {
      await assertError(await call(a, url, { cookie, csrf, headers: { 'Sec-Fetch-Site': site } }), 403, 'forbidden', site);
    }
    await assertError(await call(a, url, { cookie }), 403, 'csrf_missing');
    await assertError(await call(a, url, { cookie, csrf: 'not-the-token' }), 403, 'csrf_mismatch');
    await assertError(await call(a, `/api/dashboard/figures?from=${day(0)}`, { cookie }), 403, 'csrf_missing');
    assert.deepEqual(await refusedTimes(a), { cross_site: 3, csrf_read: 3 });
  });

  test('DATA_API_SAME_ORIGIN=off lets a cookie alone read', async (t) => {
    const { a, cookie } = await signedIn(t, { bot: { dataApiSameOrigin: false } });
    assert.equal((await call(a, `/api/dashboard/figures?from=${day(0)}`, { cookie, headers: { 'Sec-Fetch-Site': 'cross-site' } })).status, 200);
  });
});

describe('caps and budgets', () => {
  test('page size and period above their caps: 400 naming the field', async (t) => {
    const { a, cookie, csrf } = await signedIn(t, { bot: { dataApiMaxPageSize: 50, dataApiMaxDays: 100 } });
    assert.equal((await call(a, `/api/dashboard/table?from=${day(0)}&to=${day(99)}&pageSize=50`, { cookie, csrf })).status, 200);
    const big = await assertError(await call(a, `/api/dashboard/table?from=${day(0)}&to=${day(99)}&pageSize=51`, { cookie, csrf }), 400, 'bad_request');
    assert.equal(big.field, 'pageSize');
    const long = await assertError(await call(a, `/api/dashboard/figures?from=${day(0)}&to=${day(100)}`, { cookie, csrf }), 400, 'bad_request');
    assert.equal(long.field, 'from');
    assert.deepEqual(await refusedTimes(a), { page_size: 1, date_range: 1 });
  });

  test('a scraper paging faster than its request budget: 429 with Retry-After and the RateLimit headers; a tenth for curl', async (t) => {
    const { a, cookie, csrf } = await signedIn(t, { bot: { dataApiRequests: rate('10/minute'), dataApiRows: null } });
    const page = (n: number, headers: Record<string, string> = {}) =>
      call(a, `/api/dashboard/table?from=${day(0)}&to=${day(399)}&pageSize=25&page=${n}`, { cookie, csrf, headers });
    for (let n = 1; n <= 10; n += 1) {
      const res = await page(n);
      assert.equal(res.status, 200, `page ${n}`);
      assert.match(res.headers.get('ratelimit-policy') ?? '', /"data";q=10;w=60/);
      assert.equal(res.headers.get('x-ratelimit-remaining'), String(10 - n));
    }
    const cut = await page(11);
    await assertError(cut.clone(), 429, 'rate_limited');
    assert.ok(Number(cut.headers.get('retry-after')) >= 1);
    assert.match(cut.headers.get('ratelimit') ?? '', /"data";r=0;t=\d+/);
    assert.equal(cut.headers.get('x-ratelimit-remaining'), '0');
    assert.deepEqual(await refusedTimes(a), { data_budget: 1 });
    // The budget is the user's, not the connection's: another address changes nothing.
    assert.equal((await page(12, { 'X-Forwarded-For': '198.51.100.4' })).status, 429);
    // A new minute: served again; a scripting tool's User-Agent gets a tenth (1 a minute).
    a.clock.now += 60;
    assert.equal((await page(13, { 'User-Agent': 'python-requests/2.32' })).status, 200);
    const curl = await page(14, { 'User-Agent': 'python-requests/2.32' });
    assert.equal(curl.status, 429);
    assert.match(curl.headers.get('ratelimit-policy') ?? '', /"data-weak";q=1;w=60/);
  });

  test('the row budget: pages of 200 rows are charged by size, and cut off before the rows are served', async (t) => {
    // 1,000 rows an hour = 20 units of 50: five pages of 200.
    const { a, cookie, csrf } = await signedIn(t, { bot: { dataApiRequests: null, dataApiRows: rate('1000/hour') } });
    const page = (n: number, size = 200) => call(a, `/api/dashboard/table?from=${day(0)}&to=${day(399)}&pageSize=${size}&page=${n}`, { cookie, csrf });
    for (let n = 1; n <= 5; n += 1) assert.equal((await page(n)).status, 200, `page ${n}`);
    const cut = await page(6);
    await assertError(cut.clone(), 429, 'rate_limited');
    assert.match(cut.headers.get('ratelimit-policy') ?? '', /"data-rows";q=20;w=3600/);
    assert.ok(cut.headers.get('retry-after') !== null);
    assert.deepEqual(await refusedTimes(a), { row_budget: 1 });
    // The figures (aggregates) are not rows: still served.
    assert.equal((await call(a, `/api/dashboard/figures?from=${day(0)}&to=${day(99)}`, { cookie, csrf })).status, 200);
  });

  test('a person clicking through the page for an hour with the default budgets is never refused', async (t) => {
    // An access token for the whole hour (the page renews its own silently; not the point here).
    const { a, cookie, csrf } = await signedIn(t, { accessTtl: 7200 });
    // Two hundred views (a figures and a table request each, 25 rows a page, as public/dashboard.ts
    // asks), one every 18 seconds: far more than anyone clicks in an hour.
    for (let i = 0; i < 200; i += 1) {
      const from = day(i % 300);
      const to = day((i % 300) + 90);
      assert.equal((await call(a, `/api/dashboard/figures?from=${from}&to=${to}`, { cookie, csrf })).status, 200, `view ${i}`);
      assert.equal((await call(a, `/api/dashboard/table?from=${from}&to=${to}&pageSize=25&page=${(i % 4) + 1}`, { cookie, csrf })).status, 200, `table ${i}`);
      a.clock.now += 18;
    }
    assert.deepEqual(await refusedTimes(a), {});
  });
});

describe('robots', () => {
  test('X-Robots-Tag: noindex on every kind of answer; robots.txt disallows everything', async (t) => {
    const a = await openApp(t);
    for (const path of ['/login', '/api/me', '/nothing', '/healthz', '/api/auth/challenge', '/robots.txt']) {
      assert.equal((await call(a, path)).headers.get('x-robots-tag'), 'noindex, nofollow', path);
    }
    const robots = await call(a, '/robots.txt');
    assert.equal(robots.status, 200);
    assert.match(robots.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await robots.text(), 'User-agent: *\nDisallow: /\n');
  });
});
