/**
 * Calendar days as ISO strings (`2026-03-31`). Figures are daily, so arithmetic is done on UTC
 * midnights: no time zone or daylight-saving change can shift a day.
 */
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar day in YYYY-MM-DD form (no 2025-02-30, no 2025-2-3). */
export function isIsoDate(text: string): boolean {
  const match = ISO_DAY.exec(text);
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function toMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function fromMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromMs(toMs(date) + days * DAY_MS);
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((toMs(b) - toMs(a)) / DAY_MS);
}

/** The same day `years` later; 29 February becomes 1 March in a common year. */
export function addYears(date: string, years: number): string {
  const d = new Date(toMs(date));
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return fromMs(d.getTime());
}

/** 0 Monday … 6 Sunday (ISO 8601). */
export function isoWeekday(date: string): number {
  return (new Date(toMs(date)).getUTCDay() + 6) % 7;
}

/** The Monday of the ISO week holding `date`. */
export function startOfWeek(date: string): string {
  return addDays(date, -isoWeekday(date));
}

export function startOfMonth(date: string): string {
  return `${date.slice(0, 8)}01`;
}

export function addMonths(date: string, months: number): string {
  const d = new Date(toMs(startOfMonth(date)));
  d.setUTCMonth(d.getUTCMonth() + months);
  return fromMs(d.getTime());
}

/** The calendar day of a moment in UTC, e.g. for "today". */
export function isoDay(ms: number): string {
  return fromMs(ms);
}
