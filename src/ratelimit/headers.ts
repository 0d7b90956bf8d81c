/**
 * Rate-limit response headers: the IETF draft's `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers: `"login";q=5;w=60` and `"login";r=2;t=41`), and the
 * older `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds, as Flask-Limiter sent them).
 */
import type { Decision, Rule } from './store.ts';

const UNIT_NAMES: Readonly<Record<number, string>> = { 1: 'second', 60: 'minute', 3600: 'hour', 86_400: 'day' };

/** The first (shortest) window carries the rule's name; the others add their length, e.g. `login-day`. */
function policyNames(rule: Rule): string[] {
  return rule.windows.map((w, i) => (i === 0 ? rule.name : `${rule.name}-${UNIT_NAMES[w.windowSeconds] ?? `${w.windowSeconds}s`}`));
}

/** What a rule's headers always say, made once per rule: every limited response carries them. */
interface Described {
  readonly quoted: readonly string[];
  readonly policy: string;
}
const described = new WeakMap<Rule, Described>();

function describe(rule: Rule): Described {
  let known = described.get(rule);
  if (known === undefined) {
    const quoted = policyNames(rule).map((name) => `"${name}"`);
    const policy = rule.windows.map((w, i) => `${quoted[i]};q=${w.limit};w=${w.windowSeconds}`).join(', ');
    known = { quoted, policy };
    described.set(rule, known);
  }
  return known;
}

/** The headers for `decision`, names and values alternating: `[name, value, name, value, …]`. */
export function rateLimitHeaders(rule: Rule, decision: Decision, now: number): string[] {
  const { quoted, policy } = describe(rule);
  const windows = decision.windows;
  let current = '';
  for (let i = 0; i < windows.length; i += 1) {
    const w = windows[i]!;
    current += `${i === 0 ? '' : ', '}${quoted[i]!};r=${w.remaining};t=${Math.max(0, Math.ceil((w.resetAt - now) / 1000))}`;
  }
  const tightest =
    windows.find((w) => w.resetAt === decision.resetAt && (decision.allowed ? w.remaining === decision.remaining : !w.allowed)) ?? windows[0]!;
  const headers = [
    'RateLimit-Policy',
    policy,
    'RateLimit',
    current,
    'X-RateLimit-Limit',
    String(tightest.limit),
    'X-RateLimit-Remaining',
    String(decision.remaining),
    'X-RateLimit-Reset',
    String(Math.ceil(decision.resetAt / 1000)),
  ];
  if (!decision.allowed) headers.push('Retry-After', String(decision.retryAfter));
  return headers;
}
