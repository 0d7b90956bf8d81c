/**
 * Applying rules to requests: the client-address key (IPv6 grouped by /64, since one
 * subscriber usually holds a whole /64), the store's decision, the headers, and what to do
 * when the store itself fails: RATE_LIMIT_FAIL=open serves the request and warns once a
 * minute; `closed` answers 503.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { isIPv6 } from 'node:net';
import { AppError } from '../http/errors.ts';
import { FramedResponse } from '../http/framed-response.ts';
import type { Logger } from '../log/index.ts';
import { rateLimitHeaders } from './headers.ts';
import type { Decision, RateLimitStore, Rule } from './store.ts';

export interface LimiterDeps {
  readonly store: RateLimitStore;
  readonly failMode: 'open' | 'closed';
  readonly logger: Logger;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

export interface Limiter {
  /** Counts one request; sets the headers; throws `rate_limited` (429) when refused. */
  check(c: Context, rule: Rule, key: string): Promise<Decision | undefined>;
  /**
   * Counts one request without answering for it: no headers, no 429 (the caller decides what a
   * refusal means, e.g. proof of work). Undefined when the store failed.
   */
  count(rule: Rule, key: string): Promise<Decision | undefined>;
  /** Middleware limiting every request by `key(c)` (exempt paths are routed around it: src/app.ts). */
  middleware(rule: Rule, key: (c: Context) => string): MiddlewareHandler;
}

/** The address a limit is keyed by: IPv4 as is, IPv6 by its /64 network. */
export function addressKey(address: string): string {
  if (!address.includes(':') || !isIPv6(address)) return address;
  // An embedded IPv4 tail (`::5:1.2.3.4`) fills two groups: count it as two.
  const [head, tail] = address.replace(/:(\d+)\.(\d+)\.(\d+)\.(\d+)$/, ':0:0').split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

const WARN_EVERY_MS = 60_000;

export function createLimiter(deps: LimiterDeps): Limiter {
  const now = deps.now ?? Date.now;
  let warnedAt = -Infinity;

  /** The store failed: warn (at most once a minute), then serve (open) or refuse with 503 (closed). */
  function storageFailed(error: unknown, at: number): undefined {
    if (at - warnedAt >= WARN_EVERY_MS) {
      warnedAt = at;
      deps.logger.warn(`rate limiting is ${deps.failMode === 'open' ? 'OFF (failing open)' : 'refusing requests (failing closed)'}: its storage failed`, {
        error: error instanceof Error ? error.message : 'unknown',
      });
    }
    // No `cause`: the error page would log it on every request, and the warning above is
    // already rate-limited (a broken disk must not also flood the error log).
    if (deps.failMode === 'closed') throw new AppError('unavailable', { headers: { 'Retry-After': '30' } });
    return undefined;
  }

  /** Sets the decision's headers on the response to come; throws `rate_limited` when refused. */
  function apply(c: Context, rule: Rule, decision: Decision, at: number): Decision {
    const headers = rateLimitHeaders(rule, decision, at);
    if (!decision.allowed) {
      const fields: Record<string, string> = {};
      for (let i = 0; i < headers.length; i += 2) fields[headers[i]!] = headers[i + 1]!;
      throw new AppError('rate_limited', { headers: fields, details: { retryAfter: decision.retryAfter } });
    }
    // Onto Node's response when the server has one that takes them (see http/framed-response.ts).
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
    const framed = outgoing instanceof FramedResponse ? outgoing : undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      // Two rules on one request (the default, then the route's): the draft's fields are lists,
      // so both policies are listed; the X-RateLimit-* trio describes the last, stricter rule.
      const list = name === 'RateLimit' || name === 'RateLimit-Policy';
      if (framed !== undefined) framed.addHeader(name, headers[i + 1]!, list);
      else c.header(name, headers[i + 1]!, { append: list });
    }
    return decision;
  }

  // Promise chains rather than async functions: every request on every limited route passes
  // here, and each await is another turn of the microtask queue.
  function check(c: Context, rule: Rule, key: string): Promise<Decision | undefined> {
    const at = now();
    let consumed: Promise<Decision>;
    try {
      consumed = deps.store.consume(key, rule, at);
    } catch (error) {
      consumed = Promise.reject(error);
    }
    return consumed.then(
      (decision) => apply(c, rule, decision, at),
      (error: unknown) => storageFailed(error, at),
    );
  }

  return {
    check,
    count(rule, key) {
      try {
        return deps.store.consume(key, rule, now()).catch(() => undefined);
      } catch {
        return Promise.resolve(undefined);
      }
    },
    middleware(rule, key) {
      return function rateLimited(c, next) {
        return check(c, rule, key(c)).then(() => next());
      };
    },
  };
}
