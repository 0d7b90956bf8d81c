/**
 * The auth routes and pages over HTTP: sign-in (JSON and form), CSRF on every state-changing
 * route, logout and logout-all, the start and sign-in pages, BASE_PATH and production cookies.
 * Token forgery, expiry, key rotation and refresh rotation are in auth-tokens.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCESS_TTL, cookieHeader, type AuthTestApp } from '../helpers/auth-app.ts';
import {
  addUser,
  assertCleared,
  assertError,
  assertForbidden,
  assertUnauthorized,
  call,
  countRows,
  cookieValue,
  mountProbe,
  openApp,
  setCookies,
  withAlice,
  PASSWORD,
} from '../helpers/auth-http.ts';

const DAY = 86_400;

const login = (a: AuthTestApp, body: unknown, headers: Record<string, string | null> = {}, base = '') =>
  call(a, `${base}/api/auth/login`, { json: body, headers });
const formLogin = (a: AuthTestApp, form: Record<string, string>, base = '') => call(a, `${base}/api/auth/login`, { form });
const me = (a: AuthTestApp, cookie: string, base = '') => call(a, `${base}/api/me`, { cookie });
const post = (a: AuthTestApp, route: string, cookie: string, csrf?: string, headers: Record<string, string | null> = {}) =>
  call(a, route, { method: 'POST', cookie, headers, ...(csrf === undefined ? {} : { csrf }) });

async function assertSignedIn(a: AuthTestApp, cookie: string, label = '', base = ''): Promise<void> {
  const res = await me(a, cookie, base);
  assert.equal(res.status, 200, `${label}: ${await res.clone().text()}`);
}

describe('POST /api/auth/login', () => {
  test('success: 200 {user, csrfToken, accessExpiresAt}, the session cookies and the device cookie with the right attributes, an audit row and a session', async (t) => {
    const { a, alice } = await withAlice(t);
    const res = await login(a, { username: 'alice', password: PASSWORD }, { 'X-Forwarded-For': '198.51.100.1, 203.0.113.9' });
    assert.equal(res.status, 200);
    const body = (await res.clone().json()) as Record<string, unknown>;
    assert.deepEqual(body.user, { id: alice, username: 'alice', displayName: 'Alice Example', email: null, role: 'member' });
    assert.equal(body.accessExpiresAt, new Date((a.clock.now + ACCESS_TTL) * 1000).toISOString());
    assert.match(String(body.csrfToken), /^[\w-]{22,}$/);
    assert.deepEqual(Object.keys(body).sort(), ['accessExpiresAt', 'csrfToken', 'user']);
    const jar = setCookies(res);
    assert.deepEqual([...jar.keys()].sort(), ['dash_access', 'dash_csrf', 'dash_device', 'dash_refresh']);
    const expect = {
      dash_access: ['/', true, 14 * DAY],
      dash_refresh: ['/api/auth', true, 14 * DAY],
      dash_csrf: ['/', false, 14 * DAY],
      // Which browser signed in before: only the sign-in routes see it, and it outlives sessions.
      dash_device: ['/api/auth', true, 183 * DAY],
    } as const;
    for (const [name, [where, httpOnly, maxAge]] of Object.entries(expect)) {
      const cookie = jar.get(name)!;
      assert.equal(cookie.attrs.get('path'), where, name);
      assert.equal(cookie.attrs.get('samesite'), 'Strict', name);
      assert.equal(cookie.attrs.has('httponly'), httpOnly, name);
      assert.equal(cookie.attrs.has('secure'), false, `${name}: no Secure in development`);
      assert.equal(cookie.attrs.get('max-age'), String(maxAge), name);
    }
    assert.equal(jar.get('dash_csrf')?.value, body.csrfToken);
    const audit = await a.store.listAudit({ action: 'login' });
    assert.equal(audit.length, 1);
    assert.deepEqual([audit[0]?.outcome, audit[0]?.actorId, audit[0]?.actor, audit[0]?.ip], ['success', alice, 'alice', '203.0.113.9']);
    assert.equal(await countRows(a, 'refresh_families'), 1);
    assert.equal((await a.store.userById(alice))?.lastLoginAt, a.clock.now);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await (await me(a, cookieHeader(res.headers.getSetCookie()))).json(), { user: body.user });
  });

  test('production: the __Secure- prefix and Secure on every cookie; unprefixed cookies are ignored', async (t) => {
    const { a } = await withAlice(t, { production: true });
    const res = await login(a, { username: 'alice', password: PASSWORD });
    assert.equal(res.status, 200);
    const jar = setCookies(res);
    assert.deepEqual([...jar.keys()].sort(), ['__Secure-dash_access', '__Secure-dash_csrf', '__Secure-dash_device', '__Secure-dash_refresh']);
    for (const [name, cookie] of jar) assert.equal(cookie.attrs.get('secure'), true, name);
    const cookie = cookieHeader(res.headers.getSetCookie());
    await assertSignedIn(a, cookie, 'prefixed cookies');
    await assertUnauthorized(await me(a, `dash_access=${cookieValue(cookie, '__Secure-dash_access')}`), 'token_missing');
  });

  test('wrong password, unknown user and disabled user get the identical 401 invalid_credentials (no enumeration)', async (t) => {
    const { a } = await withAlice(t);
    await addUser(a, 'carol', { disabled: true });
    const answers: string[] = [];
    for (const body of [{ username: 'alice', password: 'wrong' }, { username: 'nobody', password: PASSWORD }, { username: 'carol', password: PASSWORD }]) {
      const res = await login(a, body);
      assert.equal(res.headers.getSetCookie().length, 0, `${body.username}: no cookies`);
      answers.push(`${res.status} ${res.headers.get('www-authenticate')} ${await res.clone().text()}`);
      await assertUnauthorized(res, 'invalid_credentials', body.username);
    }
    assert.equal(new Set(answers).size, 1, answers.join('\n'));
    assert.equal(await countRows(a, 'refresh_families'), 0);
    const audit = (await a.store.listAudit({ action: 'login' })).reverse();
    assert.deepEqual(
      audit.map((r) => [r.outcome, r.actor, r.detail]),
      [['failure', 'alice', 'bad credentials'], ['failure', 'nobody', 'bad credentials'], ['failure', 'carol', 'disabled']],
    );
    assert.equal(audit[1]?.actorId, null);
  });

  test('the username is case-insensitive and trimmed', async (t) => {
    const { a, alice } = await withAlice(t);
    for (const username of ['ALICE', '  Alice ']) {
      const res = await login(a, { username, password: PASSWORD });
      assert.equal(res.status, 200, username);
      assert.equal(((await res.json()) as { user: { id: number; username: string } }).user.username, 'alice');
    }
    const audit = await a.store.listAudit({ action: 'login', outcome: 'success' });
    assert.deepEqual(audit.map((r) => [r.actorId, r.actor]), [[alice, 'alice'], [alice, 'alice']]);
  });

  test('missing or malformed fields: 400 bad_request naming the field; broken bodies: 400; nothing recorded', async (t) => {
    const { a } = await withAlice(t);
    const cases: Array<[unknown, string]> = [
      [{ password: PASSWORD }, 'username'],
      [{ username: '   ', password: PASSWORD }, 'username'],
      [{ username: 42, password: PASSWORD }, 'username'],
      [{ username: 'alice' }, 'password'],
      [{ username: 'alice', password: '' }, 'password'],
    ];
    for (const [body, field] of cases) assert.equal((await assertError(await login(a, body), 400, 'bad_request', JSON.stringify(body))).field, field);
    const raw = (body: string, type = 'application/json') => call(a, '/api/auth/login', { method: 'POST', body, headers: { 'Content-Type': type } });
    for (const [body, type] of [['{"username": "alice",', undefined], ['[1,2]', undefined], ['null', undefined], ['username=alice', 'text/plain']] as const) {
      await assertError(await raw(body, type), 400, 'bad_request', body);
    }
    assert.equal((await a.store.listAudit({})).length, 0);
    assert.equal(await countRows(a, 'refresh_families'), 0);
  });

  test('a form post (no JavaScript) signs in and redirects 303 to next, or to the sign-in page with the error', async (t) => {
    const { a } = await withAlice(t);
    const ok = await formLogin(a, { username: 'alice', password: PASSWORD, next: '/reports?year=2026' }); // a query survives
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/reports?year=2026');
    await assertSignedIn(a, cookieHeader(ok.headers.getSetCookie()), 'form cookies');
    const bad = await formLogin(a, { username: 'alice', password: 'wrong', next: '/reports' });
    assert.equal(bad.status, 303);
    assert.equal(bad.headers.get('location'), '/login?error=invalid_credentials');
    assert.equal(bad.headers.getSetCookie().length, 0);
  });

  test('open redirects in next fall back to the app root (and the sign-in still happens)', async (t) => {
    const { a } = await withAlice(t);
    const attempts = ['//evil.example', 'https://evil.example', '/\\evil.example', '\\\\evil.example', '/ok/../..//evil.example', 'javascript:alert(1)', '', ' /x'];
    for (const next of attempts) {
      const res = await formLogin(a, { username: 'alice', password: PASSWORD, next });
      assert.equal(res.status, 303, next);
      assert.equal(res.headers.get('location'), '/', JSON.stringify(next));
      assert.equal(res.headers.getSetCookie().length, 4, next);
    }
  });

  test('cross-site sign-in (login CSRF): 403 csrf_mismatch, no cookies, no session, no audit row', async (t) => {
    const { a } = await withAlice(t);
    const credentials = { username: 'alice', password: PASSWORD };
    const attacks: Array<Record<string, string | null>> = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { 'Sec-Fetch-Site': null, Origin: 'https://evil.example', Host: 'localhost' },
      { 'Sec-Fetch-Site': null, Origin: 'null', Host: 'localhost' },
    ];
    for (const headers of attacks) {
      const res = await login(a, credentials, headers);
      assert.equal(res.headers.getSetCookie().length, 0);
      await assertForbidden(res, 'csrf_mismatch', JSON.stringify(headers));
    }
    assert.equal((await a.store.listAudit({})).length, 0);
    assert.equal(await countRows(a, 'refresh_families'), 0);
    const sameOrigin = await login(a, credentials, { 'Sec-Fetch-Site': null, Origin: 'http://localhost', Host: 'localhost' });
    assert.equal(sameOrigin.status, 200, 'control: a same-origin Origin is accepted');
  });

  test('GET is 405 with Allow; an oversized body is 413 payload_too_large and nothing is recorded', async (t) => {
    const { a } = await withAlice(t);
    const get = await call(a, '/api/auth/login');
    assert.match(get.headers.get('allow') ?? '', /\bPOST\b/);
    await assertError(get, 405, 'method_not_allowed');
    await assertError(await login(a, { username: 'alice', password: 'x'.repeat(2 * 1024 * 1024) }), 413, 'payload_too_large');
    assert.equal((await a.store.listAudit({})).length, 0);
  });
});

describe('CSRF on state-changing routes (POST /api/auth/logout-all as the target)', () => {
  test('missing, wrong, another session’s or another user’s value, or cross-site: 403 and nothing ends', async (t) => {
    const { a, alice } = await withAlice(t);
    await addUser(a, 'bob');
    const mine = await a.login('alice', PASSWORD);
    const mySecond = await a.login('alice', PASSWORD);
    const bobs = await a.login('bob', PASSWORD);
    const attempts: Array<[string, string | undefined, string, Record<string, string | null>]> = [
      ['missing', undefined, 'csrf_missing', {}],
      ['empty', '', 'csrf_missing', {}],
      ['wrong', 'not-the-token', 'csrf_mismatch', {}],
      ['my other session', mySecond.csrf, 'csrf_mismatch', {}],
      ["bob's", bobs.csrf, 'csrf_mismatch', {}],
      ['cross-site Origin', mine.csrf, 'csrf_mismatch', { 'Sec-Fetch-Site': null, Origin: 'https://evil.example', Host: 'localhost' }],
      ['Sec-Fetch-Site cross-site', mine.csrf, 'csrf_mismatch', { 'Sec-Fetch-Site': 'cross-site' }],
    ];
    for (const [label, csrf, code, headers] of attempts) {
      const res = await post(a, '/api/auth/logout-all', mine.cookie, csrf, headers);
      assert.equal(res.headers.getSetCookie().length, 0, label);
      await assertForbidden(res, code, label);
    }
    for (const session of [mine, mySecond, bobs]) await assertSignedIn(a, session.cookie, 'still signed in');
    assert.equal((await a.store.userById(alice))?.sessionVersion, 1);
    assert.equal((await a.store.listAudit({ action: 'logout_all' })).length, 0);
  });

  test('a protected handler never runs on a CSRF refusal; it runs with the right header', async (t) => {
    const { a } = await withAlice(t);
    const probe = mountProbe(a);
    const mine = await a.login('alice', PASSWORD);
    await assertForbidden(await post(a, '/api/test/probe', mine.cookie), 'csrf_missing');
    await assertForbidden(await post(a, '/api/test/probe', mine.cookie, 'wrong'), 'csrf_mismatch');
    assert.equal(probe.runs, 0);
    assert.equal((await post(a, '/api/test/probe', mine.cookie, mine.csrf)).status, 204);
    assert.equal((await call(a, '/api/test/probe', { cookie: mine.cookie })).status, 204, 'GET needs no CSRF value');
    assert.equal(probe.runs, 2);
  });

  test('the csrf_token form field is accepted (no-JavaScript sign-out everywhere)', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    const res = await call(a, '/api/auth/logout-all', { cookie: mine.cookie, form: { csrf_token: mine.csrf } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?notice=signed_out');
    assertCleared(res);
    await assertUnauthorized(await me(a, mine.cookie), 'token_revoked');
  });

  test('role checks: a member gets 403 forbidden (no challenge) and the admin-only handler does not run', async (t) => {
    const { a } = await withAlice(t);
    await addUser(a, 'root', { role: 'admin' });
    const probe = mountProbe(a, { role: 'admin' });
    await assertForbidden(await call(a, '/api/test/probe', { cookie: (await a.login('alice', PASSWORD)).cookie }), 'forbidden');
    assert.equal(probe.runs, 0);
    assert.equal((await call(a, '/api/test/probe', { cookie: (await a.login('root', PASSWORD)).cookie })).status, 204);
    assert.equal(probe.runs, 1);
  });
});

describe('POST /api/auth/logout', () => {
  test('204, cookies cleared, this session’s access and refresh tokens refused afterwards; other sessions untouched', async (t) => {
    const { a, alice } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    const other = await a.login('alice', PASSWORD);
    const res = await post(a, '/api/auth/logout', mine.cookie, mine.csrf);
    assert.equal(res.status, 204);
    assertCleared(res);
    await assertUnauthorized(await me(a, mine.cookie), 'token_revoked', 'access');
    await assertUnauthorized(await post(a, '/api/auth/refresh', mine.cookie, mine.csrf), 'token_revoked', 'refresh');
    await assertSignedIn(a, other.cookie, 'other session');
    assert.equal(await countRows(a, 'revoked_tokens'), 1);
    const audit = await a.store.listAudit({ action: 'logout' });
    assert.deepEqual([audit.length, audit[0]?.actorId, audit[0]?.outcome], [1, alice, 'success']);
  });

  test('works with an expired access token, and both tokens stay refused even if the clock goes back', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    a.clock.now += ACCESS_TTL + 60;
    await assertUnauthorized(await me(a, mine.cookie), 'token_expired', 'control: expired');
    const res = await post(a, '/api/auth/logout', mine.cookie, mine.csrf);
    assert.equal(res.status, 204);
    assertCleared(res);
    a.clock.now -= ACCESS_TTL + 60;
    await assertUnauthorized(await me(a, mine.cookie), 'token_revoked', 'access, clock back');
    await assertUnauthorized(await post(a, '/api/auth/refresh', mine.cookie, mine.csrf), 'token_revoked', 'refresh');
  });

  test('without any cookie: 204 and cookies cleared, nothing recorded; a form post lands on the sign-in page', async (t) => {
    const { a } = await withAlice(t);
    const res = await post(a, '/api/auth/logout', '');
    assert.equal(res.status, 204);
    assertCleared(res);
    assert.equal((await a.store.listAudit({ action: 'logout' })).length, 0);
    const mine = await a.login('alice', PASSWORD);
    const form = await call(a, '/api/auth/logout', { cookie: mine.cookie, form: { csrf_token: mine.csrf } });
    assert.equal(form.status, 303);
    assert.equal(form.headers.get('location'), '/login?notice=signed_out');
    await assertUnauthorized(await me(a, mine.cookie), 'token_revoked');
  });

  test('CSRF: missing, wrong or cross-site is 403 and the session is not ended', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    await assertForbidden(await post(a, '/api/auth/logout', mine.cookie), 'csrf_missing');
    await assertForbidden(await post(a, '/api/auth/logout', mine.cookie, 'wrong'), 'csrf_mismatch');
    await assertForbidden(await post(a, '/api/auth/logout', mine.cookie, mine.csrf, { 'Sec-Fetch-Site': 'cross-site' }), 'csrf_mismatch');
    await assertSignedIn(a, mine.cookie, 'still signed in');
    assert.equal(await countRows(a, 'revoked_tokens'), 0);
    assert.equal((await a.store.listAudit({ action: 'logout' })).length, 0);
  });

  test('conflicting access cookies: 401 token_invalid with a challenge, and nothing is ended', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    await assertUnauthorized(await post(a, '/api/auth/logout', `${mine.cookie}; dash_access=planted`, mine.csrf), 'token_invalid');
    await assertSignedIn(a, mine.cookie, 'still signed in');
  });
});

describe('a new sign-in ends the one it replaces in the same browser', () => {
  const REPLACED = 'replaced by a new sign-in in the same browser';
  const replacedAudit = async (a: AuthTestApp) => (await a.store.listAudit({ action: 'logout' })).filter((e) => e.detail === REPLACED);

  test('its access and refresh tokens are refused afterwards (a copy taken earlier dies), audited once; other sign-ins go on', async (t) => {
    const { a, alice } = await withAlice(t);
    const before = await a.login('alice', PASSWORD);
    const elsewhere = await a.login('alice', PASSWORD);
    // The access token has expired: the page would sign in again while the refresh token still lives.
    a.clock.now += ACCESS_TTL + 60;
    const res = await login(a, { username: 'alice', password: PASSWORD }, { Cookie: before.cookie, 'X-Forwarded-For': '203.0.113.7' });
    assert.equal(res.status, 200);
    const now = cookieHeader(res.headers.getSetCookie());
    await assertSignedIn(a, now, 'the new sign-in');
    await assertUnauthorized(await post(a, '/api/auth/refresh', before.cookie, before.csrf), 'token_revoked', 'the replaced refresh token');
    a.clock.now -= ACCESS_TTL + 60;
    await assertUnauthorized(await me(a, before.cookie), 'token_revoked', 'the replaced access token, clock back');
    await assertSignedIn(a, elsewhere.cookie, 'a sign-in in another browser');
    const audit = await replacedAudit(a);
    assert.deepEqual(
      audit.map((e) => [e.actorId, e.outcome, e.ip]),
      [[alice, 'success', '203.0.113.7']],
    );
  });

  test('whoever it belonged to: signing in as bob over alice’s cookies ends alice’s sign-in', async (t) => {
    const { a, alice } = await withAlice(t);
    await addUser(a, 'bob');
    const hers = await a.login('alice', PASSWORD);
    a.clock.now += ACCESS_TTL + 60;
    const res = await login(a, { username: 'bob', password: PASSWORD }, { Cookie: hers.cookie });
    assert.equal(res.status, 200);
    await assertUnauthorized(await post(a, '/api/auth/refresh', hers.cookie, hers.csrf), 'token_revoked', 'alice’s refresh token');
    assert.deepEqual((await replacedAudit(a)).map((e) => e.actorId), [alice]);
  });

  test('a failed, refused or locked-out sign-in ends nothing', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    await assertUnauthorized(await login(a, { username: 'alice', password: 'wrong' }, { Cookie: mine.cookie }), 'invalid_credentials');
    await assertUnauthorized(await login(a, { username: 'nobody', password: PASSWORD }, { Cookie: mine.cookie }), 'invalid_credentials');
    await assertError(await login(a, { username: 'alice' }, { Cookie: mine.cookie }), 400, 'bad_request');
    await assertSignedIn(a, mine.cookie, 'still signed in');
    assert.equal(await countRows(a, 'revoked_tokens'), 0);
    assert.deepEqual(await replacedAudit(a), []);
  });

  test('forged, garbled or doubled cookies end nothing, and the sign-in still works', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    const access = cookieValue(mine.cookie, 'dash_access');
    const cases = [`dash_access=${access.slice(0, -4)}AAAA`, 'dash_access=garbage; dash_refresh=x.y.z', `${mine.cookie}; dash_access=planted`];
    for (const cookie of cases) {
      const res = await login(a, { username: 'alice', password: PASSWORD }, { Cookie: cookie });
      assert.equal(res.status, 200, cookie);
    }
    await assertSignedIn(a, mine.cookie, 'the sign-in behind the doubled cookie goes on');
    assert.deepEqual(await replacedAudit(a), []);
  });

  test('an already ended sign-in is not audited again', async (t) => {
    const { a } = await withAlice(t);
    const mine = await a.login('alice', PASSWORD);
    assert.equal((await post(a, '/api/auth/logout', mine.cookie, mine.csrf)).status, 204);
    assert.equal((await login(a, { username: 'alice', password: PASSWORD }, { Cookie: mine.cookie })).status, 200);
    assert.deepEqual(await replacedAudit(a), []);
    assert.equal((await a.store.listAudit({ action: 'logout' })).length, 1, 'the sign-out itself');
  });
});

describe('POST /api/auth/logout-all', () => {
  test('ends every session of the user (access and refresh), not other users’; the next sign-in works', async (t) => {
    const { a, alice } = await withAlice(t);
    await addUser(a, 'bob');
    const first = await a.login('alice', PASSWORD);
    const second = await a.login('alice', PASSWORD);
    const bobs = await a.login('bob', PASSWORD);
    const res = await post(a, '/api/auth/logout-all', first.cookie, first.csrf);
    assert.equal(res.status, 204);
    assertCleared(res);
    for (const [label, session] of [['first', first], ['second', second]] as const) {
      await assertUnauthorized(await me(a, session.cookie), 'token_revoked', `${label} access`);
      await assertUnauthorized(await post(a, '/api/auth/refresh', session.cookie, session.csrf), 'token_revoked', `${label} refresh`);
    }
    await assertSignedIn(a, bobs.cookie, 'bob');
    assert.equal((await a.store.userById(alice))?.sessionVersion, 2);
    assert.equal((await a.store.listAudit({ action: 'logout_all', outcome: 'success' })).length, 1);
    await assertSignedIn(a, (await a.login('alice', PASSWORD)).cookie, 'signing in again');
  });

  test('without a session: 401 token_missing (authentication comes before CSRF)', async (t) => {
    const { a } = await withAlice(t);
    await assertUnauthorized(await post(a, '/api/auth/logout-all', ''), 'token_missing');
  });
});

describe('pages', () => {
  test('GET / signed out or with a revoked token: 302 to the sign-in page with next (and why); an expired one is renewed by the page', async (t) => {
    const { a } = await withAlice(t);
    const res = await call(a, '/');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/login?next=%2F');
    const mine = await a.login('alice', PASSWORD);
    a.clock.now += ACCESS_TTL + 60;
    const expired = await call(a, '/', { cookie: mine.cookie });
    assert.equal(expired.status, 200, 'expired: the page itself, which renews the session before its first API call');
    assert.match(await expired.text(), /<meta name="session" content="renew">/);
    const other = await a.login('alice', PASSWORD);
    assert.equal((await post(a, '/api/auth/logout', other.cookie, other.csrf)).status, 204);
    assert.equal((await call(a, '/', { cookie: other.cookie })).headers.get('location'), '/login?next=%2F&notice=ended', 'revoked');
  });

  test('GET / signed in: the page with the display name escaped and the CSRF meta tag', async (t) => {
    const a = await openApp(t);
    await addUser(a, 'mallory', { displayName: '<script>alert(1)</script>' });
    const mine = await a.login('mallory', PASSWORD);
    const res = await call(a, '/', { cookie: mine.cookie });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.ok(!html.includes('<script>alert(1)</script>'), 'display name not escaped');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes(`<meta name="csrf-token" content="${mine.csrf}">`));
    assert.ok(html.includes(`name="csrf_token" value="${mine.csrf}"`), 'the no-JavaScript sign-out forms carry it');
  });

  test('GET /login: the form signed out (next escaped); signed in, a 302 to a safe next', async (t) => {
    const { a } = await withAlice(t);
    const page = await call(a, '/login?next=%2Fx%22%3E%3Cscript%3E');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes('name="next" value="/x&quot;&gt;&lt;script&gt;"'));
    assert.ok(html.includes('action="/api/auth/login"'));
    const message = await (await call(a, '/login?error=invalid_credentials')).text();
    assert.ok(message.includes('The username or password is not right.'));
    const mine = await a.login('alice', PASSWORD);
    for (const [query, location] of [['', '/'], ['?next=%2Freports', '/reports'], ['?next=%2F%2Fevil.example', '/'], ['?next=https%3A%2F%2Fevil.example', '/']]) {
      const res = await call(a, `/login${query}`, { cookie: mine.cookie });
      assert.equal(res.status, 302, query);
      assert.equal(res.headers.get('location'), location, query);
    }
  });
});

describe('under BASE_PATH=/dashboard', () => {
  const base = '/dashboard';

  test('cookie paths, redirects and the API all stay under /dashboard', async (t) => {
    const { a } = await withAlice(t, { basePath: base });
    const signedOut = await call(a, `${base}/`);
    assert.equal(signedOut.headers.get('location'), '/dashboard/login?next=%2Fdashboard%2F');
    const res = await login(a, { username: 'alice', password: PASSWORD }, {}, base);
    const jar = setCookies(res);
    const paths = ['dash_access', 'dash_refresh', 'dash_csrf'].map((name) => jar.get(name)?.attrs.get('path'));
    assert.deepEqual(paths, ['/dashboard', '/dashboard/api/auth', '/dashboard']);
    const cookie = cookieHeader(res.headers.getSetCookie());
    await assertSignedIn(a, cookie, 'API under the base', base);
    assert.equal((await call(a, `${base}/login`, { cookie })).headers.get('location'), '/dashboard/');
    assert.equal((await call(a, `${base}/`, { cookie })).status, 200);
    for (const [next, location] of [['/dashboard/reports', '/dashboard/reports'], ['/elsewhere', '/dashboard/'], ['/dashboardx', '/dashboard/'], ['//evil.example', '/dashboard/']] as const) {
      const form = await formLogin(a, { username: 'alice', password: PASSWORD, next }, base);
      assert.equal(form.headers.get('location'), location, next);
    }
    const out = await call(a, `${base}/api/auth/logout`, { cookie, form: { csrf_token: cookieValue(cookie, 'dash_csrf') } });
    assert.equal(out.headers.get('location'), '/dashboard/login?notice=signed_out');
    assertCleared(out, { app: '/dashboard', refresh: '/dashboard/api/auth' });
    await assertUnauthorized(await me(a, cookie, base), 'token_revoked');
  });
});
