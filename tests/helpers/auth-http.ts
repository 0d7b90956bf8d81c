/**
 * Request and assertion helpers for the auth HTTP tests: one app per test (closed in t.after),
 * requests with cookies and CSRF, Set-Cookie parsing, the error contract's assertions, a way to
 * see rows in the database file, and token forgery for attack tests.
 */
import assert from 'node:assert/strict';
import { createHash, hkdfSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { Context } from 'hono';
import { SignJWT, decodeJwt, type JWTPayload } from 'jose';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { cookiePolicy } from '../../src/auth/cookies.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { requireRole, requireSession } from '../../src/auth/session.ts';
import type { AppEnv } from '../../src/http/context.ts';
import type { Role } from '../../src/store/index.ts';
import { DATABASE_FILE } from '../../src/store/open.ts';
import { BROWSER_UA, WASM, authTestApp, type AuthTestApp, type AuthTestOptions } from './auth-app.ts';

export const PASSWORD = 'correct horse battery staple';

/** A fresh app, closed when the test ends. */
export async function openApp(t: TestContext, options: AuthTestOptions = {}): Promise<AuthTestApp> {
  const app = await authTestApp(options);
  t.after(() => app.close());
  return app;
}

/**
 * Where most auth tests start: a fresh app (closed when the test ends) holding the member alice
 * ("Alice Example", with PASSWORD); resolves with the app and alice's id.
 */
export async function withAlice(t: TestContext, options: AuthTestOptions = {}): Promise<{ a: AuthTestApp; alice: number }> {
  const a = await openApp(t, options);
  const alice = await addUser(a, 'alice', { displayName: 'Alice Example' });
  return { a, alice };
}

let passwordHash: Promise<string> | undefined;

/** A user with PASSWORD, hashed once per process (scrypt is the slow part of these tests). */
export async function addUser(t: AuthTestApp, username: string, options: { displayName?: string; role?: Role; disabled?: boolean } = {}): Promise<number> {
  passwordHash ??= hashPassword(PASSWORD);
  const user = await t.store.createUser({ username, role: options.role ?? 'member', passwordHash: await passwordHash, displayName: options.displayName ?? username });
  if (options.disabled === true) await t.store.updateUser(user.id, { disabled: true });
  return user.id;
}

export interface Probe {
  runs: number;
}

/**
 * Mounts `GET|POST /api/test/probe` behind requireSession (and requireRole when `role` is
 * given), before the app's first request while routes may still be added, counting how often
 * the protected handler runs.
 */
export function mountProbe(t: AuthTestApp, options: { basePath?: string; production?: boolean; role?: Role } = {}): Probe {
  const probe: Probe = { runs: 0 };
  const cookies = cookiePolicy({ basePath: options.basePath ?? '', production: options.production ?? false });
  t.app.use('/api/test/probe', requireSession({ tokens: t.tokens, store: t.store, cookies }));
  if (options.role !== undefined) t.app.use('/api/test/probe', requireRole(options.role));
  t.app.on(['GET', 'POST'], '/api/test/probe', (c: Context<AppEnv>) => {
    probe.runs += 1;
    return c.body(null, 204);
  });
  return probe;
}

export interface CallOptions {
  readonly method?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Extra headers; `null` removes a default (`Sec-Fetch-Site: same-origin` on unsafe methods). */
  readonly headers?: Readonly<Record<string, string | null>>;
  /**
   * A sign-in (POST …/api/auth/login) carries a solved proof of work and, as a form, the form's
   * token, as the sign-in page sends them; `false` sends the body exactly as given.
   */
  readonly asPage?: boolean;
}

/** The body of a sign-in as the page would send it: with `pow`, and a form with its token. */
function asPage(t: AuthTestApp, url: string, options: CallOptions): CallOptions {
  if (options.asPage === false || !url.endsWith('/api/auth/login')) return options;
  if (options.json !== undefined && options.json !== null && typeof options.json === 'object' && !Array.isArray(options.json)) {
    const json = options.json as Record<string, unknown>;
    return json.pow === undefined ? { ...options, json: { ...json, pow: t.pow() } } : options;
  }
  if (options.form !== undefined) {
    const token = t.formToken();
    return { ...options, form: { ...(token === undefined ? {} : { form_token: token }), pow: t.pow(), ...options.form } };
  }
  return options;
}

/** One request, as a same-origin browser would send it unless told otherwise (a browser's User-Agent; Sec-Fetch-Site on unsafe methods). */
export async function call(t: AuthTestApp, url: string, given: CallOptions = {}): Promise<Response> {
  const options = asPage(t, url, given);
  const method = options.method ?? (options.json !== undefined || options.form !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string | null> = { 'User-Agent': BROWSER_UA };
  if (method !== 'GET' && method !== 'HEAD') headers['Sec-Fetch-Site'] = 'same-origin';
  if (options.cookie !== undefined) headers.Cookie = options.cookie;
  if (options.csrf !== undefined) headers['X-CSRF-Token'] = options.csrf;
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  Object.assign(headers, options.headers);
  const sent = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== null);
  return t.app.request(url, { method, headers: sent, ...(body === undefined ? {} : { body }) });
}

export interface SetCookie {
  readonly value: string;
  /** Attribute names lower-cased; flags map to `true`. */
  readonly attrs: ReadonlyMap<string, string | true>;
}

export function setCookies(res: Response): Map<string, SetCookie> {
  const out = new Map<string, SetCookie>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = '', ...rest] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const attrs = new Map<string, string | true>();
    for (const attr of rest) {
      const i = attr.indexOf('=');
      if (i === -1) attrs.set(attr.toLowerCase(), true);
      else attrs.set(attr.slice(0, i).toLowerCase(), attr.slice(i + 1));
    }
    assert.ok(!out.has(pair.slice(0, eq)), `cookie ${pair.slice(0, eq)} set twice`);
    out.set(pair.slice(0, eq), { value: pair.slice(eq + 1), attrs });
  }
  return out;
}

/** The value of `name` in a Cookie header built by cookieHeader(). */
export function cookieValue(cookie: string, name: string): string {
  const pair = cookie.split('; ').find((p) => p.startsWith(`${name}=`));
  assert.ok(pair !== undefined, `no ${name} in ${cookie}`);
  return pair.slice(name.length + 1);
}

/** Status and `{"error": code}`; returns the body for further checks. */
export async function assertError(res: Response, status: number, code: string, label = ''): Promise<Record<string, unknown>> {
  const text = await res.text();
  assert.equal(res.status, status, `${label} ${text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, label);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.error, code, label);
  assert.equal(typeof body.message, 'string', label);
  assert.doesNotMatch(text, /at .+\(.+:\d+:\d+\)|SQLITE|secret/i, `${label}: internal detail leaked`);
  return body;
}

/** 401 with the RFC 6750-style challenge: `error="invalid_token"` for every code but token_missing. */
export async function assertUnauthorized(res: Response, code: string, label = ''): Promise<void> {
  await assertError(res, 401, code, label);
  const challenge = res.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer realm="dashboard"/, `${label}: WWW-Authenticate`);
  if (code === 'token_missing' || code === 'invalid_credentials') assert.doesNotMatch(challenge, /error=/, label);
  else assert.match(challenge, /error="invalid_token"/, label);
}

/** 403 (CSRF or role): never a challenge, since signing in again would not help. */
export async function assertForbidden(res: Response, code: string, label = ''): Promise<void> {
  await assertError(res, 403, code, label);
  assert.equal(res.headers.get('www-authenticate'), null, `${label}: 403 must not carry WWW-Authenticate`);
}

/** The three cookies cleared (Max-Age=0), on the paths they were set on. */
export function assertCleared(res: Response, paths = { app: '/', refresh: '/api/auth' }, prefix = ''): void {
  const jar = setCookies(res);
  for (const [name, where] of [['dash_access', paths.app], ['dash_refresh', paths.refresh], ['dash_csrf', paths.app]] as const) {
    const cookie = jar.get(`${prefix}${name}`);
    assert.ok(cookie !== undefined, `${name} not cleared`);
    assert.equal(cookie.value, '');
    assert.equal(cookie.attrs.get('max-age'), '0');
    assert.equal(cookie.attrs.get('path'), where);
  }
}

let sqlJs: Promise<SqlJsStatic> | undefined;

/** Rows in a table of the app's database file, read from disk as another process would. */
export async function countRows(t: AuthTestApp, table: 'refresh_families' | 'revoked_tokens' | 'audit_log', where = '1'): Promise<number> {
  const file = path.join(t.dataDir, DATABASE_FILE);
  if (!existsSync(file)) return 0;
  sqlJs ??= initSqlJs({ locateFile: () => WASM });
  const db = new (await sqlJs).Database(readFileSync(file));
  try {
    return Number(db.exec(`SELECT count(*) FROM ${table} WHERE ${where}`)[0]?.values[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/**
 * The token key as src/auth/tokens.ts derives it. Tests that forge with it always include a
 * positive control (the same forgery with correct claims is accepted), so a change to the
 * derivation fails loudly instead of making the negative cases pass for the wrong reason.
 */
export function derivedKey(secret: string): { kid: string; key: Uint8Array } {
  const raw = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'members-dashboard', 'jwt-hs256', 32));
  return { kid: createHash('sha256').update(raw).digest('base64url').slice(0, 8), key: new Uint8Array(raw) };
}

export function forge(secret: string, payload: JWTPayload, header: { alg?: string; kid?: string } = {}): Promise<string> {
  const { kid, key } = derivedKey(secret);
  const alg = header.alg ?? 'HS256';
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid: header.kid ?? kid }).sign(key);
}

export const claimsOf = (token: string): JWTPayload => decodeJwt(token);

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
