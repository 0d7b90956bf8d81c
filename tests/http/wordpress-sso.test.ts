/**
 * WordPress single sign-on in process (src/wordpress/): the landing POST /auth/wordpress with
 * tokens signed as the plugin signs them. Each refusal is checked for its status and landing,
 * for the absence of session cookies, and for its audit entry; each success for the cookies,
 * the session they carry and the linked account. The same flow against a real WordPress is
 * tests/wordpress/wordpress.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { cookieHeader, type AuthTestApp, type AuthTestOptions } from '../helpers/auth-app.ts';
import { addUser, call, openApp, PASSWORD } from '../helpers/auth-http.ts';
import { pluginClaims, signLikePlugin, tamper, type PluginClaims } from '../wordpress/sign.ts';

const WP_URL = 'https://example.org';
const WP_SECRET = randomBytes(32).toString('hex');

interface Sso {
  readonly a: AuthTestApp;
  /** A token for this WordPress user, signed now (the app's clock) with the shared secret. */
  token(user?: Partial<{ userId: number; login: string; name: string; roles: string[] }>, changes?: PluginClaims, secret?: string): string;
  /** Posts the plugin's form as the browser does from the WordPress site. */
  land(token: string, options?: { next?: string; origin?: string | null; contentType?: string; cookie?: string }): Promise<Response>;
}

async function openSso(t: TestContext, options: AuthTestOptions = {}): Promise<Sso> {
  const a = await openApp(t, { wordpress: { url: WP_URL, secret: WP_SECRET }, ...options });
  const base = options.basePath ?? '';
  return {
    a,
    token: (user = {}, changes = {}, secret = WP_SECRET) =>
      signLikePlugin(pluginClaims({ issuer: WP_URL, now: a.clock.now, userId: user.userId ?? 42, login: user.login ?? 'minji', ...(user.name === undefined ? {} : { name: user.name }), ...(user.roles === undefined ? {} : { roles: user.roles }) }, changes), secret),
    land: async (token, landing = {}) => {
      const headers: Record<string, string> = { 'Content-Type': landing.contentType ?? 'application/x-www-form-urlencoded', 'Sec-Fetch-Site': 'same-site' };
      if (landing.origin !== null) headers.Origin = landing.origin ?? WP_URL;
      if (landing.cookie !== undefined) headers.Cookie = landing.cookie;
      return a.app.request(`${base}/auth/wordpress`, { method: 'POST', headers, body: new URLSearchParams({ token, ...(landing.next === undefined ? {} : { next: landing.next }) }).toString() });
    },
  };
}

async function ssoAudit(a: AuthTestApp) {
  return a.store.listAudit({ action: 'sso_wordpress' });
}

/** A refusal: 303 to the sign-in page with this reason, no session cookie, and one more failure in the audit log. */
async function assertRefused(s: Sso, res: Response, reason: string, detail: RegExp, label: string): Promise<void> {
  assert.equal(res.status, 303, label);
  assert.equal(res.headers.get('Location'), `/login?error=wordpress_${reason}`, label);
  assert.deepEqual(res.headers.getSetCookie(), [], `${label}: no cookie`);
  const [last] = await ssoAudit(s.a);
  assert.equal(last?.outcome, 'failure', label);
  assert.match(String(last?.detail), detail, label);
}

async function signedInAs(a: AuthTestApp, res: Response): Promise<{ username: string; displayName: string; role: string; id: number }> {
  const me = await call(a, '/api/me', { cookie: cookieHeader(res.headers.getSetCookie()) });
  assert.equal(me.status, 200);
  return ((await me.json()) as { user: { username: string; displayName: string; role: string; id: number } }).user;
}

describe('WordPress single sign-on: switched on by WP_SSO_SECRET', () => {
  test('off: POST /auth/wordpress is a 404, and the sign-in page offers only the password form', async (t) => {
    const a = await openApp(t);
    const res = await a.app.request('/auth/wordpress', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: WP_URL }, body: 'token=x' });
    assert.equal(res.status, 404);
    const page = await (await a.app.request('/login')).text();
    assert.doesNotMatch(page, /Sign in with WordPress/);
  });

  test('on: the sign-in page links to the plugin\'s start URL with the page asked for', async (t) => {
    const { a } = await openSso(t, { basePath: '/dashboard' });
    const page = await (await a.app.request('/dashboard/login?next=/dashboard/admin')).text();
    assert.match(page, /<a class="button secondary" id="wordpress-sign-in" href="https:\/\/example\.org\/wp-admin\/admin-post\.php\?action=dashboard_sso&amp;next=%2Fdashboard%2Fadmin">Sign in with WordPress<\/a>/);
  });
});

describe('WordPress single sign-on: a good token', () => {
  test('makes a linked account without a password, signs in with the ordinary cookies and lands on the page asked for', async (t) => {
    const s = await openSso(t, { basePath: '/dashboard' });
    const res = await s.land(s.token({ name: '김민지' }), { next: '/dashboard/admin' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('Location'), '/dashboard/admin');
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 3);
    for (const line of cookies) assert.match(line, /; SameSite=Strict$/);
    assert.match(cookies.join('\n'), /dash_access=[^;]+; Path=\/dashboard;/);
    const me = await call(s.a, '/dashboard/api/me', { cookie: cookieHeader(cookies) });
    const { user } = (await me.json()) as { user: { username: string; displayName: string; role: string } };
    assert.deepEqual([user.username, user.displayName, user.role], ['minji', '김민지', 'member']);
    const stored = await s.a.store.userByUsername('minji');
    assert.equal(stored?.source, 'wordpress');
    assert.equal(stored?.wpUserId, 42);
    assert.equal(stored?.passwordHash, null);
    const [entry] = await ssoAudit(s.a);
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry?.actor, 'minji');
    assert.equal(entry?.detail, 'WordPress user 42, role member, account created');
    // No dashboard password: the password form cannot open this account.
    const login = await call(s.a, '/dashboard/api/auth/login', { json: { username: 'minji', password: PASSWORD } });
    assert.equal(login.status, 401);
  });

  test('roles: administrator is admin, the rest member; WP_SSO_ADMIN_ROLES changes which roles', async (t) => {
    const s = await openSso(t);
    assert.equal((await signedInAs(s.a, await s.land(s.token({ userId: 1, login: 'boss', roles: ['administrator'] })))).role, 'admin');
    assert.equal((await signedInAs(s.a, await s.land(s.token({ userId: 2, login: 'ed', roles: ['editor', 'author'] })))).role, 'member');
    const other = await openSso(t, { wordpress: { url: WP_URL, secret: WP_SECRET, adminRoles: ['editor', 'shop_manager'] } });
    assert.equal((await signedInAs(other.a, await other.land(other.token({ userId: 2, login: 'ed', roles: ['editor'] })))).role, 'admin');
    assert.equal((await signedInAs(other.a, await other.land(other.token({ userId: 1, login: 'boss', roles: ['administrator'] })))).role, 'member');
  });

  test('the same WordPress user twice is the same account, also after a change of login name; WordPress\'s name, email and role win', async (t) => {
    const s = await openSso(t);
    const first = await signedInAs(s.a, await s.land(s.token({ userId: 7, login: 'jiwoo' })));
    const again = await signedInAs(s.a, await s.land(s.token({ userId: 7, login: 'jiwoo' })));
    assert.equal(again.id, first.id);
    const renamed = await signedInAs(s.a, await s.land(s.token({ userId: 7, login: 'jiwoo.park', name: '박지우', roles: ['administrator'] })));
    assert.equal(renamed.id, first.id);
    assert.deepEqual([renamed.username, renamed.displayName, renamed.role], ['jiwoo.park', '박지우', 'admin']);
    assert.equal((await s.a.store.listUsers()).length, 1);
    assert.equal(await s.a.store.userByUsername('jiwoo'), undefined);
    const [entry] = await ssoAudit(s.a);
    assert.equal(entry?.detail, 'WordPress user 7, role admin, renamed from jiwoo');
  });

  test('ends the sign-in this browser held before (its access cookie comes along to the landing); a refused one ends nothing', async (t) => {
    const s = await openSso(t);
    const alice = await addUser(s.a, 'alice');
    const before = await s.a.login('alice', PASSWORD);
    // The access cookie alone, as the landing sees it (the refresh cookie's path is the auth API's).
    const access = before.cookie.split('; ').filter((pair) => pair.startsWith('dash_access=')).join('; ');
    await assertRefused(s, await s.land('not.a.token', { cookie: access }), 'invalid', /token refused/, 'a bad token');
    assert.equal((await call(s.a, '/api/me', { cookie: before.cookie })).status, 200, 'still signed in after a refusal');
    const res = await s.land(s.token({ userId: 9, login: 'haneul' }), { cookie: access });
    assert.equal((await signedInAs(s.a, res)).username, 'haneul');
    assert.equal((await call(s.a, '/api/me', { cookie: before.cookie })).status, 401, 'the replaced access token');
    const refresh = await call(s.a, '/api/auth/refresh', { method: 'POST', cookie: before.cookie, csrf: before.csrf });
    assert.equal(refresh.status, 401, 'the replaced refresh token');
    const ended = (await s.a.store.listAudit({ action: 'logout' })).map((e) => [e.actorId, e.detail]);
    assert.deepEqual(ended, [[alice, 'replaced by a new sign-in in the same browser']]);
  });

  test('next: a path under the dashboard is kept; anything else lands on the dashboard', async (t) => {
    const s = await openSso(t, { basePath: '/dashboard' });
    for (const next of ['//evil.example/x', 'https://evil.example/', '/other', '/dashboard/../wp-admin', '/dashboard\\x']) {
      const res = await s.land(s.token(), { next });
      assert.equal(res.headers.get('Location'), '/dashboard/', next);
    }
    assert.equal((await s.land(s.token(), { next: '/dashboard/?category=a' })).headers.get('Location'), '/dashboard/?category=a');
  });

  test('the form is accepted from WP_URL\'s origin in either layout: a sub-path of it, or a subdomain (another origin)', async (t) => {
    const s = await openSso(t, { basePath: '/dashboard', origin: { kind: 'public', origin: 'https://dashboard.example.org' } });
    const res = await s.land(s.token(), { origin: 'https://example.org' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.getSetCookie().length, 3);
  });
});

describe('WordPress single sign-on: refused, audited, and no session', () => {
  test('the same token twice: the second is refused', async (t) => {
    const s = await openSso(t);
    const token = s.token();
    assert.equal((await s.land(token)).headers.getSetCookie().length, 3);
    await assertRefused(s, await s.land(token), 'replayed', /WordPress user 42: token used before \(replay\)/, 'replay');
  });

  test('the same token in another process sharing DATA_DIR is refused', async (t) => {
    const s = await openSso(t);
    const other = await openSso(t, { dataDir: s.a.dataDir });
    other.a.clock.now = s.a.clock.now;
    const token = s.token();
    assert.equal((await s.land(token)).status, 303);
    assert.equal((await s.land(token)).headers.get('Location'), '/login?error=wordpress_replayed');
    await assertRefused(other, await other.land(token), 'replayed', /replay/, 'replay to another process');
  });

  test('forged, stale or misdirected tokens', async (t) => {
    const s = await openSso(t);
    const now = s.a.clock.now;
    const good = s.token();
    const cases: Array<[string, string, string, RegExp]> = [
      ['expired', s.token({}, { iat: now - 75, exp: now - 15 }), 'expired', /token refused: expired/],
      ['issued long ago, exp stretched', s.token({}, { iat: now - 3600, exp: now + 60 }), 'expired', /token refused: expired/],
      ['a life longer than 60 s', s.token({}, { exp: now + 3600 }), 'invalid', /token refused: claims/],
      ['issued in the future', s.token({}, { iat: now + 120, exp: now + 180 }), 'invalid', /token refused: (future|claims)/],
      ['another secret', s.token({}, {}, randomBytes(32).toString('hex')), 'invalid', /token refused: signature/],
      ['tampered roles', tamper(good, (claims) => ({ ...claims, roles: ['administrator'] })), 'invalid', /token refused: signature/],
      ['tampered user id', tamper(good, (claims) => ({ ...claims, sub: '1' })), 'invalid', /token refused: signature/],
      ['another audience', s.token({}, { aud: 'wiki' }), 'invalid', /token refused: audience/],
      ['another issuer', s.token({}, { iss: 'https://evil.example' }), 'invalid', /token refused: issuer/],
      ['alg none', signLikePlugin(pluginClaims({ issuer: WP_URL, now, userId: 42, login: 'minji' }), WP_SECRET, { alg: 'none' }).replace(/[^.]+$/, ''), 'invalid', /token refused: malformed/],
      ['alg HS512', signLikePlugin(pluginClaims({ issuer: WP_URL, now, userId: 42, login: 'minji' }), WP_SECRET, { alg: 'HS512' }), 'invalid', /token refused: (algorithm|signature)/],
      ['no jti', s.token({}, { jti: undefined }), 'invalid', /token refused: claims/],
      ['roles not a list', s.token({}, { roles: 'administrator' }), 'invalid', /token refused: claims/],
      ['not a JWT', 'hello', 'invalid', /token refused: malformed/],
    ];
    for (const [label, token, reason, detail] of cases) await assertRefused(s, await s.land(token), reason, detail, label);
    assert.equal((await s.a.store.listUsers()).length, 0, 'no account was made');
    // The positive control: the same construction, untouched, is accepted.
    assert.equal((await s.land(good)).headers.getSetCookie().length, 3);
  });

  test('a small clock difference is tolerated', async (t) => {
    const s = await openSso(t);
    const now = s.a.clock.now;
    assert.equal((await s.land(s.token({}, { iat: now + 5, exp: now + 65 }))).headers.getSetCookie().length, 3, 'WordPress 5 s ahead');
    assert.equal((await s.land(s.token({}, { iat: now - 65, exp: now - 5 }))).headers.getSetCookie().length, 3, 'WordPress 5 s behind');
  });

  test('a form not posted from the WordPress site (another origin, none, not a form) is refused before the token is read', async (t) => {
    const s = await openSso(t);
    await assertRefused(s, await s.land(s.token(), { origin: 'https://evil.example' }), 'invalid', /not posted from the WordPress site \(Origin: https:\/\/evil\.example\)/, 'other origin');
    await assertRefused(s, await s.land(s.token(), { origin: 'null' }), 'invalid', /Origin: null/, 'opaque origin');
    await assertRefused(s, await s.land(s.token(), { origin: null }), 'invalid', /Origin: none/, 'no origin');
    await assertRefused(s, await s.land(s.token(), { contentType: 'text/plain' }), 'invalid', /not a form post/, 'text/plain');
    await assertRefused(s, await s.land(''), 'invalid', /no token/, 'empty token');
    assert.equal((await s.a.store.listUsers()).length, 0);
  });

  test('refusals anyone can cause count against RATE_LIMIT_LOGIN per address: past it, nothing more is written; good tokens still sign in', async (t) => {
    const s = await openSso(t, { rateLimit: { login: '2/minute' } });
    const forged = (): string => s.token({}, {}, randomBytes(32).toString('hex'));
    await assertRefused(s, await s.land(forged()), 'invalid', /signature/, 'first');
    await assertRefused(s, await s.land(forged(), { origin: 'https://evil.example' }), 'invalid', /Origin/, 'second');
    const third = await s.land(forged());
    assert.equal(third.status, 303);
    assert.equal(third.headers.get('Location'), '/login?error=rate_limited');
    assert.deepEqual(third.headers.getSetCookie(), []);
    assert.equal((await ssoAudit(s.a)).length, 2, 'the third refusal wrote nothing');
    assert.equal((await s.land(s.token())).headers.getSetCookie().length, 3);
  });

  test('a login name held by a dashboard account is refused, not merged; the account is untouched', async (t) => {
    const s = await openSso(t);
    const localId = await addUser(s.a, 'minji', { role: 'admin' });
    await assertRefused(s, await s.land(s.token({ login: 'MINJI' })), 'clash', /held by another account \(minji\); not linked/, 'clash');
    const local = await s.a.store.userById(localId);
    assert.equal(local?.source, 'local');
    assert.equal(local?.wpUserId, null);
    // A rename onto a taken name is refused too, and the linked account keeps its name.
    await s.land(s.token({ userId: 9, login: 'hana' }));
    await assertRefused(s, await s.land(s.token({ userId: 9, login: 'minji' })), 'clash', /WordPress user 9/, 'rename onto a taken name');
    assert.equal((await s.a.store.userByUsername('hana'))?.wpUserId, 9);
  });

  test('a disabled account is refused', async (t) => {
    const s = await openSso(t);
    const { id } = await signedInAs(s.a, await s.land(s.token()));
    await s.a.store.updateUser(id, { disabled: true, endSessions: true });
    await assertRefused(s, await s.land(s.token()), 'disabled', /WordPress user 42: account disabled/, 'disabled');
    const [entry] = await ssoAudit(s.a);
    assert.equal(entry?.actorId, id);
  });

  test('the sign-in page says what to do for each refusal', async (t) => {
    const { a } = await openSso(t);
    for (const [reason, text] of [
      ['invalid', 'Signing in with WordPress did not work'],
      ['expired', 'took too long'],
      ['replayed', 'already used'],
      ['clash', 'already exists and is not linked'],
      ['disabled', 'is disabled'],
    ]) {
      const page = await (await a.app.request(`/login?error=wordpress_${reason}`)).text();
      assert.match(page, new RegExp(`<div id="form-error" class="alert" role="alert" tabindex="-1">[^<]*${text}`), reason);
    }
  });
});
