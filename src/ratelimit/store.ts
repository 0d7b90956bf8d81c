/**
 * The rate-limit store contract: ONE atomic operation. A separate "get the count" and "set
 * the count" would let concurrent requests all read the same count and all be admitted (how
 * limits leak under load); `consume` decides and records in one step.
 *
 * Windows are fixed and aligned to the epoch (as Flask-Limiter's default strategy): a
 * `5/minute` window resets at every whole minute, so every process agrees on when it resets.
 */
import type { RateWindow } from '../config/index.ts';

export interface Rule {
  /** Policy name, shown in the RateLimit headers (`"login"`). */
  readonly name: string;
  /** Every window must admit the request. */
  readonly windows: readonly RateWindow[];
}

export interface WindowState {
  readonly limit: number;
  readonly windowSeconds: number;
  /** Requests left in this window after this one (0 when refused). */
  readonly remaining: number;
  /** Epoch milliseconds at which this window resets. */
  readonly resetAt: number;
  readonly allowed: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  /** Of the most constraining window. */
  readonly remaining: number;
  readonly resetAt: number;
  /** Whole seconds to wait before a retry can succeed; 0 when allowed. */
  readonly retryAfter: number;
  readonly windows: readonly WindowState[];
}

export interface RateLimitStore {
  /** Counts one request for `key` under `rule` at `now` (epoch ms) and says whether it is admitted. */
  consume(key: string, rule: Rule, now: number): Promise<Decision>;
  close(): void;
}

export function windowIndex(now: number, windowSeconds: number): number {
  return Math.floor(now / (windowSeconds * 1000));
}

export function windowReset(index: number, windowSeconds: number): number {
  return (index + 1) * windowSeconds * 1000;
}

/** Combines per-window outcomes: refused if any window refuses; the figures of the tightest one. */
export function decide(windows: readonly WindowState[], now: number): Decision {
  let allowed = true;
  for (const w of windows) if (!w.allowed) allowed = false;
  // Admitted: the window with the fewest left (the later reset on a tie). Refused: of the
  // refusing windows, the one that resets last, when a retry can pass them all. The first
  // wins a full tie.
  let tightest = windows[0]!;
  let found = false;
  for (const w of windows) {
    if (allowed) {
      if (!found || w.remaining < tightest.remaining || (w.remaining === tightest.remaining && w.resetAt > tightest.resetAt)) tightest = w;
      found = true;
    } else if (!w.allowed) {
      if (!found || w.resetAt > tightest.resetAt) tightest = w;
      found = true;
    }
  }
  return {
    allowed,
    remaining: allowed ? tightest.remaining : 0,
    resetAt: tightest.resetAt,
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil((tightest.resetAt - now) / 1000)),
    windows,
  };
}
