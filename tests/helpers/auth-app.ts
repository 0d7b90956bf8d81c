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
import { createBotDeps, type BotConfig, type BuiltBot } from '../../src/bot/index.ts';
import { createPow, encodeSolution, solveChallenge } from '../../src/bot/pow.ts';
import { DEFAULT_UA_PATTERN } from '../../src/config/bot.ts';

export const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
export const SECRET = 's'.repeat(64);
/** The test app's access-token life in seconds, unless AuthTestOptions.accessTtl says otherwise. */
export const ACCESS_TTL = 900;
/**
 * What a browser sends: app.request() sends no User-Agent at all, which the defences count as a
 * weak sign of a script (src/bot/user-agent.ts). Tests playing a person's browser send this.
 */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

export interface AuthTestApp {
  readonly app: Hono<AppEnv>;
  readonly store: Store;
  readonly figures: Figures;
  readonly tokens: TokenService;
  readonly lines: string[];
  readonly dataDir: string;
  /** The anti-bot defences as configured (src/bot/). */
  readonly bot: BuiltBot;
  /** The clock, in seconds; assign to move time. */
  clock: { now: number };
  /**
   * Each wait of a sign-in the bot gate caught (src/auth/service.ts login), in milliseconds, as
   * asked; empty with `refusalWait.pause: 'real'` (the server's own timer then waits, unobserved).
   */
  readonly pauses: number[];
  /**
   * A solved proof of work (the login's `pow`) at the app's highest difficulty, so it is never
   * too easy: what the page sends after solving in its worker. Tests that are not about the
   * defences sign in with it, as the page would.
   */
  pow(): string;
  /** The sign-in form's hidden token (the honeypot's; the decoy left empty), as the page renders it. */
  formToken(): string | undefined;
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
  /** The defences' settings over the defaults (BOT_POW=adaptive, honeypot on, 1 s minimum...). */
  readonly bot?: Partial<BotConfig>;
  /**
   * How sign-ins the bot gate caught wait to look like a wrong password (src/auth/service.ts): by
   * default they note the wait in `pauses` and go on at once (tests do not sleep); `'real'`
   * waits on the server's own timer; a function waits as it says. `wrongPasswordMs`:
   * auth/password.ts typicalVerifyMs when omitted; `random`: Math.random.
   */
  readonly refusalWait?: {
    readonly pause?: 'real' | ((ms: number) => Promise<void>);
    readonly wrongPasswordMs?: () => number;
    readonly random?: () => number;
  };
}

/**
 * The configuration's defaults for the defences (src/config/bot.ts), but for two that tests
 * of other things would only pay for in time: proof of work is a hundred times easier (the
 * same code asks, verifies and spends it; solving 1,000,000 for each of a lockout test's
 * fifty failures would take minutes), and the form's minimum time is 0 (the clock is frozen).
 * Tests of the defences set their own.
 */
export const BOT_DEFAULTS: Omit<BotConfig, 'secretKey'> = {
  botPow: 'adaptive',
  botPowDifficulty: 200,
  botPowMaxDifficulty: 10_000,
  botHoneypot: true,
  botFormMinMs: 0,
  botUaPattern: DEFAULT_UA_PATTERN,
  dataApiRequests: [
    { limit: 600, windowSeconds: 3600, text: '600/hour' },
    { limit: 4000, windowSeconds: 86_400, text: '4000/day' },
  ],
  dataApiRows: [
    { limit: 20_000, windowSeconds: 3600, text: '20000/hour' },
    { limit: 100_000, windowSeconds: 86_400, text: '100000/day' },
  ],
  dataApiMaxPageSize: 200,
  dataApiMaxDays: 3660,
  dataApiSameOrigin: true,
};

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
    accessTtl: options.accessTtl ?? ACCESS_TTL,
    refreshTtl: options.refreshTtl ?? 14 * 86_400,
    now,
  });
  const basePath = options.basePath ?? '';
  const production = options.production ?? false;
  let id = 0;
  const clientAddress = createClientAddress({ kind: 'passenger' });
  const limits = options.rateLimit;
  const limitStore = limits === undefined ? undefined : (limits.store ?? createMemoryStore());
  const botConfig = { ...BOT_DEFAULTS, ...options.bot, secretKey: options.secret ?? SECRET };
  const solver = createPow({ secret: botConfig.secretKey, now });
  const pauses: number[] = [];
  const wait = options.refusalWait ?? {};
  const waitAs = typeof wait.pause === 'function' ? wait.pause : undefined;
  const bot = createBotDeps({
    config: botConfig,
    store,
    logger,
    now,
    nowMs: () => clock.now * 1000,
    refusalDelayMs: 0,
  });
  const refusalWait = {
    ...(wait.wrongPasswordMs === undefined ? {} : { wrongPasswordMs: wait.wrongPasswordMs }),
    ...(wait.random === undefined ? {} : { random: wait.random }),
    ...(wait.pause === 'real'
      ? {}
      : {
          pause: async (ms: number) => {
            pauses.push(ms);
            await waitAs?.(ms);
          },
        }),
  };
  const solvedPow = (): string => {
    const solution = solveChallenge(solver.issue(botConfig.botPowMaxDifficulty));
    if (solution === undefined) throw new Error('no solution found');
    return encodeSolution(solution);
  };
  const app = createApp({
    bot,
    config: { basePath, production },
    logger,
    assets: createMemoryAssets({ 'app.css': 'body{}', 'login.js': '', 'dashboard.js': '', 'admin.js': '' }, basePath),
    newRequestId: () => `req-${++id}`,
    auth: {
      service: createAuthService({ store, tokens, now, refusalWait }),
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
    bot,
    clock,
    pauses,
    pow: solvedPow,
    formToken: () => bot.signIn.form()?.token,
    async addUser(username, password, role = 'member') {
      const user = await store.createUser({ username, role, passwordHash: await hashPassword(password), displayName: username });
      return user.id;
    },
    async login(username, password) {
      const res = await app.request(`${basePath}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin', 'User-Agent': BROWSER_UA },
        body: JSON.stringify({ username, password, pow: solvedPow() }),
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
