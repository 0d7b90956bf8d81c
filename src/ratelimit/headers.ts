/**
 * Rate-limit response headers: the IETF draft's `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers: `"login";q=5;w=60` and `"login";r=2;t=41`), and the
 * older `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds, as Flask-Limiter sent them).
 */
import type { Decision, Rule } from './store.ts';

const UNIT_NAMES: Readonly<Record<number, string>> = { 1: 'second', 60: 'minute', 3600: 'hour', 86_400: 'day' };

/** The first (shortest) window carries the rule's name; the others add their length, e.g. `login-day`. */
export function policyNames(rule: Rule): string[] {
  return rule.windows.map((w, i) => (i === 0 ? rule.name : `${rule.name}-${UNIT_NAMES[w.windowSeconds] ?? `${w.windowSeconds}s`}`));
}

export function rateLimitHeaders(rule: Rule, decision: Decision, now: number): Record<string, string> {
  const names = policyNames(rule);
  const policy = rule.windows.map((w, i) => `"${names[i]}";q=${w.limit};w=${w.windowSeconds}`).join(', ');
  const current = decision.windows
    .map((w, i) => `"${names[i]}";r=${w.remaining};t=${Math.max(0, Math.ceil((w.resetAt - now) / 1000))}`)
    .join(', ');
  // The window decide() chose: windows can share a reset (a minute and an hour end together),
  // so match the remaining count too, or Limit and Remaining would describe different windows.
  const tightest =
    decision.windows.find((w) => w.resetAt === decision.resetAt && (decision.allowed ? w.remaining === decision.remaining : !w.allowed)) ??
    decision.windows[0]!;
  const headers: Record<string, string> = {
    'RateLimit-Policy': policy,
    RateLimit: current,
    'X-RateLimit-Limit': String(tightest.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(Math.ceil(decision.resetAt / 1000)),
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.retryAfter);
  return headers;
}
