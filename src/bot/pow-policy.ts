/**
 * When sign-in asks for proof of work, and how hard (BOT_POW):
 * - `off`: never.
 * - `always`: every sign-in, at the base difficulty (more for a suspicious client, as adaptive).
 * - `adaptive` (the default): only a client that gave cause — an address or username with
 *   failed sign-ins in the last POW_RECENT_SECONDS, an address spending its sign-in allowance
 *   fast, or a User-Agent that names a scripting tool (a weak signal: it only asks for the work,
 *   it never refuses). The difficulty doubles with each recent failure (and for such a
 *   User-Agent), up to the maximum, so a
 *   person who mistyped once waits a blink and a guessing script pays more with every guess.
 * Pure: the caller reads the counts.
 */
import type { FailureCount } from '../store/index.ts';

export type PowMode = 'off' | 'adaptive' | 'always';

export interface PowPolicy {
  readonly mode: PowMode;
  /** maxnumber when work is asked without further cause. */
  readonly base: number;
  /** The most ever asked. */
  readonly max: number;
}

/** Failures older than this no longer ask for work (the lockout counts them apart). */
export const POW_RECENT_SECONDS = 15 * 60;

export interface PowSignals {
  /** Recent failure counts under the address, pair and username keys (bot/lockout.ts). */
  readonly failures: ReadonlyMap<string, FailureCount>;
  /** Sign-ins this address may still make in its tightest window, of `limit`; undefined without limits. */
  readonly rate?: { readonly remaining: number; readonly limit: number };
  readonly suspiciousAgent?: boolean;
  /** Seconds. */
  readonly now: number;
}

/** The maxnumber a sign-in must prove now, or 0 when none is asked. */
export function powRequired(policy: PowPolicy, signals: PowSignals): number {
  if (policy.mode === 'off') return 0;
  let failures = 0;
  for (const count of signals.failures.values()) {
    if (signals.now - count.lastFailureAt < POW_RECENT_SECONDS) failures = Math.max(failures, count.failures);
  }
  // Half the address's allowance gone in one window is not how a person signs in.
  const fast = signals.rate !== undefined && signals.rate.remaining < signals.rate.limit / 2;
  const cause = failures > 0 || fast || signals.suspiciousAgent === true;
  if (policy.mode === 'adaptive' && !cause) return 0;
  // A fast address is a cause, not a step: the challenge route cannot see the rate (it would
  // have to count itself), and the challenge it hands out must be hard enough.
  const steps = Math.max(failures - 1, 0) + (signals.suspiciousAgent === true ? 1 : 0);
  return Math.min(policy.base * 2 ** Math.min(steps, 30), policy.max);
}
