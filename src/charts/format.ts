/**
 * How figures and dates are spelled, shared by the dashboard page, the charts and the PDF report.
 * Deliberately not the viewer's locale (Intl): a report printed twice from the same data must be
 * the same file, and a figure on the page must read exactly as it does in the PDF.
 * Pure: no DOM, no Node built-ins, so the browser bundle can import it.
 */
import type { Bucket } from '../figures/types.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const DAY_MS = 86_400_000;

/**
 * `1234567.891` → `1,234,567.89`; zeros at the end of the fraction are dropped down to
 * `minFractionDigits` (a table column passes its widest, so its decimal points line up).
 */
export function formatNumber(value: number, maxFractionDigits = 2, minFractionDigits = 0): string {
  if (!Number.isFinite(value)) return '–';
  const fixed = Math.abs(value).toFixed(maxFractionDigits);
  const [whole = '0', fraction = ''] = fixed.split('.');
  let trimmed = fraction.replace(/0+$/, '');
  if (trimmed.length < minFractionDigits) trimmed = fraction.slice(0, minFractionDigits);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const negative = value < 0 && /[1-9]/.test(fixed);
  return `${negative ? '-' : ''}${grouped}${trimmed ? `.${trimmed}` : ''}`;
}

const SCALES = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** Axis-label spelling: `950`, `1.2k`, `3.4M`; `maxFractionDigits` applies to the scaled figure. */
export function formatCompact(value: number, maxFractionDigits = 1): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  for (let i = 0; i < SCALES.length; i += 1) {
    const [size, suffix] = SCALES[i]!;
    if (abs < size) continue;
    const scaled = formatNumber(value / size, maxFractionDigits);
    // 999,960 rounds to "1,000k": say "1M" instead.
    if (i > 0 && Math.abs(Number(scaled.replace(/,/g, ''))) >= 1000) {
      const [bigger, biggerSuffix] = SCALES[i - 1]!;
      return `${formatNumber(value / bigger, maxFractionDigits)}${biggerSuffix}`;
    }
    return `${scaled}${suffix}`;
  }
  const small = formatNumber(value, Math.max(maxFractionDigits, 2));
  if (small === '1,000') return `${value < 0 ? '-' : ''}1k`;
  return small;
}

/** A change ratio as `+12.3%` / `-4%`; null (no previous figure to compare with) as `–`. */
export function formatChange(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '–';
  const text = formatNumber(ratio * 100, 1);
  return `${ratio > 0 && text !== '0' ? '+' : ''}${text}%`;
}

/** `2026-11-27 14:03 UTC`: the report's timestamp, never in the server's zone. */
export function formatDateTimeUtc(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Days since 1970-01-01 of an ISO calendar day (`2026-03-31`); NaN when it is not one. */
export function dayNumber(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return Number.NaN;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

/** ISO 8601 week of a day: `2026-03-03` → `2026-W10` (the week-year may differ from the year). */
export function isoWeek(date: string): string {
  const day = dayNumber(date);
  if (Number.isNaN(day)) return date;
  const weekday = (new Date(day * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date((day - weekday + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The short label of a bucket starting on `date`: `Mar 3`, a week by its first day (`Mar 2`,
 * the Monday: people read dates, not ISO week numbers), `Mar 2026`. In English, the page's
 * language (`<html lang="en">`), so the page and the PDF print the same words.
 */
export function bucketLabel(date: string, bucket: Bucket): string {
  const month = MONTHS[Number(date.slice(5, 7)) - 1];
  if (month === undefined) return date;
  if (bucket === 'month') return `${month} ${date.slice(0, 4)}`;
  return `${month} ${Number(date.slice(8, 10))}`;
}

/** The unambiguous name of a bucket for tooltips and text alternatives: `Mar 3, 2026`, `Week of Mar 2, 2026`, `Mar 2026`. */
export function bucketTitle(date: string, bucket: Bucket): string {
  if (bucket === 'month') return bucketLabel(date, 'month');
  const day = `${bucketLabel(date, 'day')}, ${date.slice(0, 4)}`;
  return bucket === 'week' ? `Week of ${day}` : day;
}

/** How many decimals (up to `max`) the most precise of `values` needs. */
export function fractionDigits(values: Iterable<number>, max = 2): number {
  let digits = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const fraction = Math.abs(value).toFixed(max).split('.')[1]?.replace(/0+$/, '') ?? '';
    if (fraction.length > digits) digits = fraction.length;
    if (digits === max) break;
  }
  return digits;
}

/** `1,234` or `1,234 EUR`. */
export function withUnit(text: string, unit: string | undefined): string {
  return unit ? `${text} ${unit}` : text;
}

/**
 * Cuts `text` to fit `maxWidth` with a trailing `…`, by measured width (a CJK character is about
 * twice as wide as a Latin one, so counting characters would be wrong both ways).
 */
export function fitText(text: string, maxWidth: number, measure: (text: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  const chars = Array.from(text);
  const cut = (n: number) => `${chars.slice(0, n).join('').trimEnd()}…`;
  let low = 0;
  let high = chars.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (measure(cut(mid)) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  if (low > 0) return cut(low);
  return measure('…') <= maxWidth ? '…' : '';
}

/** Wide (East Asian) characters: Hangul, CJK, kana, full-width forms, emoji. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    cp >= 0x1f300
  );
}

/**
 * A font-free estimate of a text's width in a sans-serif face, on the generous side: the chart
 * geometry is computed where no font is at hand (the browser bundle), and a label that is
 * estimated too wide is only cut a little early.
 */
export function approxTextWidth(text: string, size: number): number {
  let em = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isWide(cp)) em += 1;
    else if (' .,:;\'|!iljtf()[]'.includes(ch)) em += 0.3;
    else if ((cp >= 0x41 && cp <= 0x5a) || ch === 'm' || ch === 'w' || ch === '—') em += 0.72;
    else em += 0.58;
  }
  return em * size;
}
