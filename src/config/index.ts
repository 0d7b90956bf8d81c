/**
 * Configuration: every variable of DESIGN.md's table, read once at boot, checked together,
 * frozen. `parseConfig` is pure: the environment and the one disk-touching step (the
 * development secret) are handed in, so tests need neither a process nor a folder.
 */
import path from 'node:path';
import { dataDirProblem } from './data-dir.ts';
import { parseDuration } from './duration.ts';
import { HINTS, placeholderProblem } from './hints.ts';
import { parseRate, type RateWindow } from './rate.ts';
import { MIN_SECRET_BYTES, WEAK, weakSecret } from './secret.ts';
import { normaliseBasePath } from './base-path.ts';
import { readPublicUrl, type PublicUrl } from './public-url.ts';
import { readInteger, readTrustProxy } from './values.ts';
import { readWordPress } from './wordpress.ts';
import { readBotConfig, type BotConfig } from './bot.ts';

export type { RateWindow } from './rate.ts';
export { parseDuration } from './duration.ts';
export { parseRate } from './rate.ts';
export { normaliseBasePath } from './base-path.ts';
export type { PublicUrl } from './public-url.ts';
export type { BotConfig } from './bot.ts';

export type NodeEnv = 'development' | 'production' | 'test';
export type TrustProxy = { kind: 'passenger' } | { kind: 'none' } | { kind: 'list'; addresses: readonly string[] };
export type RateStorage = { kind: 'file'; dir: string } | { kind: 'memory' };

export interface Config extends BotConfig {
  readonly env: NodeEnv;
  readonly production: boolean;
  readonly port: number;
  /** `''` at the site root, otherwise `/dashboard` (leading slash, never a trailing one). */
  readonly basePath: string;
  readonly dataDir: string;
  readonly secretKey: string;
  readonly secretKeyPrevious: string | null;
  /** True when the secret was generated into DATA_DIR because none was configured. */
  readonly devSecret: boolean;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly trustProxy: TrustProxy;
  /** PUBLIC_URL: what the Origin of state-changing requests must be (auth/csrf.ts); null when unset. */
  readonly publicUrl: PublicUrl | null;
  readonly rateLimitDefault: readonly RateWindow[];
  readonly rateLimitLogin: readonly RateWindow[];
  /** Per signed-in user: PDF reports are the costliest request the app serves. */
  readonly rateLimitPdf: readonly RateWindow[];
  /** Per signed-in admin: imports rewrite the figures file. */
  readonly rateLimitImport: readonly RateWindow[];
  readonly rateLimitStorage: RateStorage;
  readonly rateLimitFail: 'open' | 'closed';
  readonly wpSsoSecret: string | null;
  readonly wpUrl: string | null;
  /** WordPress roles whose holders are the dashboard's admins when they sign in through WordPress; everyone else is a member. */
  readonly wpAdminRoles: readonly string[];
  readonly botPow: 'off' | 'adaptive' | 'always';
  readonly adminUsername: string | null;
  readonly adminPassword: string | null;
  /** Shown in the page header and printed on reports. */
  readonly orgName: string;
  /** How many PDF renders and CSV imports (child processes of 100–300 MB) the account runs at once, over all processes. */
  readonly heavyJobs: number;
}

export interface ConfigProblem {
  /** The variable to fix: safe to show anyone. */
  readonly variable: string;
  /** What is wrong and what is expected. Never contains a secret's value. */
  readonly message: string;
  /** What to put there, for the 503 page: a fixed text per variable, never built from the value. */
  readonly hint?: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: readonly ConfigProblem[] };

export interface ParseContext {
  /** Folder of app.js; relative paths are resolved against it, as Passenger starts us there. */
  readonly appRoot: string;
  /** Reads or creates the development secret in DATA_DIR (the only step that touches disk). */
  readonly loadDevSecret: (dataDir: string) => string;
  /**
   * Resolves symlinks in the part of a path that exists (default: none), so that a DATA_DIR
   * reached through a link (cPanel's www, a deploy's `current`) is judged by where it really is.
   */
  readonly realPath?: (absolute: string) => string;
  /** Started by Passenger, whose own last X-Forwarded-For entry is then trusted by default (standalone, the client wrote it). */
  readonly underPassenger?: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;


export function parseConfig(env: Env, ctx: ParseContext): ConfigResult {
  const problems: ConfigProblem[] = [];
  // One problem per variable: the first found is the one to fix (a placeholder, say, rather
  // than the default that stood in for it).
  const fail = (variable: string, message: string): undefined => {
    if (problems.some((p) => p.variable === variable)) return undefined;
    const hint = HINTS[variable];
    problems.push(hint === undefined ? { variable, message } : { variable, message, hint });
    return undefined;
  };
  // A value still holding the .htaccess template's `__NAME__` is unfilled, whatever it is for:
  // refused before anything uses it (DATA_DIR would otherwise become a folder named __DATA_DIR__).
  const unfilled = new Set<string>();
  for (const name of [...Object.keys(HINTS), 'PASSENGER_BASE_URI']) {
    const problem = placeholderProblem(env[name] ?? '');
    if (problem !== undefined) {
      unfilled.add(name);
      fail(name, problem);
    }
  }
  const raw = (name: string): string | undefined => (unfilled.has(name) ? undefined : env[name]);
  const get = (name: string): string | undefined => {
    const value = raw(name);
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const envName = get('NODE_ENV') ?? 'development';
  const nodeEnv: NodeEnv =
    envName === 'production' || envName === 'test' || envName === 'development'
      ? envName
      : (fail('NODE_ENV', 'must be development, production or test'), 'production');
  const production = nodeEnv === 'production';

  const port = readInteger(get('PORT') ?? '3000', 0, 65_535) ?? fail('PORT', 'must be a whole number from 0 to 65535');

  const basePathSource = get('BASE_PATH') !== undefined ? 'BASE_PATH' : 'PASSENGER_BASE_URI';
  const basePath = normaliseBasePath(get('BASE_PATH') ?? get('PASSENGER_BASE_URI') ?? '/');
  if (basePath === undefined) fail(basePathSource, 'must be a URL path such as /dashboard (letters, digits, - _ . ~ and /; no .. segments)');

  const dataDirText = get('DATA_DIR');
  const dataDir = path.resolve(ctx.appRoot, dataDirText ?? './data');
  const real = ctx.realPath ?? ((absolute: string) => absolute);
  const misplaced = dataDirProblem({ dataDir: real(dataDir), appRoot: real(path.resolve(ctx.appRoot)), production, explicit: dataDirText !== undefined });
  if (misplaced !== undefined) fail('DATA_DIR', misplaced);

  const accessTokenTtl = readDuration('ACCESS_TOKEN_TTL', get('ACCESS_TOKEN_TTL') ?? '15m');
  const refreshTokenTtl = readDuration('REFRESH_TOKEN_TTL', get('REFRESH_TOKEN_TTL') ?? '14d');
  if (accessTokenTtl !== undefined && refreshTokenTtl !== undefined && refreshTokenTtl <= accessTokenTtl) {
    fail('REFRESH_TOKEN_TTL', 'must be longer than ACCESS_TOKEN_TTL');
  }

  const publicUrl = readPublicUrl(get('PUBLIC_URL'), {
    basePath,
    basePathSource: get('PASSENGER_BASE_URI') !== undefined ? basePathSource : 'BASE_PATH',
    production,
  });
  if (!publicUrl.ok) fail('PUBLIC_URL', publicUrl.message);

  const trustProxy = readTrustProxy(get('TRUST_PROXY') ?? (ctx.underPassenger === true ? 'passenger' : 'none'));
  if (trustProxy === undefined) fail('TRUST_PROXY', 'must be passenger, none, or a comma-separated list of proxy IP addresses');

  const rateLimitDefault = readRate('RATE_LIMIT_DEFAULT', get('RATE_LIMIT_DEFAULT') ?? '300/minute');
  const rateLimitLogin = readRate('RATE_LIMIT_LOGIN', get('RATE_LIMIT_LOGIN') ?? '5/minute;50/day');
  const rateLimitPdf = readRate('RATE_LIMIT_PDF', get('RATE_LIMIT_PDF') ?? '10/minute;100/day');
  const rateLimitImport = readRate('RATE_LIMIT_IMPORT', get('RATE_LIMIT_IMPORT') ?? '30/hour');
  const rateLimitStorage = readStorage(get('RATE_LIMIT_STORAGE'), dataDir);

  const failMode = get('RATE_LIMIT_FAIL') ?? 'open';
  const rateLimitFail = failMode === 'open' || failMode === 'closed' ? failMode : fail('RATE_LIMIT_FAIL', 'must be open or closed');

  const { wpSsoSecret, wpUrl, wpAdminRoles } = readWordPress(get, production, fail);

  const heavyJobs = readInteger(get('HEAVY_JOBS') ?? '1', 1, 16) ?? fail('HEAVY_JOBS', 'must be a whole number from 1 to 16 (PDF reports and imports at once, over all processes)');

  const orgName = (get('ORG_NAME') ?? 'Members\u2019 dashboard').trim();
  if (orgName.length > 120) fail('ORG_NAME', 'must be at most 120 characters long');

  const pow = get('BOT_POW') ?? 'adaptive';
  const botPow = pow === 'off' || pow === 'adaptive' || pow === 'always' ? pow : fail('BOT_POW', 'must be off, adaptive or always');
  const bot = readBotConfig(get, fail);

  const adminUsername = get('ADMIN_USERNAME') ?? null;
  const adminPasswordText = raw('ADMIN_PASSWORD');
  const adminPassword = adminPasswordText !== undefined && adminPasswordText !== '' ? adminPasswordText : null;
  if ((adminUsername === null) !== (adminPassword === null)) {
    fail(adminUsername === null ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD', 'ADMIN_USERNAME and ADMIN_PASSWORD go together: set both or neither');
  }
  if (adminUsername !== null && !/^[A-Za-z0-9._@-]{1,64}$/.test(adminUsername)) {
    fail('ADMIN_USERNAME', 'may hold 1 to 64 letters, digits and . _ @ -');
  }
  if (adminPassword !== null && adminPassword.length < 12) fail('ADMIN_PASSWORD', 'must be at least 12 characters long');

  const previous = get('SECRET_KEY_PREVIOUS') ?? null;
  if (previous !== null && Buffer.byteLength(previous) < MIN_SECRET_BYTES) {
    fail('SECRET_KEY_PREVIOUS', `must be at least ${MIN_SECRET_BYTES} bytes long`);
  } else if (previous !== null && production && weakSecret(previous)) {
    fail('SECRET_KEY_PREVIOUS', WEAK);
  }
  let secretKey = get('SECRET_KEY');
  let devSecret = false;
  if (secretKey !== undefined && Buffer.byteLength(secretKey) < MIN_SECRET_BYTES) {
    fail('SECRET_KEY', `must be at least ${MIN_SECRET_BYTES} bytes long (e.g. the output of: openssl rand -hex 32)`);
  } else if (secretKey !== undefined && production && weakSecret(secretKey)) {
    fail('SECRET_KEY', WEAK);
  } else if (secretKey === undefined && production) {
    fail('SECRET_KEY', 'is required in production (at least 32 bytes, e.g. the output of: openssl rand -hex 32)');
  } else if (secretKey === undefined && problems.length === 0) {
    // Only once everything else is valid: a broken configuration must not leave files behind.
    try {
      secretKey = ctx.loadDevSecret(dataDir);
      devSecret = true;
    } catch (error) {
      fail('SECRET_KEY', `is not set and no development secret could be written to DATA_DIR (${describe(error)})`);
    }
  }

  if (problems.length > 0 || secretKey === undefined) return { ok: false, problems };
  const config: Config = {
    env: nodeEnv,
    production,
    port: port!,
    basePath: basePath!,
    dataDir,
    secretKey,
    secretKeyPrevious: previous,
    devSecret,
    accessTokenTtl: accessTokenTtl!,
    refreshTokenTtl: refreshTokenTtl!,
    trustProxy: trustProxy!,
    publicUrl: publicUrl.ok ? publicUrl.value : null,
    rateLimitDefault: rateLimitDefault!,
    rateLimitLogin: rateLimitLogin!,
    rateLimitPdf: rateLimitPdf!,
    rateLimitImport: rateLimitImport!,
    rateLimitStorage: rateLimitStorage!,
    rateLimitFail: rateLimitFail!,
    wpSsoSecret,
    wpUrl,
    wpAdminRoles,
    botPow: botPow!,
    ...bot,
    adminUsername,
    adminPassword,
    orgName: orgName === '' ? 'Members\u2019 dashboard' : orgName,
    heavyJobs: heavyJobs!,
  };
  return { ok: true, config: deepFreeze(config) };

  function readDuration(name: string, text: string): number | undefined {
    const parsed = parseDuration(text);
    return parsed.ok ? parsed.value : fail(name, `${parsed.error}`);
  }
  function readRate(name: string, text: string): RateWindow[] | undefined {
    const parsed = parseRate(text);
    return parsed.ok ? parsed.value : fail(name, `${parsed.error}`);
  }
  function readStorage(text: string | undefined, dir: string): RateStorage | undefined {
    if (text === undefined) return { kind: 'file', dir: path.join(dir, 'ratelimit') };
    if (text === 'memory://') return { kind: 'memory' };
    if (text.startsWith('file://') && text.length > 'file://'.length) {
      return { kind: 'file', dir: path.resolve(ctx.appRoot, text.slice('file://'.length)) };
    }
    if (text.startsWith('redis://')) return fail('RATE_LIMIT_STORAGE', 'redis:// is not supported yet; use file://PATH or memory://');
    return fail('RATE_LIMIT_STORAGE', 'must be file://PATH or memory://');
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
