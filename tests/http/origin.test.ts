/**
 * The Origin check of state-changing requests (src/auth/csrf.ts) under each policy: PUBLIC_URL's
 * origin when set; scheme and host of the connection when no proxy stands between; the host
 * alone behind one (as before). The audit's two cases: `Origin: https://…` accepted on plain
 * http, and `Origin: http://evil` with `Host: evil` passing.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { OriginPolicy } from '../../src/auth/csrf.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';
import { addUser, assertForbidden, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';

async function withUser(t: TestContext, origin?: OriginPolicy): Promise<AuthTestApp> {
  const a = await openApp(t, origin === undefined ? {} : { origin });
  await addUser(a, 'root', { role: 'admin' });
  return a;
}

/** A sign-in from a browser that sends Origin but not Sec-Fetch-Site (older ones), over plain http (app.request's URLs). */
const login = (a: AuthTestApp, headers: Record<string, string | null>) =>
  call(a, '/api/auth/login', { json: { username: 'root', password: PASSWORD }, headers: { 'Sec-Fetch-Site': null, ...headers } });

async function assertRefused(a: AuthTestApp, res: Response, label: string): Promise<void> {
  await assertForbidden(res, 'csrf_mismatch', label);
  assert.deepEqual(res.headers.getSetCookie(), [], `${label}: no cookies`);
  assert.equal(await countRows(a, 'refresh_families'), 0, `${label}: no sign-in was started`);
}

const PUBLIC_HTTPS: OriginPolicy = { kind: 'public', origin: 'https://dashboard.example.org' };

describe('Origin: https://… on a plain-http request', () => {
  test('refused with PUBLIC_URL=http://… (and with no proxy in front); accepted when PUBLIC_URL says https', async (t) => {
    const viaPublic = await withUser(t, { kind: 'public', origin: 'http://localhost' });
    await assertRefused(viaPublic, await login(viaPublic, { Origin: 'https://localhost', Host: 'localhost' }), 'PUBLIC_URL http');
    assert.equal((await login(viaPublic, { Origin: 'http://localhost', Host: 'localhost' })).status, 200, 'positive control');

    const direct = await withUser(t, { kind: 'direct' });
    await assertRefused(direct, await login(direct, { Origin: 'https://localhost', Host: 'localhost' }), 'direct');
    assert.equal((await login(direct, { Origin: 'http://localhost', Host: 'localhost' })).status, 200, 'positive control');

    // TLS ended by the proxy: the app sees http, the browser says https, PUBLIC_URL agrees.
    const tls = await withUser(t, PUBLIC_HTTPS);
    assert.equal((await login(tls, { Origin: 'https://dashboard.example.org', Host: 'localhost' })).status, 200);
  });

  test('behind a proxy without PUBLIC_URL only the host can be compared (the reason to set PUBLIC_URL)', async (t) => {
    const proxied = await withUser(t);
    await assertRefused(proxied, await login(proxied, { Origin: 'https://evil.example', Host: 'localhost' }), 'another host');
    assert.equal((await login(proxied, { Origin: 'https://localhost', Host: 'localhost' })).status, 200);
  });
});

describe('Origin: http://evil with Host: evil', () => {
  test('refused with PUBLIC_URL, even with Sec-Fetch-Site: same-origin (DNS rebinding)', async (t) => {
    const a = await withUser(t, PUBLIC_HTTPS);
    await assertRefused(a, await login(a, { Origin: 'http://evil', Host: 'evil' }), 'Origin and Host agree');
    await assertRefused(a, await login(a, { Origin: 'http://evil', Host: 'evil', 'Sec-Fetch-Site': 'same-origin' }), 'the browser believes it is same-origin');
    await assertRefused(a, await login(a, { Origin: 'https://dashboard.example.org:8443', Host: 'dashboard.example.org:8443' }), 'another port');
    await assertRefused(a, await login(a, { Origin: 'null' }), 'an opaque origin');
    assert.equal((await login(a, { Origin: 'https://Dashboard.Example.org', Host: 'evil' })).status, 200, 'the public origin, whatever Host says');
    assert.equal((await login(a, {})).status, 200, 'no Origin, no Sec-Fetch-Site: not a browser (the CSRF token still guards sessions)');
  });

  test('without PUBLIC_URL the Host header decides, so it passes: only PUBLIC_URL can tell', async (t) => {
    for (const origin of [undefined, { kind: 'direct' } as const]) {
      const a = await withUser(t, origin);
      assert.equal((await login(a, { Origin: 'http://evil', Host: 'evil' })).status, 200, origin?.kind ?? 'proxied');
    }
  });
});

describe('PUBLIC_URL applies to every state-changing route', () => {
  test('refresh, sign-out, step-up and the admin API refuse another origin, and the handler does not run', async (t) => {
    const a = await withUser(t, PUBLIC_HTTPS);
    const junId = await addUser(a, 'jun');
    const signedIn = await login(a, { Origin: 'https://dashboard.example.org' });
    assert.equal(signedIn.status, 200);
    const csrf = ((await signedIn.json()) as { csrfToken: string }).csrfToken;
    const cookie = signedIn.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const evil = { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://evil', Host: 'evil' };
    const send = (path: string, method: string, json?: unknown) => call(a, path, { method, cookie, csrf, headers: evil, ...(json === undefined ? {} : { json }) });

    await assertForbidden(await send('/api/auth/refresh', 'POST'), 'csrf_mismatch');
    await assertForbidden(await send('/api/auth/step-up', 'POST', { password: PASSWORD }), 'csrf_mismatch');
    await assertForbidden(await send(`/api/admin/users/${junId}`, 'PATCH', { displayName: 'Changed' }), 'csrf_mismatch');
    await assertForbidden(await send('/api/auth/logout', 'POST'), 'csrf_mismatch');
    assert.equal((await a.store.userById(junId))?.displayName, 'jun', 'not renamed');
    assert.equal(await countRows(a, 'refresh_families', 'revoked_at IS NULL AND step_up_until IS NULL'), 1, 'still signed in, not confirmed');
    assert.equal(await countRows(a, 'audit_log', "action IN ('step_up', 'user_update', 'logout')"), 0);

    const good = { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://dashboard.example.org' };
    const renamed = await call(a, `/api/admin/users/${junId}`, { method: 'PATCH', cookie, csrf, headers: good, json: { displayName: 'Jun' } });
    assert.equal(renamed.status, 200, 'positive control');
    assert.equal((await a.store.userById(junId))?.displayName, 'Jun');
  });
});
