/**
 * Rate-limit policies in Flask-Limiter's notation (the old app's settings keep working):
 * `5/minute`, `100 per hour`, `5/minute;50/day`, `10 per 2 hours`. Every window must pass.
 */
import type { ParseResult } from './duration.ts';

export interface RateWindow {
  /** Requests allowed in one window. */
  readonly limit: number;
  /** Window length in seconds. */
  readonly windowSeconds: number;
  /** As written, normalised (`5/60s`), for headers and logs. */
  readonly text: string;
}

const GRANULARITY_SECONDS: Readonly<Record<string, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  month: 2_592_000, // 30 days, as the `limits` library that Flask-Limiter uses counts a month
  year: 31_536_000,
};

const ONE = /^(\d{1,9})\s*(?:\/|\s+per\s+)\s*(\d{1,6})?\s*([a-z]+?)s?$/i;

export function parseRate(text: string): ParseResult<RateWindow[]> {
  const parts = text.split(/[;,]/).map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, error: 'is empty; expected e.g. 5/minute or 5/minute;50/day' };
  const windows: RateWindow[] = [];
  for (const part of parts) {
    const match = ONE.exec(part);
    if (!match) return { ok: false, error: `cannot read "${part}"; expected COUNT/UNIT or COUNT per [N] UNIT, e.g. 5/minute or 100 per hour` };
    const limit = Number(match[1]);
    const multiplier = match[2] === undefined ? 1 : Number(match[2]);
    const unit = (match[3] ?? '').toLowerCase();
    const seconds = GRANULARITY_SECONDS[unit];
    if (seconds === undefined) return { ok: false, error: `unknown unit "${unit}" in "${part}": use second, minute, hour, day, month or year` };
    if (limit < 1) return { ok: false, error: `"${part}" allows nothing; the count must be at least 1` };
    if (multiplier < 1) return { ok: false, error: `"${part}" has an empty window` };
    windows.push({ limit, windowSeconds: seconds * multiplier, text: `${limit}/${seconds * multiplier}s` });
  }
  windows.sort((a, b) => a.windowSeconds - b.windowSeconds);
  for (let i = 1; i < windows.length; i += 1) {
    if (windows[i]!.windowSeconds === windows[i - 1]!.windowSeconds) {
      return { ok: false, error: 'names the same window twice' };
    }
  }
  return { ok: true, value: windows };
}
