/**
 * Issue 17's server side, through app.request(): why the sign-in page is shown (ended, expired)
 * and where it leads back to, the page renewing an expired access token instead of a trip through
 * /login, every Add-user problem at once, the audit filters' lists, refused imports in the audit
 * log, no self-lockout, and the favicon linked from every page.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { addUser, assertError, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp, AuthTestOptions } from '../helpers/auth-app.ts';
import { testApp } from '../helpers/app.ts';
import { createMemoryAssets } from '../../src/http/assets.ts';

const TTL = 900;

async function admin(t: TestContext, options: AuthTestOptions = {}): Promise<{ a: AuthTestApp; cookie: string; csrf: string; id: number }> {
  const a = await openApp(t, { accessTtl: TTL, refreshTtl: 7 * 86_400, ...options });
  const id = await addUser(a, 'root', { role: 'admin', displayName: 'Root Admin' });
  const { cookie, csrf } = await a.login('root', PASSWORD);
  return { a, cookie, csrf, id };
}

describe('signed-in pages and the sign-in page', () => {
  test('an expired access token: the page is served to renew it (no /login), within the refresh token\u2019s life only', async (t) => {
    const { a, cookie } = await admin(t);
    a.clock.now += TTL + 60;
    for (const path of ['/', '/admin?action=login']) {
      const res = await call(a, path, { cookie });
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /<meta name="session" content="renew">/, path);
    }
    // The API still answers token_expired, so the page refreshes (the renewal is the page's, never the API's).
    await assertError(await call(a, '/api/dashboard/figures', { cookie }), 401, 'token_expired');
    a.clock.now += 7 * 86_400;
    const old = await call(a, '/admin?action=login', { cookie });
    assert.equal(old.status, 302);
    assert.equal(old.headers.get('location'), `/login?next=${encodeURIComponent('/admin?action=login')}&notice=expired`);
  });

  test('a session ended elsewhere (signed out everywhere, or disabled): 302 with notice=ended and the way back', async (t) => {
    const { a, cookie, csrf } = await admin(t);
    const fresh = await call(a, '/', { cookie });
    assert.doesNotMatch(await fresh.text(), /name="session"/, 'a live token needs no renewal');
    assert.equal((await call(a, '/api/auth/logout-all', { method: 'POST', cookie, csrf })).status, 204);
    const res = await call(a, '/admin?actor=root&outcome=failure', { cookie });
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!, 'http://x');
    assert.equal(location.pathname, '/login');
    assert.equal(location.searchParams.get('notice'), 'ended');
    assert.equal(location.searchParams.get('next'), '/admin?actor=root&outcome=failure');

    const page = await call(a, `${location.pathname}${location.search}`);
    const html = await page.text();
    assert.match(html, /Your session was ended elsewhere/);
    assert.match(html, /name="next" value="\/admin\?actor=root&amp;outcome=failure"/);
    assert.match(await (await call(a, '/login?notice=expired')).text(), /Your session expired\. Sign in again/);
    assert.doesNotMatch(await (await call(a, '/login?notice=whatever')).text(), /class="alert" role="alert" tabindex="-1">[^<]/, 'an unknown notice says nothing');
  });

  test('every page links a favicon that is served (no 404 for /favicon.ico outside BASE_PATH)', async () => {
    const assets = createMemoryAssets({ 'app.css': 'body{}', 'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>' }, '/dashboard');
    const { app } = testApp({ config: { basePath: '/dashboard', production: false }, assets });
    const html = await (await app.request('/dashboard/')).text();
    const href = /<link rel="icon" href="([^"]+)" type="image\/svg\+xml">/.exec(html)?.[1];
    assert.ok(href !== undefined && href.startsWith('/dashboard/assets/favicon-'), html);
    const icon = await app.request(href);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
    assert.match((await (await app.request('/dashboard/nothing')).text()), /rel="icon"/, 'error pages too');
  });
});

describe('admin', () => {
  test('Add user: every problem at once, each with its field; nothing created', async (t) => {
    const { a, cookie, csrf } = await admin(t);
    const body = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'bad name!', email: 'nope', role: 'owner', password: 'short' } }), 400, 'bad_request');
    const fields = body.fields as Record<string, string>;
    assert.deepEqual(Object.keys(fields).sort(), ['email', 'password', 'role', 'username']);
    assert.equal(body.field, 'username', 'the first, for clients that show one');
    assert.match(fields.username!, /letters, digits/);
    assert.match(fields.password!, /at least 12 characters/);
    assert.match(String(body.message), /^4 fields need attention/);
    const empty = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: {} }), 400, 'bad_request');
    assert.deepEqual(Object.keys(empty.fields as object).sort(), ['password', 'username']);
    const { users } = (await (await call(a, '/api/admin/users', { cookie })).json()) as { users: unknown[] };
    assert.equal(users.length, 1, 'nothing was created');
    const taken = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'root', password: PASSWORD } }), 409, 'conflict');
    assert.deepEqual(taken.fields, { username: 'That username is taken.' });
  });

  test('no self-lockout: an admin cannot demote or disable their own account (the page offers neither)', async (t) => {
    const { a, cookie, csrf, id } = await admin(t);
    const demote = await assertError(await call(a, `/api/admin/users/${id}`, { method: 'PATCH', cookie, csrf, json: { role: 'member' } }), 400, 'bad_request');
    assert.equal(demote.field, 'role');
    const disable = await assertError(await call(a, `/api/admin/users/${id}`, { method: 'PATCH', cookie, csrf, json: { disabled: true } }), 400, 'bad_request');
    assert.equal(disable.field, 'disabled');
    assert.equal(await countRows(a, 'audit_log', "action = 'user_update'"), 0);
  });

  test('the audit filters\u2019 lists: the known actions in words, and the accounts', async (t) => {
    const { a, cookie } = await admin(t);
    await addUser(a, 'mina');
    const res = await call(a, '/api/admin/audit/options', { cookie });
    assert.equal(res.status, 200);
    const options = (await res.json()) as { actions: Array<{ value: string; label: string }>; actors: string[] };
    assert.deepEqual(options.actions.find((x) => x.value === 'report_pdf'), { value: 'report_pdf', label: 'PDF report' });
    for (const action of ['login', 'logout', 'logout_all', 'step_up', 'user_create', 'user_update', 'user_password', 'data_import']) {
      assert.ok(options.actions.some((x) => x.value === action && !/_/.test(x.label)), action);
    }
    assert.deepEqual(options.actors, ['mina', 'root']);
    const member = await a.login('mina', PASSWORD);
    await assertError(await call(a, '/api/admin/audit/options', { cookie: member.cookie }), 403, 'forbidden');
  });

  test('refused imports are in the audit log: no file, the wrong type, over the import limit', async (t) => {
    const { a, cookie, csrf } = await admin(t, { rateLimit: { default: '1000/minute', import: '2/minute' } });
    const send = (type: string, body: string) =>
      call(a, '/api/admin/imports?filename=march.xlsx', { method: 'POST', cookie, csrf, headers: { 'Content-Type': type }, body });
    await assertError(await send('application/pdf', '%PDF-'), 400, 'bad_request');
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import' AND outcome = 'failure' AND actor = 'root' AND target = 'march.xlsx' AND detail LIKE 'refused (400)%'"), 1);
    const multipart = '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nno file here\r\n--b--\r\n';
    const form = await call(a, '/api/admin/imports', { method: 'POST', cookie, csrf, headers: { 'Content-Type': 'multipart/form-data; boundary=b' }, body: multipart });
    assert.equal(form.status, 400);
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import' AND outcome = 'failure' AND detail LIKE '%Choose a CSV file%'"), 1);
    const limited = await send('text/csv', 'date,category,metric,value\n2026-03-01,x,y,1\n');
    assert.equal(limited.status, 429);
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import' AND outcome = 'failure' AND detail LIKE 'refused (429)%'"), 1);
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import'"), 3, 'each refusal once');
  });
});
