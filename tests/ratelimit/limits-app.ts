/**
 * Shared by the rate-limit HTTP and lockout tests: an in-process app with limits on, users with
 * a cheap scrypt hash (a failed sign-in then costs milliseconds, not the 300 ms of the real
 * parameters; the service still runs scrypt on every attempt), requests from a chosen address,
 * and the exact header assertions.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/password.ts';
import type { AuthTestApp, AuthTestOptions } from '../helpers/auth-app.ts';
import { call, openApp, type CallOptions } from '../helpers/auth-http.ts';

/** The helper app's clock starts at 1_800_000_000 s, a whole minute; this is 19 s into it (41 s left). */
export const T = 1_800_000_019;
export const MINUTE_LEFT = 41;
/** Seconds from T to the end of its (UTC) day. */
export const DAY_LEFT = (Math.floor(T / 86_400) + 1) * 86_400 - T;
export const GOOD = 'the right password, long enough';
export const RATE_LIMITED = 'Too many requests. Please wait a moment and try again.';

let cheapHash: Promise<string> | undefined;

export async function limitedApp(t: TestContext, options: AuthTestOptions = {}): Promise<AuthTestApp> {
  const a = await openApp(t, options);
  a.clock.now = T;
  return a;
}

/** A user whose hash uses scrypt's smallest accepted cost (ln=10, p=1): fast failures. */
export async function cheapUser(a: AuthTestApp, username: string): Promise<number> {
  cheapHash ??= hashPassword(GOOD, { ln: 10, r: 8, p: 1 });
  const user = await a.store.createUser({ username, role: 'member', passwordHash: await cheapHash, displayName: username });
  return user.id;
}

/** A request from `address` as Passenger forwards it (the last X-Forwarded-For entry), optionally after spoofed entries. */
export function from(a: AuthTestApp, address: string, url: string, options: CallOptions & { spoofed?: string } = {}): Promise<Response> {
  const xff = options.spoofed === undefined ? address : `${options.spoofed}, ${address}`;
  return call(a, url, { ...options, headers: { 'X-Forwarded-For': xff, ...options.headers } });
}

export function signIn(a: AuthTestApp, address: string, username: string, password: string): Promise<Response> {
  return from(a, address, '/api/auth/login', { json: { username, password } });
}

export interface Expected {
  readonly policy: string;
  readonly current: string;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds. */
  readonly reset: number;
  /** Only on refusals. */
  readonly retryAfter?: number;
}

/** Every rate-limit header, exactly; Retry-After present only on a refusal. */
export function assertLimitHeaders(res: Response, expected: Expected, label = ''): void {
  const h = res.headers;
  assert.equal(h.get('ratelimit-policy'), expected.policy, `${label} RateLimit-Policy`);
  assert.equal(h.get('ratelimit'), expected.current, `${label} RateLimit`);
  assert.equal(h.get('x-ratelimit-limit'), String(expected.limit), `${label} X-RateLimit-Limit`);
  assert.equal(h.get('x-ratelimit-remaining'), String(expected.remaining), `${label} X-RateLimit-Remaining`);
  assert.equal(h.get('x-ratelimit-reset'), String(expected.reset), `${label} X-RateLimit-Reset`);
  assert.equal(h.get('retry-after'), expected.retryAfter === undefined ? null : String(expected.retryAfter), `${label} Retry-After`);
}

export function assertNoLimitHeaders(res: Response, label = ''): void {
  for (const name of ['ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    assert.equal(res.headers.get(name), null, `${label} ${name}`);
  }
}

/** The largest `t` among the policies of a RateLimit header that have nothing left (r=0). */
export function exhaustedT(header: string | null): number {
  assert.ok(header !== null, 'RateLimit header missing');
  const ts = [...header.matchAll(/r=(\d+);t=(\d+)/g)].filter((m) => m[1] === '0').map((m) => Number(m[2]));
  assert.ok(ts.length > 0, `no exhausted policy in ${header}`);
  return Math.max(...ts);
}

/** The exact 429 body under /api/. */
export async function assertRateLimitedJson(res: Response, retryAfter: number, label = ''): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 429, `${label} ${text}`);
  assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', label);
  assert.equal(text, JSON.stringify({ error: 'rate_limited', message: RATE_LIMITED, retryAfter }), label);
  assert.equal(res.headers.get('retry-after'), String(retryAfter), label);
}
