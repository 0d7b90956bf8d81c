/**
 * An in-process app with real sign-in: a real sql.js database file in a temporary DATA_DIR,
 * real tokens, and an injectable clock (seconds) so tests move time instead of sleeping.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { cookiePolicy } from '../../src/auth/cookies.ts';
import { createDeviceCookies } from '../../src/auth/device.ts';
import type { OriginPolicy } from '../../src/auth/csrf.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { createAuthService } from '../../src/auth/service.ts';
import { TokenService } from '../../src/auth/tokens.ts';
import { createApp } from '../../src/app.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createMemoryAssets } from '../../src/http/assets.ts';
import { createClientAddress } from '../../src/http/client-ip.ts';
import { createMemoryLogger } from '../../src/log/index.ts';
import { parseRate } from '../../src/config/index.ts';
import { createLimiter } from '../../src/ratelimit/limiter.ts';
import { createMemoryStore } from '../../src/ratelimit/memory-store.ts';
import type { RateLimitStore, Rule } from '../../src/ratelimit/store.ts';
import type { Role, Store } from '../../src/store/index.ts';
import { openStore } from '../../src/store/open.ts';
import { createSqlJsLoader } from '../../src/db/sqljs.ts';
import type { Figures } from '../../src/figures/figures.ts';
import { createFontLoader } from '../../src/reports/font.ts';
import { openFigures } from '../../src/figures/open.ts';
import { renderReport } from '../../src/reports/report.ts';
import { createTokenVerifier } from '../../src/wordpress/token.ts';

export const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
export const SECRET = 's'.repeat(64);

export interface AuthTestApp {
  readonly app: Hono<AppEnv>;
  readonly store: Store;
  readonly figures: Figures;
  readonly tokens: TokenService;
  readonly lines: string[];
  readonly dataDir: string;
  /** The clock, in seconds; assign to move time. */
  clock: { now: number };
  addUser(username: string, password: string, role?: Role): Promise<number>;
  /** Signs in; returns the Cookie header value and the CSRF token. */
  login(username: string, password: string): Promise<{ cookie: string; csrf: string; setCookies: string[] }>;
  close(): void;
}

export interface AuthTestOptions {
  readonly basePath?: string;
  readonly production?: boolean;
  readonly secret?: string;
  readonly previousSecret?: string | null;
  readonly accessTtl?: number;
  readonly refreshTtl?: number;
  readonly dataDir?: string;
  /** Turns on request limits (off by default), as src/server.ts wires them. */
  readonly rateLimit?: AuthTestRateLimit;
  readonly organisation?: string;
  /** The Origin check's policy (src/auth/csrf.ts); host-only, as under Passenger, when omitted. */
  readonly origin?: OriginPolicy;
  /** WordPress single sign-on (WP_URL, WP_SSO_SECRET, WP_SSO_ADMIN_ROLES); off when omitted. */
  readonly wordpress?: { readonly url: string; readonly secret: string; readonly adminRoles?: readonly string[] };
}

/** The report font, read from the npm package (in-process tests do not depend on dist/). */
export const FONT_DIR = path.join(path.dirname(require.resolve('pretendard/package.json')), 'dist/public/static/alternative');
// One loader for every app of the test process, as the server has one per process.
const fonts = createFontLoader(FONT_DIR);

export interface AuthTestRateLimit {
  /** RATE_LIMIT_DEFAULT's notation; `300/minute` when omitted. */
  readonly default?: string;
  /** RATE_LIMIT_LOGIN's notation; `5/minute;50/day` when omitted. */
  readonly login?: string;
  /** RATE_LIMIT_PDF and RATE_LIMIT_IMPORT; unlimited (beyond the default) when omitted. */
  readonly pdf?: string;
  readonly import?: string;
  /** A fresh memory store when omitted (and closed with the app). */
  readonly store?: RateLimitStore;
  readonly failMode?: 'open' | 'closed';
  /** Epoch milliseconds; the app's clock (seconds) × 1000 when omitted. */
  readonly now?: () => number;
}

function testRule(name: string, text: string): Rule {
  const parsed = parseRate(text);
  if (!parsed.ok) throw new Error(`${name}: ${parsed.error}`);
  return { name, windows: parsed.value };
}

/** Cookie header from Set-Cookie lines (name=value pairs only). */
export function cookieHeader(setCookies: readonly string[]): string {
  return setCookies
    .map((line) => line.split(';')[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

export async function authTestApp(options: AuthTestOptions = {}): Promise<AuthTestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'dashboard-auth-'));
  const clock = { now: 1_800_000_000 };
  const now = (): number => clock.now;
  const logger = createMemoryLogger();
  const loadSql = createSqlJsLoader({ wasmPath: WASM });
  const { store, file } = openStore({ dataDir, wasmPath: WASM, loadSql, logger, now });
  const { figures, file: figuresFile } = openFigures({ dataDir, loadSql, logger, now });
  const tokens = new TokenService({
    secret: options.secret ?? SECRET,
    previousSecret: options.previousSecret ?? null,
    accessTtl: options.accessTtl ?? 900,
    refreshTtl: options.refreshTtl ?? 14 * 86_400,
    now,
  });
  const basePath = options.basePath ?? '';
  const production = options.production ?? false;
  let id = 0;
  const clientAddress = createClientAddress({ kind: 'passenger' });
  const limits = options.rateLimit;
  const limitStore = limits === undefined ? undefined : (limits.store ?? createMemoryStore());
  const app = createApp({
    config: { basePath, production },
    logger,
    assets: createMemoryAssets({ 'app.css': 'body{}', 'login.js': '', 'dashboard.js': '', 'admin.js': '' }, basePath),
    newRequestId: () => `req-${++id}`,
    auth: {
      service: createAuthService({ store, tokens, now }),
      devices: createDeviceCookies(options.secret ?? SECRET),
      tokens,
      store,
      cookies: cookiePolicy({ basePath, production }),
      clientAddress,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
    },
    ...(limits === undefined || limitStore === undefined
      ? {}
      : {
          rateLimit: {
            limiter: createLimiter({ store: limitStore, failMode: limits.failMode ?? 'open', logger, now: limits.now ?? (() => clock.now * 1000) }),
            defaultRule: testRule('default', limits.default ?? '300/minute'),
            loginRule: testRule('login', limits.login ?? '5/minute;50/day'),
            ...(limits.pdf === undefined ? {} : { pdfRule: testRule('pdf', limits.pdf) }),
            ...(limits.import === undefined ? {} : { importRule: testRule('import', limits.import) }),
            clientAddress,
          },
        }),
    ...(options.wordpress === undefined
      ? {}
      : {
          wordpress: {
            url: options.wordpress.url,
            verify: createTokenVerifier({ secret: options.wordpress.secret, issuer: options.wordpress.url, now }),
            adminRoles: options.wordpress.adminRoles ?? ['administrator'],
          },
        }),
    dashboard: {
      figures,
      organisation: options.organisation ?? 'Test Association',
      renderReport: async (input) => renderReport(input, await fonts()),
      today: () => new Date(clock.now * 1000).toISOString().slice(0, 10),
      clock: () => new Date(clock.now * 1000),
    },
  });
  return {
    app,
    store,
    figures,
    tokens,
    lines: logger.lines,
    dataDir,
    clock,
    async addUser(username, password, role = 'member') {
      const user = await store.createUser({ username, role, passwordHash: await hashPassword(password), displayName: username });
      return user.id;
    },
    async login(username, password) {
      const res = await app.request(`${basePath}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { csrfToken: string };
      const setCookies = res.headers.getSetCookie();
      return { cookie: cookieHeader(setCookies), csrf: body.csrfToken, setCookies };
    },
    close() {
      if (limits !== undefined && limits.store === undefined) limitStore?.close();
      file.close();
      figuresFile.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
