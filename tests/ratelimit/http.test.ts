/**
 * Request limits over HTTP, in process with a frozen clock: the exact headers on admitted and
 * refused responses, the 429 body (JSON under /api/, a page elsewhere), exemptions, the sign-in
 * limits per username and per address, the client key (spoofed X-Forwarded-For, IPv6 /64s), and
 * what a failing store does (fail open with one warning a minute, or 503 when closed).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { FRAMED_SERVER } from '../../src/http/framed-response.ts';
import { addressKey } from '../../src/ratelimit/limiter.ts';
import { RateLimitStorageError } from '../../src/ratelimit/file-store.ts';
import type { RateLimitStore } from '../../src/ratelimit/store.ts';
import { call } from '../helpers/auth-http.ts';
import {
  DAY_LEFT,
  GOOD,
  MINUTE_LEFT,
  T,
  assertLimitHeaders,
  assertNoLimitHeaders,
  assertRateLimitedJson,
  cheapUser,
  exhaustedT,
  from,
  limitedApp,
  signIn,
} from './limits-app.ts';

const RESET = T + MINUTE_LEFT;
const DAY_RESET = T + DAY_LEFT;
const FIVE = { default: '5/minute' };
const defaultHeaders = (remaining: number, left = MINUTE_LEFT, reset = RESET, retryAfter?: number) => ({
  policy: '"default";q=5;w=60',
  current: `"default";r=${remaining};t=${left}`,
  limit: 5,
  remaining,
  reset,
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

describe('default limit: headers and refusals', () => {
  test('admitted responses carry the exact IETF and X-RateLimit headers, counting down', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    for (let i = 0; i < 5; i += 1) {
      const res = await from(a, '203.0.113.7', '/login');
      assert.equal(res.status, 200);
      assertLimitHeaders(res, defaultHeaders(4 - i), `request ${i + 1}`);
    }
  });

  test('the sixth request of the minute: 429 page (not JSON) outside /api/, Retry-After = t, the page not rendered', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    for (let i = 0; i < 5; i += 1) assert.equal((await from(a, '203.0.113.7', '/login')).status, 200);
    const res = await from(a, '203.0.113.7', '/login');
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assertLimitHeaders(res, defaultHeaders(0, MINUTE_LEFT, RESET, MINUTE_LEFT));
    const page = await res.text();
    assert.match(page, /<h1 id="title">Slow down<\/h1>/);
    assert.match(page, /Too many requests/);
    assert.doesNotMatch(page, /type="password"/, 'the sign-in form was not rendered');
  });

  test('429 under /api/ is exactly {"error":"rate_limited","message":…,"retryAfter":n}; the handler did not run', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    await cheapUser(a, 'erin');
    for (let i = 0; i < 5; i += 1) assert.equal((await from(a, '203.0.113.8', '/api/me')).status, 401);
    const res = await signIn(a, '203.0.113.8', 'erin', GOOD);
    await assertRateLimitedJson(res, MINUTE_LEFT);
    assertLimitHeaders(res, defaultHeaders(0, MINUTE_LEFT, RESET, MINUTE_LEFT));
    assert.deepEqual(res.headers.getSetCookie(), [], 'no session was started');
    assert.equal((await a.store.listAudit({})).length, 0, 'the sign-in never reached the service');
  });

  test('the next window admits again, with fresh figures', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    for (let i = 0; i < 6; i += 1) await from(a, '203.0.113.7', '/login');
    a.clock.now = RESET - 1;
    assert.equal((await from(a, '203.0.113.7', '/login')).headers.get('retry-after'), '1');
    a.clock.now = RESET;
    const res = await from(a, '203.0.113.7', '/login');
    assert.equal(res.status, 200);
    assertLimitHeaders(res, defaultHeaders(4, 60, RESET + 60));
  });

  test('Retry-After is never earlier than the draft\'s t, at any millisecond of the window', async (t) => {
    const clock = { ms: 0 };
    const a = await limitedApp(t, { rateLimit: { default: '2/minute;3/hour', now: () => clock.ms } });
    const hour = Math.floor(T / 3600) * 3_600_000;
    for (const [i, offset] of [0, 1, 999, 1000, 30_500, 58_001, 59_999].entries()) {
      clock.ms = hour + i * 120_000 + offset; // a fresh minute of one hour each time
      const address = `198.51.100.${i + 1}`;
      let res: Response | undefined;
      for (let n = 0; n < 3; n += 1) res = await from(a, address, '/login');
      assert.equal(res!.status, 429, `offset ${offset}`);
      const retryAfter = Number(res!.headers.get('retry-after'));
      const draftT = exhaustedT(res!.headers.get('ratelimit'));
      assert.ok(retryAfter >= draftT, `offset ${offset}: Retry-After ${retryAfter} < t ${draftT}`);
      assert.equal(retryAfter, Math.max(1, Math.ceil((60_000 - offset) / 1000)), `offset ${offset}`);
      assert.equal(res!.headers.get('ratelimit'), `"default";r=0;t=${retryAfter}, "default-hour";r=1;t=${Math.ceil((hour + 3_600_000 - clock.ms) / 1000)}`);
    }
  });

  test('when two windows reset together, X-RateLimit-* describe the tighter one (limit and remaining agree)', async (t) => {
    const a = await limitedApp(t, { rateLimit: { default: '5/minute;10/hour' } });
    const hour = Math.floor(T / 3600) * 3600;
    a.clock.now = hour + 10;
    for (let i = 0; i < 5; i += 1) await from(a, '203.0.113.70', '/login');
    a.clock.now = hour + 70;
    for (let i = 0; i < 3; i += 1) await from(a, '203.0.113.70', '/login');
    a.clock.now = hour + 3570; // the minute and the hour both end in 30 s
    const res = await from(a, '203.0.113.70', '/login');
    assertLimitHeaders(res, {
      policy: '"default";q=5;w=60, "default-hour";q=10;w=3600',
      current: '"default";r=4;t=30, "default-hour";r=1;t=30',
      limit: 10,
      remaining: 1,
      reset: hour + 3600,
    });
  });

  test('/healthz and /assets/* are exempt: never counted, never refused, no headers', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    const css = `/assets/app-${createHash('sha256').update('body{}').digest('hex').slice(0, 8).toUpperCase()}.css`;
    for (let i = 0; i < 12; i += 1) {
      for (const url of ['/healthz', css]) {
        const res = await from(a, '203.0.113.9', url);
        assert.equal(res.status, 200, url);
        assertNoLimitHeaders(res, url);
      }
    }
    assertLimitHeaders(await from(a, '203.0.113.9', '/login'), defaultHeaders(4), 'first counted request');
  });

  test('under Node (the production path) the headers also reach error responses of limited routes', async (t) => {
    const { serve } = await import('@hono/node-server');
    const a = await limitedApp(t, { rateLimit: FIVE });
    const server = serve({ fetch: a.app.fetch, port: 0, hostname: '127.0.0.1', ...FRAMED_SERVER });
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as { port: number };
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'X-Forwarded-For': '192.0.2.77' } });
    const ok = await get('/login');
    assert.equal(ok.status, 200);
    assertLimitHeaders(ok, defaultHeaders(4), '200');
    const unauthorized = await get('/api/me');
    assert.equal(unauthorized.status, 401);
    assertLimitHeaders(unauthorized, defaultHeaders(3), '401');
    for (let i = 0; i < 3; i += 1) await (await get('/login')).text();
    const refused = await get('/api/me');
    assertLimitHeaders(refused, defaultHeaders(0, MINUTE_LEFT, RESET, MINUTE_LEFT), '429');
    await assertRateLimitedJson(refused, MINUTE_LEFT);
  });
});

describe('sign-in limits (5/minute;50/day per username and per address)', () => {
  const loginPolicy = '"login";q=5;w=60, "login-day";q=50;w=86400';

  test('an admitted sign-in lists every policy that applied (default, per address, per username), both windows each', async (t) => {
    const a = await limitedApp(t, { rateLimit: {} });
    await cheapUser(a, 'alice');
    const res = await signIn(a, '203.0.113.20', 'alice', GOOD);
    assert.equal(res.status, 200, await res.clone().text());
    assertLimitHeaders(res, {
      policy: `"default";q=300;w=60, ${loginPolicy}, "login-user";q=5;w=60, "login-user-day";q=50;w=86400`,
      current:
        `"default";r=299;t=${MINUTE_LEFT}, "login";r=4;t=${MINUTE_LEFT}, "login-day";r=49;t=${DAY_LEFT}, ` +
        `"login-user";r=4;t=${MINUTE_LEFT}, "login-user-day";r=49;t=${DAY_LEFT}`,
      limit: 5,
      remaining: 4,
      reset: RESET,
    });
  });

  test('per username: five failures from five addresses, then the sixth address is refused for that username only', async (t) => {
    const a = await limitedApp(t, { rateLimit: {} });
    await cheapUser(a, 'carol');
    await cheapUser(a, 'dave');
    for (let i = 1; i <= 5; i += 1) assert.equal((await signIn(a, `198.51.100.${i}`, 'carol', 'wrong password!')).status, 401);
    const refused = await signIn(a, '198.51.100.6', 'carol', GOOD);
    await assertRateLimitedJson(refused, MINUTE_LEFT);
    assertLimitHeaders(refused, {
      policy: '"login-user";q=5;w=60, "login-user-day";q=50;w=86400',
      current: `"login-user";r=0;t=${MINUTE_LEFT}, "login-user-day";r=45;t=${DAY_LEFT}`,
      limit: 5,
      remaining: 0,
      reset: RESET,
      retryAfter: MINUTE_LEFT,
    });
    assert.equal((await a.store.loginFailures(['user:carol'])).get('user:carol')?.failures, 5, 'the refused attempt was not evaluated');
    // Case-folded like the lockout: CAROL is carol.
    assert.equal((await signIn(a, '198.51.100.7', 'CAROL', GOOD)).status, 429);
    assert.equal((await signIn(a, '198.51.100.6', 'dave', GOOD)).status, 200, 'another username from the same address');
    a.clock.now = RESET;
    assert.equal((await signIn(a, '198.51.100.6', 'carol', GOOD)).status, 200, 'the next minute');
  });

  test('per address: five usernames from one address, then the sixth is refused; other addresses are not', async (t) => {
    const a = await limitedApp(t, { rateLimit: {} });
    for (let i = 1; i <= 6; i += 1) await cheapUser(a, `user${i}`);
    for (let i = 1; i <= 5; i += 1) assert.equal((await signIn(a, '203.0.113.30', `user${i}`, 'wrong password!')).status, 401);
    const refused = await signIn(a, '203.0.113.30', 'user6', GOOD);
    await assertRateLimitedJson(refused, MINUTE_LEFT);
    assertLimitHeaders(refused, {
      policy: loginPolicy,
      current: `"login";r=0;t=${MINUTE_LEFT}, "login-day";r=45;t=${DAY_LEFT}`,
      limit: 5,
      remaining: 0,
      reset: RESET,
      retryAfter: MINUTE_LEFT,
    });
    assert.equal((await signIn(a, '203.0.113.31', 'user6', GOOD)).status, 200);
  });

  test('the day window: 50 a day per address, Retry-After to midnight (UTC) once the day is used up', async (t) => {
    const a = await limitedApp(t, { rateLimit: { default: '1000/minute' } });
    await Promise.all(Array.from({ length: 51 }, (_, i) => cheapUser(a, `user${i}`)));
    for (let i = 0; i < 50; i += 1) {
      a.clock.now = T + 60 * Math.floor(i / 5); // five a minute
      assert.equal((await signIn(a, '203.0.113.40', `user${i}`, 'wrong password!')).status, 401, `attempt ${i + 1}`);
    }
    a.clock.now = T + 600;
    const refused = await signIn(a, '203.0.113.40', 'user50', GOOD);
    await assertRateLimitedJson(refused, DAY_LEFT - 600);
    assert.equal(refused.headers.get('x-ratelimit-limit'), '50');
    assert.equal(refused.headers.get('x-ratelimit-reset'), String(DAY_RESET));
    assert.ok(Number(refused.headers.get('retry-after')) >= exhaustedT(refused.headers.get('ratelimit')));
  });
});

describe('the client key', () => {
  test('spoofed X-Forwarded-For entries before the last one do not change the key (TRUST_PROXY=passenger)', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    const spoofs = ['1.1.1.1', '10.0.0.1, 10.0.0.2', '2001:db8::1', 'not-an-address', '203.0.113.51, 1.1.1.1'];
    for (const [i, spoofed] of spoofs.entries()) {
      const res = await from(a, '203.0.113.50', '/login', { spoofed });
      assertLimitHeaders(res, defaultHeaders(4 - i), spoofed);
    }
    assert.equal((await from(a, '203.0.113.50', '/login', { spoofed: '8.8.8.8' })).status, 429);
    assert.equal((await from(a, '203.0.113.50', '/login')).status, 429, 'no spoofed entries: the same key');
    // The real addresses the attacker named are untouched, and so is the spoofed-as address.
    assertLimitHeaders(await from(a, '203.0.113.51', '/login', { spoofed: '203.0.113.50' }), defaultHeaders(4), 'another client');
    assertLimitHeaders(await from(a, '1.1.1.1', '/login'), defaultHeaders(4), 'the spoofed address');
  });

  test('IPv6: one /64 shares a counter however the address is written; the next /64 does not', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    const same = ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2:abcd::', '2001:db8:1:2:0:0:0:7', '2001:db8:1:2::5:6:7'];
    for (const [i, address] of same.entries()) assertLimitHeaders(await from(a, address, '/login'), defaultHeaders(4 - i), address);
    assert.equal((await from(a, '2001:db8:1:2::99', '/login')).status, 429);
    assertLimitHeaders(await from(a, '2001:db8:1:3::1', '/login'), defaultHeaders(4), 'the next /64');
    assertLimitHeaders(await from(a, '2001:db8:0:2::1', '/login'), defaultHeaders(4), 'a /64 differing in the third group');
  });

  test('IPv4-mapped IPv6 is the IPv4 address', async (t) => {
    const a = await limitedApp(t, { rateLimit: FIVE });
    for (let i = 0; i < 3; i += 1) await from(a, '192.0.2.10', '/login');
    assertLimitHeaders(await from(a, '::ffff:192.0.2.10', '/login'), defaultHeaders(1));
  });

  test('addressKey: the /64 of every spelling of one address, embedded IPv4 included', () => {
    assert.equal(addressKey('192.0.2.1'), '192.0.2.1');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('::'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('2001:db8:0:5:6:7:1.2.3.4'), '2001:db8:0:5::/64');
    assert.equal(addressKey('2001:db8::5:6:7:1.2.3.4'), '2001:db8:0:5::/64', 'the dotted tail is two groups');
    assert.equal(addressKey('::5:6:7:8:9:1.2.3.4'), '0:5:6:7::/64');
    assert.equal(addressKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  });
});

/** A store whose storage is broken: every consume rejects, as the file store does on a full or read-only disk. */
function brokenStore(): RateLimitStore & { calls: number } {
  const store = {
    calls: 0,
    consume() {
      store.calls += 1;
      return Promise.reject(new RateLimitStorageError('the rate-limit storage cannot be written (EROFS)'));
    },
    close() {},
  };
  return store;
}

const warnings = (lines: readonly string[], pattern: RegExp): string[] => lines.filter((l) => / WARN /.test(l) && pattern.test(l));

describe('when the store fails', () => {
  test('fail open (default): requests are served without limit headers, one warning per minute', async (t) => {
    const store = brokenStore();
    const a = await limitedApp(t, { rateLimit: { ...FIVE, store } });
    await cheapUser(a, 'alice');
    for (let i = 0; i < 20; i += 1) {
      a.clock.now = T + i * 2; // 40 s: within one minute of the first warning
      const res = await from(a, '203.0.113.60', '/login');
      assert.equal(res.status, 200);
      assertNoLimitHeaders(res);
    }
    assert.equal((await signIn(a, '203.0.113.60', 'alice', GOOD)).status, 200, 'sign-in still works');
    assert.ok(store.calls >= 22);
    assert.equal(warnings(a.lines, /rate limiting is OFF \(failing open\)/).length, 1, a.lines.join('\n'));
    a.clock.now = T + 59;
    await from(a, '203.0.113.60', '/login');
    assert.equal(warnings(a.lines, /rate limiting/).length, 1, 'still within the minute');
    a.clock.now = T + 60;
    await from(a, '203.0.113.60', '/login');
    assert.equal(warnings(a.lines, /rate limiting/).length, 2, 'a minute later');
    assert.match(warnings(a.lines, /rate limiting/)[0]!, /error="the rate-limit storage cannot be written \(EROFS\)"/);
  });

  test('RATE_LIMIT_FAIL=closed: 503 unavailable (JSON under /api/, a page elsewhere), handlers not run, health exempt, one warning per minute', async (t) => {
    const a = await limitedApp(t, { rateLimit: { ...FIVE, store: brokenStore(), failMode: 'closed' } });
    await cheapUser(a, 'alice');
    const api = await signIn(a, '203.0.113.61', 'alice', GOOD);
    const text = await api.text();
    assert.equal(api.status, 503);
    assert.equal(api.headers.get('retry-after'), '30');
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body), ['error', 'message', 'requestId']);
    assert.equal(body.error, 'unavailable');
    assert.deepEqual(api.headers.getSetCookie(), []);
    assert.equal((await a.store.listAudit({})).length, 0, 'the sign-in was not attempted');
    const page = await from(a, '203.0.113.61', '/login');
    assert.equal(page.status, 503);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal((await call(a, '/healthz')).status, 200);
    for (let i = 0; i < 10; i += 1) assert.equal((await from(a, '203.0.113.61', '/api/me')).status, 503);
    const logged = a.lines.filter((l) => / WARN /.test(l));
    assert.equal(logged.length, 1, `one warning, not one per request:\n${logged.join('\n')}`);
    assert.match(logged[0]!, /rate limiting is refusing requests \(failing closed\)/);
  });
});
