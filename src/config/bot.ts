/**
 * The anti-bot and anti-scraping settings (src/bot/, README "Keeping robots out"): proof of
 * work's difficulty, the forms' honeypot and minimum time, the User-Agent signal and the data
 * API's caps and budgets. Every one can be switched off.
 */
import { parseRate, type RateWindow } from './rate.ts';

/** Tools whose default User-Agent a person's browser never sends (BOT_UA_PATTERN's default). */
export const DEFAULT_UA_PATTERN =
  '^(curl|wget|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|java/|okhttp|libwww-perl|lwp::|scrapy|httpclient|apache-httpclient|php|ruby|axios|node-fetch|colly|masscan|zgrab|nikto|sqlmap)';

export interface BotConfig {
  /** maxnumber when proof of work is asked (BOT_POW_DIFFICULTY). */
  readonly botPowDifficulty: number;
  /** The most adaptive ever asks (BOT_POW_MAX_DIFFICULTY). */
  readonly botPowMaxDifficulty: number;
  readonly botHoneypot: boolean;
  /** A sign-in form sent sooner than this after it was rendered is a robot's (BOT_FORM_MIN_MS). */
  readonly botFormMinMs: number;
  /** null: the User-Agent signal is off. Case-insensitive. */
  readonly botUaPattern: string | null;
  /** Per signed-in user; null when off. */
  readonly dataApiRequests: readonly RateWindow[] | null;
  /** Table rows per signed-in user; null when off. */
  readonly dataApiRows: readonly RateWindow[] | null;
  readonly dataApiMaxPageSize: number;
  readonly dataApiMaxDays: number;
  readonly dataApiSameOrigin: boolean;
}

type Get = (name: string) => string | undefined;
type Fail = (variable: string, message: string) => undefined;

function whole(get: Get, fail: Fail, name: string, fallback: number, min: number, max: number): number {
  const text = get(name);
  if (text === undefined) return fallback;
  const n = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) return fail(name, `must be a whole number from ${min} to ${max}`) ?? fallback;
  return n;
}

function onOff(get: Get, fail: Fail, name: string, fallback: boolean): boolean {
  const text = get(name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (text === 'on' || text === 'true' || text === '1') return true;
  if (text === 'off' || text === 'false' || text === '0') return false;
  return fail(name, 'must be on or off') ?? fallback;
}

function budget(get: Get, fail: Fail, name: string, fallback: string): RateWindow[] | null {
  const text = get(name) ?? fallback;
  if (text.toLowerCase() === 'off') return null;
  const parsed = parseRate(text);
  return parsed.ok ? parsed.value : (fail(name, `${parsed.error} (or off)`) ?? null);
}

export function readBotConfig(get: Get, fail: Fail): BotConfig {
  const botPowDifficulty = whole(get, fail, 'BOT_POW_DIFFICULTY', 20_000, 100, 10_000_000);
  const botPowMaxDifficulty = whole(get, fail, 'BOT_POW_MAX_DIFFICULTY', Math.max(250_000, botPowDifficulty), 100, 100_000_000);
  if (botPowMaxDifficulty < botPowDifficulty) fail('BOT_POW_MAX_DIFFICULTY', 'must be at least BOT_POW_DIFFICULTY');
  let botUaPattern: string | null = get('BOT_UA_PATTERN') ?? DEFAULT_UA_PATTERN;
  if (botUaPattern.toLowerCase() === 'off') botUaPattern = null;
  else {
    try {
      new RegExp(botUaPattern, 'i');
    } catch {
      fail('BOT_UA_PATTERN', 'must be a regular expression (matched against the User-Agent, case-insensitively) or off');
      botUaPattern = null;
    }
  }
  return {
    botPowDifficulty,
    botPowMaxDifficulty,
    botHoneypot: onOff(get, fail, 'BOT_HONEYPOT', true),
    botFormMinMs: whole(get, fail, 'BOT_FORM_MIN_MS', 1000, 0, 60_000),
    botUaPattern,
    dataApiRequests: budget(get, fail, 'DATA_API_REQUESTS', '600/hour;4000/day'),
    dataApiRows: budget(get, fail, 'DATA_API_ROWS', '20000/hour;100000/day'),
    dataApiMaxPageSize: whole(get, fail, 'DATA_API_MAX_PAGE_SIZE', 200, 1, 200),
    dataApiMaxDays: whole(get, fail, 'DATA_API_MAX_DAYS', 3660, 1, 3660),
    dataApiSameOrigin: onOff(get, fail, 'DATA_API_SAME_ORIGIN', true),
  };
}
