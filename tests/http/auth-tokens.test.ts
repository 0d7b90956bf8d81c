/**
 * Access and refresh tokens over HTTP: forged, foreign, stale and revoked tokens on GET /api/me
 * (and on a probe route, to show the protected handler never runs), key rotation with
 * SECRET_KEY_PREVIOUS, and refresh rotation with reuse detection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { SignJWT, decodeProtectedHeader, generateKeyPair, type JWTPayload } from 'jose';
import { TokenService, type SessionClaims } from '../../src/auth/tokens.ts';
import { DATABASE_FILE } from '../../src/store/open.ts';
import { ACCESS_TTL, SECRET, authTestApp, cookieHeader, type AuthTestOptions } from '../helpers/auth-app.ts';
import {
  addUser,
  assertCleared,
  assertError,
  assertForbidden,
  assertUnauthorized,
  b64,
  call,
  claimsOf,
  cookieValue,
  derivedKey,
  forge,
  mountProbe,
  setCookies,
  withAlice,
  PASSWORD,
} from '../helpers/auth-http.ts';

/** TokenService's default clock-skew leeway, in seconds. */
const LEEWAY = 5;

/** Alice signed in (Bob exists too), with a probe route counting protected-handler runs. */
async function signedIn(t: TestContext, options: AuthTestOptions = {}) {
  const { a, alice } = await withAlice(t, options);
  const probe = mountProbe(a);
  const bob = await addUser(a, 'bob');
  const session = await a.login('alice', PASSWORD);
  const access = cookieValue(session.cookie, 'dash_access');
  const refresh = cookieValue(session.cookie, 'dash_refresh');
  return { a, probe, alice, bob, session, access, refresh, claims: claimsOf(access) };
}
type SignedIn = Awaited<ReturnType<typeof signedIn>>;

/** Refused on GET /api/me and on a protected POST (with the right CSRF value), whose handler never runs. */
async function assertRefused(s: SignedIn, cookie: string, code: string, label = code): Promise<void> {
  await assertUnauthorized(await call(s.a, '/api/me', { cookie }), code, `${label} (GET /api/me)`);
  await assertUnauthorized(await call(s.a, '/api/test/probe', { method: 'POST', cookie, csrf: s.session.csrf }), code, `${label} (probe)`);
  assert.equal(s.probe.runs, 0, `${label}: the protected handler ran`);
}

async function assertMe(s: SignedIn, cookie: string, userId: number, label = ''): Promise<void> {
  const res = await call(s.a, '/api/me', { cookie });
  assert.equal(res.status, 200, `${label} ${await res.clone().text()}`);
  assert.equal(((await res.json()) as { user: { id: number } }).user.id, userId, label);
}

/** The claims a TokenService signs, taken from a real token. */
function signable(payload: JWTPayload): Omit<SessionClaims, 'iat' | 'exp'> {
  const { sub, jti, type, csrf, sv, fam } = payload as Record<string, unknown>;
  return { sub: String(sub), jti: String(jti), type: type === 'refresh' ? 'refresh' : 'access', csrf: String(csrf), sv: Number(sv), fam: String(fam) };
}

function tokenService(secret: string, now: () => number, previousSecret: string | null = null): TokenService {
  return new TokenService({ secret, previousSecret, accessTtl: ACCESS_TTL, refreshTtl: 14 * 86_400, now });
}

describe('GET /api/me: missing and malformed access tokens', () => {
  test('no cookie, or an empty one: 401 token_missing with a bare Bearer challenge', async (t) => {
    const s = await signedIn(t);
    for (const cookie of ['', 'dash_access=', 'other=1']) {
      const res = await call(s.a, '/api/me', { cookie });
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="dashboard"');
      await assertUnauthorized(res, 'token_missing', `cookie "${cookie}"`);
    }
    await assertRefused(s, '', 'token_missing');
  });

  test('garbage, and an 8 KB cookie: 401 token_invalid (not 431, not 500)', async (t) => {
    const s = await signedIn(t);
    for (const token of ['garbage', 'a.b.c', '..', `${s.access}x`, `x${'A'.repeat(8192)}.${'B'.repeat(8)}.C`]) {
      await assertRefused(s, `dash_access=${token}`, 'token_invalid', token.slice(0, 20));
    }
  });

  test('duplicated cookies are refused even when both copies are the valid token (cookie tossing)', async (t) => {
    const s = await signedIn(t);
    await assertRefused(s, `dash_access=${s.access}; dash_access=${s.access}`, 'token_invalid', 'same token twice');
    await assertRefused(s, `dash_access=garbage; dash_access=${s.access}`, 'token_invalid', 'planted first');
    await assertMe(s, s.session.cookie, s.alice, 'the genuine cookie alone still works');
  });
});

describe('GET /api/me: forged and foreign tokens are token_invalid', () => {
  test('positive control: a token forged with the derived key and the real claims is accepted', async (t) => {
    const s = await signedIn(t);
    await assertMe(s, `dash_access=${await forge(SECRET, s.claims)}`, s.alice);
  });

  test('alg "none" (unsigned, and with a junk signature)', async (t) => {
    const s = await signedIn(t);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT', kid: derivedKey(SECRET).kid })}.${b64(s.claims)}`;
    await assertRefused(s, `dash_access=${unsigned}.`, 'token_invalid', 'alg none, empty signature');
    await assertRefused(s, `dash_access=${unsigned}.AAAA`, 'token_invalid', 'alg none, junk signature');
  });

  test('another algorithm: HS512 with the very same key, and RS256', async (t) => {
    const s = await signedIn(t);
    await assertRefused(s, `dash_access=${await forge(SECRET, s.claims, { alg: 'HS512' })}`, 'token_invalid', 'HS512');
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT(s.claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: derivedKey(SECRET).kid }).sign(privateKey);
    await assertRefused(s, `dash_access=${rs}`, 'token_invalid', 'RS256');
  });

  test('another key: another secret (unknown kid), and another key under our kid', async (t) => {
    const s = await signedIn(t);
    const other = await tokenService('o'.repeat(64), () => s.a.clock.now).sign(signable(s.claims));
    await assertRefused(s, `dash_access=${other.token}`, 'token_invalid', 'other secret');
    const underOurKid = await forge('o'.repeat(64), s.claims, { kid: derivedKey(SECRET).kid });
    await assertRefused(s, `dash_access=${underOurKid}`, 'token_invalid', 'other key, our kid');
    const noKid = await new SignJWT(s.claims).setProtectedHeader({ alg: 'HS256' }).sign(derivedKey(SECRET).key);
    await assertRefused(s, `dash_access=${noKid}`, 'token_invalid', 'no kid');
  });

  test('tampered claims with the original signature (sub changed to another user)', async (t) => {
    const s = await signedIn(t);
    const [header, , signature] = s.access.split('.');
    const tampered = `${header}.${b64({ ...s.claims, sub: String(s.bob) })}.${signature}`;
    await assertRefused(s, `dash_access=${tampered}`, 'token_invalid');
  });

  test('a refresh token presented as the access token', async (t) => {
    const s = await signedIn(t);
    await assertRefused(s, `dash_access=${s.refresh}`, 'token_invalid');
  });

  test('validly signed but wrong iss, aud, type or shape', async (t) => {
    const s = await signedIn(t);
    const { jti: _jti, ...noJti } = s.claims;
    const cases: Array<[string, JWTPayload]> = [
      ['wrong iss', { ...s.claims, iss: 'wordpress' }],
      ['wrong aud', { ...s.claims, aud: 'someone-else' }],
      ['no jti', noJti],
      ['type admin', { ...s.claims, type: 'admin' }],
      ['non-numeric sub', { ...s.claims, sub: 'alice' }],
      ['sv not a number', { ...s.claims, sv: '1' }],
    ];
    for (const [label, claims] of cases) await assertRefused(s, `dash_access=${await forge(SECRET, claims)}`, 'token_invalid', label);
  });

  test('an iat in the future beyond the leeway is invalid; within it is tolerated as clock skew', async (t) => {
    const s = await signedIn(t);
    for (const ahead of [3600, LEEWAY + 1]) {
      const { token } = await tokenService(SECRET, () => s.a.clock.now + ahead).sign(signable(s.claims));
      await assertRefused(s, `dash_access=${token}`, 'token_invalid', `iat ${ahead} s ahead`);
    }
    const skewed = await tokenService(SECRET, () => s.a.clock.now + LEEWAY - 1).sign(signable(s.claims));
    await assertMe(s, `dash_access=${skewed.token}`, s.alice, 'iat just inside the leeway');
  });
});

describe('GET /api/me: expiry and revocation', () => {
  test('expired past the leeway: 401 token_expired, with error_description="expired"', async (t) => {
    const s = await signedIn(t);
    s.a.clock.now += ACCESS_TTL + LEEWAY + 1;
    const res = await call(s.a, '/api/me', { cookie: s.session.cookie });
    assert.match(res.headers.get('www-authenticate') ?? '', /error_description="expired"/);
    await assertUnauthorized(res, 'token_expired');
    await assertRefused(s, s.session.cookie, 'token_expired');
  });

  test('within the leeway the token still works, and expires once past it (cached verification too)', async (t) => {
    const s = await signedIn(t);
    s.a.clock.now += ACCESS_TTL + LEEWAY - 1;
    await assertMe(s, s.session.cookie, s.alice, 'just inside the leeway');
    s.a.clock.now += 2;
    await assertRefused(s, s.session.cookie, 'token_expired', 'just past it, after a cached success');
  });

  test('a forged far-future exp does not extend a token’s life: it is bounded by iat', async (t) => {
    const s = await signedIn(t);
    const exp = Number(s.claims.iat) + 365 * 86_400;
    const cached = `dash_access=${await forge(SECRET, { ...s.claims, exp })}`;
    await assertMe(s, cached, s.alice, 'control: fresh (and now in the verify cache)');
    s.a.clock.now += ACCESS_TTL + LEEWAY - 1;
    await assertMe(s, cached, s.alice, 'just inside ttl + leeway');
    s.a.clock.now += 2;
    await assertRefused(s, cached, 'token_expired', 'cached');
    await assertRefused(s, `dash_access=${await forge(SECRET, { ...s.claims, exp, jti: 'another' })}`, 'token_expired', 'uncached');
  });

  test("a disabled user's live token: 401 token_revoked", async (t) => {
    const s = await signedIn(t);
    await s.a.store.updateUser(s.alice, { disabled: true });
    await assertRefused(s, s.session.cookie, 'token_revoked');
  });

  test('an ended session is refused; the same user’s other session is not', async (t) => {
    const s = await signedIn(t);
    const other = await s.a.login('alice', PASSWORD);
    await s.a.store.endSession({ familyId: String(s.claims.fam) });
    await assertRefused(s, s.session.cookie, 'token_revoked');
    await assertMe(s, other.cookie, s.alice, 'other session');
  });

  test('a token from before a session-version bump is refused even while its sign-in is live', async (t) => {
    const s = await signedIn(t);
    await assertRefused(s, `dash_access=${await forge(SECRET, { ...s.claims, sv: Number(s.claims.sv) - 1 })}`, 'token_revoked');
  });

  test('a validly signed token for a user who does not exist: token_revoked', async (t) => {
    const s = await signedIn(t);
    await assertRefused(s, `dash_access=${await forge(SECRET, { ...s.claims, sub: '999' })}`, 'token_revoked');
  });
});

describe('storage trouble', () => {
  test('a damaged database: 503 unavailable with Retry-After, on the API and the page (never a sign-out)', async (t) => {
    const s = await signedIn(t);
    writeFileSync(path.join(s.a.dataDir, DATABASE_FILE), 'not a database'.repeat(100));
    const api = await call(s.a, '/api/me', { cookie: s.session.cookie });
    assert.equal(api.headers.get('retry-after'), '5');
    await assertError(api, 503, 'unavailable');
    const page = await call(s.a, '/', { cookie: s.session.cookie });
    assert.equal(page.status, 503, 'the page must not send a signed-in user to the sign-in page');
    assert.equal(page.headers.get('location'), null);
    assert.equal(page.headers.getSetCookie().length, 0);
  });
});

describe('SECRET_KEY_PREVIOUS', () => {
  const OLD = 'old-'.repeat(16);
  const NEW = 'new-'.repeat(16);

  test('tokens signed under the previous secret verify and refresh into tokens under the new one; without it they are refused', async (t) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-rotation-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const open = async (options: AuthTestOptions) => {
      const app = await authTestApp({ dataDir, ...options });
      t.after(() => app.close());
      return app;
    };
    const before = await open({ secret: OLD });
    const id = await addUser(before, 'alice');
    const old = await before.login('alice', PASSWORD);
    assert.equal(decodeProtectedHeader(cookieValue(old.cookie, 'dash_access')).kid, derivedKey(OLD).kid);

    const rotating = await open({ secret: NEW, previousSecret: OLD });
    const me = await call(rotating, '/api/me', { cookie: old.cookie });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { user: { id: number } }).user.id, id);
    const refreshed = await call(rotating, '/api/auth/refresh', { method: 'POST', cookie: old.cookie, csrf: old.csrf });
    assert.equal(refreshed.status, 200);
    const fresh = cookieHeader(refreshed.headers.getSetCookie());
    assert.equal(decodeProtectedHeader(cookieValue(fresh, 'dash_access')).kid, derivedKey(NEW).kid);
    assert.equal(decodeProtectedHeader(cookieValue(fresh, 'dash_refresh')).kid, derivedKey(NEW).kid);

    const after = await open({ secret: NEW, previousSecret: null });
    await assertUnauthorized(await call(after, '/api/me', { cookie: old.cookie }), 'token_invalid', 'old key retired');
    assert.equal((await call(after, '/api/me', { cookie: fresh })).status, 200, 'new token under the new key');
  });
});

describe('POST /api/auth/refresh', () => {
  const refresh = (s: SignedIn, cookie: string, csrf?: string, headers: Record<string, string | null> = {}) =>
    call(s.a, '/api/auth/refresh', { method: 'POST', cookie, headers, ...(csrf === undefined ? {} : { csrf }) });

  test('rotates: new access and refresh cookies, same csrfToken, old access token still usable until it expires', async (t) => {
    const s = await signedIn(t);
    s.a.clock.now += 60;
    const res = await refresh(s, s.session.cookie, s.session.csrf);
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['accessExpiresAt', 'csrfToken', 'user']);
    assert.equal(body.csrfToken, s.session.csrf);
    assert.equal(body.accessExpiresAt, new Date((s.a.clock.now + ACCESS_TTL) * 1000).toISOString());
    const jar = setCookies(res);
    assert.notEqual(jar.get('dash_refresh')?.value, s.refresh);
    assert.notEqual(jar.get('dash_access')?.value, s.access);
    assert.equal(jar.get('dash_csrf')?.value, s.session.csrf);
    assert.equal(jar.get('dash_refresh')?.attrs.get('path'), '/api/auth');
    assert.equal(jar.get('dash_refresh')?.attrs.get('httponly'), true);
    await assertMe(s, cookieHeader(res.headers.getSetCookie()), s.alice, 'new access token');
  });

  test('a used refresh token presented after the grace window: token_revoked, cookies cleared, the whole family ends, an alarm is logged', async (t) => {
    const s = await signedIn(t);
    const first = await refresh(s, s.session.cookie, s.session.csrf);
    assert.equal(first.status, 200);
    const newest = cookieHeader(first.headers.getSetCookie());
    s.a.clock.now += 31;
    const replay = await refresh(s, s.session.cookie, s.session.csrf);
    assertCleared(replay);
    await assertUnauthorized(replay, 'token_revoked');
    await assertRefused(s, newest, 'token_revoked', 'newest access token of the family');
    await assertUnauthorized(await refresh(s, newest, s.session.csrf), 'token_revoked', 'newest refresh token');
    const alarms = await s.a.store.listAudit({ action: 'refresh_reuse' });
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]?.outcome, 'alarm');
    assert.equal(alarms[0]?.actorId, s.alice);
  });

  test('two tabs refreshing with the same token inside the grace window both succeed and stay signed in', async (t) => {
    const s = await signedIn(t);
    const tab1 = await refresh(s, s.session.cookie, s.session.csrf);
    s.a.clock.now += 5;
    const tab2 = await refresh(s, s.session.cookie, s.session.csrf);
    assert.equal(tab1.status, 200);
    assert.equal(tab2.status, 200);
    const cookies = [cookieHeader(tab1.headers.getSetCookie()), cookieHeader(tab2.headers.getSetCookie())];
    for (const cookie of cookies) await assertMe(s, cookie, s.alice, 'tab');
    s.a.clock.now += 60;
    const later = await refresh(s, cookies[1]!, s.session.csrf);
    assert.equal(later.status, 200, 'the cookie the browser kept still refreshes');
    assert.equal((await s.a.store.listAudit({ action: 'refresh_reuse' })).length, 0);
  });

  test('no refresh cookie: token_missing; an access token in the refresh cookie: token_invalid', async (t) => {
    const s = await signedIn(t);
    await assertUnauthorized(await refresh(s, `dash_access=${s.access}`, s.session.csrf), 'token_missing');
    await assertUnauthorized(await refresh(s, `dash_refresh=${s.access}`, s.session.csrf), 'token_invalid');
    await assertUnauthorized(await refresh(s, `dash_refresh=${s.refresh}; dash_refresh=${s.refresh}`, s.session.csrf), 'token_invalid', 'duplicated');
  });

  test('an expired refresh token: token_expired', async (t) => {
    const s = await signedIn(t);
    s.a.clock.now += 14 * 86_400 + 31;
    await assertUnauthorized(await refresh(s, s.session.cookie, s.session.csrf), 'token_expired');
  });

  test('CSRF: missing, wrong, another session’s value, or cross-site: 403, and the refresh token is not consumed', async (t) => {
    const s = await signedIn(t);
    const other = await s.a.login('bob', PASSWORD);
    await assertForbidden(await refresh(s, s.session.cookie), 'csrf_missing');
    await assertForbidden(await refresh(s, s.session.cookie, 'wrong'), 'csrf_mismatch');
    await assertForbidden(await refresh(s, s.session.cookie, other.csrf), 'csrf_mismatch', "bob's value");
    await assertForbidden(await refresh(s, s.session.cookie, s.session.csrf, { 'Sec-Fetch-Site': 'cross-site' }), 'csrf_mismatch');
    await assertForbidden(
      await refresh(s, s.session.cookie, s.session.csrf, { 'Sec-Fetch-Site': null, Origin: 'https://evil.example', Host: 'localhost' }),
      'csrf_mismatch',
      'cross-site Origin',
    );
    s.a.clock.now += 60;
    assert.equal((await refresh(s, s.session.cookie, s.session.csrf)).status, 200, 'still the current token: no reuse alarm');
    assert.equal((await s.a.store.listAudit({ action: 'refresh_reuse' })).length, 0);
  });

  test('after logout-all, or once the user is disabled, the refresh token is refused', async (t) => {
    const s = await signedIn(t);
    await s.a.store.endAllSessions(s.alice);
    await assertUnauthorized(await refresh(s, s.session.cookie, s.session.csrf), 'token_revoked', 'logout-all');
    const other = await s.a.login('alice', PASSWORD);
    await assertMe(s, other.cookie, s.alice, 'a sign-in after logout-all');
    await s.a.store.updateUser(s.alice, { disabled: true });
    await assertUnauthorized(await refresh(s, other.cookie, other.csrf), 'token_revoked', 'disabled');
  });
});
