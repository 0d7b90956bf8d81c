/**
 * Durations as operators write them: `90s`, `15m`, `12h`, `14d`, `2w`.
 * A bare number is refused on purpose: "900" could mean seconds or milliseconds,
 * and guessing wrong turns a 15-minute token into a 15-day one.
 */
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseDuration(text: string): ParseResult<number> {
  const trimmed = text.trim();
  const match = /^(\d{1,9})\s*([a-z]*)$/i.exec(trimmed);
  if (!match) return { ok: false, error: 'expected a whole number followed by a unit, e.g. 15m, 12h or 14d' };
  const amount = Number(match[1]);
  const unit = (match[2] ?? '').toLowerCase();
  if (unit === '') return { ok: false, error: 'needs a unit (s, m, h, d or w), e.g. 15m' };
  const factor = UNIT_SECONDS[unit];
  if (factor === undefined) return { ok: false, error: `unknown unit "${unit}": use s, m, h, d or w` };
  if (amount === 0) return { ok: false, error: 'must be longer than zero' };
  return { ok: true, value: amount * factor };
}
