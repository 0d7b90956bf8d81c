/**
 * Step-up for WordPress-linked admins (src/auth/step-up.ts, src/wordpress/): a plugin token whose
 * `auth_time` (the WordPress sign-in's login time) is within five minutes starts its sign-in
 * already confirmed, until auth_time + 5 minutes; a stale, missing, future or malformed one
 * signs in as before, unconfirmed. Each case is checked through a dangerous admin action (did it
 * run or not), the sign-in's row, and the audit entry. Password accounts are unaffected. The
 * round trip through a real WordPress is tests/wordpress/wordpress.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { cookieHeader, type AuthTestApp } from '../helpers/auth-app.ts';
import { addUser, assertError, call, cookieValue, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import { pluginClaims, signLikePlugin, type PluginClaims } from '../wordpress/sign.ts';

const WP_URL = 'https://example.org';
const WP_SECRET = randomBytes(32).toString('hex');

interface Signed {
  readonly cookie: string;
  readonly csrf: string;
}

async function openSso(t: TestContext, basePath = ''): Promise<AuthTestApp> {
  return openApp(t, { wordpress: { url: WP_URL, secret: WP_SECRET }, basePath });
}

/** A WordPress administrator lands with a token carrying `changes` (auth_time among them). */
async function landAdmin(a: AuthTestApp, changes: PluginClaims): Promise<Signed> {
  const token = signLikePlugin(pluginClaims({ issuer: WP_URL, now: a.clock.now, userId: 1, login: 'siteadmin', roles: ['administrator'] }, changes), WP_SECRET);
  const res = await a.app.request('/auth/wordpress', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: WP_URL, 'Sec-Fetch-Site': 'same-site' },
    body: new URLSearchParams({ token, next: '/admin' }).toString(),
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('Location'), '/admin', 'signed in, whatever auth_time says');
  const cookie = cookieHeader(res.headers.getSetCookie());
  return { cookie, csrf: cookieValue(cookie, 'dash_csrf') };
}

const promote = (a: AuthTestApp, who: Signed, id: number) => call(a, `/api/admin/users/${id}`, { method: 'PATCH', cookie: who.cookie, csrf: who.csrf, json: { role: 'admin' } });

async function lastSsoDetail(a: AuthTestApp): Promise<string> {
  const [entry] = await a.store.listAudit({ action: 'sso_wordpress' });
  assert.equal(entry?.outcome, 'success');
  return String(entry?.detail);
}

describe('WordPress step-up: auth_time in the plugin\'s token', () => {
  test('a password typed in WordPress a minute ago confirms the new sign-in, until five minutes after it was typed', async (t) => {
    const a = await openSso(t);
    const junId = await addUser(a, 'jun');
    const kimId = await addUser(a, 'kim');
    const typed = a.clock.now - 60;
    const admin = await landAdmin(a, { auth_time: typed });
    assert.equal(await countRows(a, 'refresh_families', `step_up_until = ${typed + 300}`), 1, 'recorded on the sign-in, in the shared database');
    assert.match(await lastSsoDetail(a), /step-up confirmed \(WordPress password typed within 5 minutes\)$/);
    const promoted = await promote(a, admin, junId);
    assert.equal(promoted.status, 200, await promoted.clone().text());
    assert.equal((await a.store.userById(junId))?.role, 'admin');
    a.clock.now += 239;
    assert.equal((await promote(a, admin, kimId)).status, 200, 'still fresh 299 s after the password');
    const disable = await call(a, `/api/admin/users/${kimId}`, { method: 'PATCH', cookie: admin.cookie, csrf: admin.csrf, json: { disabled: true } });
    a.clock.now += 1;
    const late = await call(a, `/api/admin/users/${junId}/logout-all`, { method: 'POST', cookie: admin.cookie, csrf: admin.csrf });
    assert.equal(disable.status, 200);
    const body = await assertError(late, 403, 'step_up_required', 'five minutes after the password, not after the landing');
    assert.equal(body.method, 'wordpress');
    assert.equal((await a.store.userById(junId))?.sessionVersion, 1, 'the handler did not run');
  });

  test('stale, missing, future and malformed auth_time: signed in, but the dangerous action answers step_up_required', async (t) => {
    const a = await openSso(t);
    const junId = await addUser(a, 'jun');
    const now = a.clock.now;
    const cases: Array<[string, PluginClaims, RegExp | null]> = [
      ['typed 301 s ago', { auth_time: now - 301 }, null],
      ['typed a day ago', { auth_time: now - 86_400 }, null],
      ['missing (a plugin from before step-up)', {}, null],
      ['after the token was made, beyond the leeway', { auth_time: now + 11 }, /auth_time ignored \(future\)$/],
      ['after now, token made in the future within the leeway', { iat: now + 10, exp: now + 70, auth_time: now + 15 }, /auth_time ignored \(future\)$/],
      ['a fraction', { auth_time: now - 30.5 }, /auth_time ignored \(malformed\)$/],
      ['a string', { auth_time: String(now - 30) }, /auth_time ignored \(malformed\)$/],
      ['zero', { auth_time: 0 }, /auth_time ignored \(malformed\)$/],
      ['negative', { auth_time: -5 }, /auth_time ignored \(malformed\)$/],
      ['null', { auth_time: null }, /auth_time ignored \(malformed\)$/],
    ];
    for (const [label, changes, detail] of cases) {
      const admin = await landAdmin(a, changes);
      const audit = await lastSsoDetail(a);
      if (detail === null) assert.doesNotMatch(audit, /step-up|auth_time/, label);
      else assert.match(audit, detail, label);
      const body = await assertError(await promote(a, admin, junId), 403, 'step_up_required', label);
      assert.equal(body.method, 'wordpress', label);
      assert.match(String(body.message), /signing in to WordPress again/, label);
      assert.equal((await a.store.userById(junId))?.role, 'member', `${label}: the handler did not run`);
    }
    assert.equal(await countRows(a, 'refresh_families', 'step_up_until IS NOT NULL'), 0);
    // The positive control, the same construction: a usable auth_time confirms.
    assert.equal((await promote(a, await landAdmin(a, { auth_time: now - 5 }), junId)).status, 200);
  });

  test('within the leeway, a WordPress clock a little ahead counts as now, never longer', async (t) => {
    const a = await openSso(t);
    await landAdmin(a, { iat: a.clock.now + 5, exp: a.clock.now + 65, auth_time: a.clock.now + 5 });
    assert.equal(await countRows(a, 'refresh_families', `step_up_until = ${a.clock.now + 300}`), 1);
  });

  test('a fresh token confirms only the sign-in it creates, not the admin\'s other sign-ins', async (t) => {
    const a = await openSso(t);
    const junId = await addUser(a, 'jun');
    const old = await landAdmin(a, { auth_time: a.clock.now - 3600 });
    await landAdmin(a, { auth_time: a.clock.now - 10 });
    await assertError(await promote(a, old, junId), 403, 'step_up_required');
    assert.equal((await a.store.userById(junId))?.role, 'member');
  });

  test('a WordPress admin still cannot confirm with a password here; the page is told to use WordPress', async (t) => {
    const a = await openSso(t, '/dashboard');
    const admin = await landAdminAt(a, '/dashboard');
    const res = await call(a, '/dashboard/api/auth/step-up', { cookie: admin.cookie, csrf: admin.csrf, json: { password: PASSWORD } });
    const body = await assertError(res, 403, 'forbidden');
    assert.equal(body.method, 'wordpress');
    assert.match(String(body.message), /confirm it\u2019s you with WordPress/);
    const page = await (await call(a, '/dashboard/admin', { cookie: admin.cookie })).text();
    assert.match(page, /<section id="users" class="panel" aria-labelledby="users-title" data-wordpress-step-up="https:\/\/example\.org\/wp-admin\/admin-post\.php\?action=dashboard_sso&amp;step_up=1&amp;next=%2Fdashboard%2Fadmin">/);
  });
});

/** As landAdmin, at a base path, with no auth_time. */
async function landAdminAt(a: AuthTestApp, basePath: string): Promise<Signed> {
  const token = signLikePlugin(pluginClaims({ issuer: WP_URL, now: a.clock.now, userId: 1, login: 'siteadmin', roles: ['administrator'] }), WP_SECRET);
  const res = await a.app.request(`${basePath}/auth/wordpress`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: WP_URL, 'Sec-Fetch-Site': 'same-site' },
    body: new URLSearchParams({ token }).toString(),
  });
  assert.equal(res.status, 303);
  const cookie = cookieHeader(res.headers.getSetCookie());
  return { cookie, csrf: cookieValue(cookie, 'dash_csrf') };
}

describe('WordPress step-up: password accounts are unaffected', () => {
  test('a password admin is asked for the password (method "password"), confirms it as before, and the page has no WordPress link while SSO is off', async (t) => {
    const a = await openApp(t);
    await addUser(a, 'root', { role: 'admin' });
    const junId = await addUser(a, 'jun');
    const root = await a.login('root', PASSWORD);
    const body = await assertError(await promote(a, root, junId), 403, 'step_up_required');
    assert.equal(body.method, 'password');
    assert.match(String(body.message), /confirm your password/);
    assert.equal((await call(a, '/api/auth/step-up', { cookie: root.cookie, csrf: root.csrf, json: { password: PASSWORD } })).status, 200);
    assert.equal((await promote(a, root, junId)).status, 200);
    assert.doesNotMatch(await (await call(a, '/admin', { cookie: root.cookie })).text(), /data-wordpress-step-up/);
  });
});
