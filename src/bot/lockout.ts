/**
 * Login lockout, apart from request rate limits: consecutive failures back off exponentially
 * (1 s after the threshold, doubling, capped at 15 minutes: never a permanent lock), counted
 * per username-and-address pair, and per username with a much higher threshold — so an
 * attacker elsewhere cannot lock a real user out from their own address, yet a spread-out
 * guessing campaign against one account still slows down. A browser that signed in as that
 * user before (a device cookie, auth/device.ts) is counted per device instead of per username,
 * so even a campaign past the per-username threshold cannot lock the real user out. A success
 * clears both counts.
 * Usernames are keyed case-folded whether or not they exist: the answer is the same for both.
 */
import { addressKey } from '../ratelimit/limiter.ts';
import { usernameKey } from '../store/index.ts';

export interface LockoutPolicy {
  readonly pairThreshold: number;
  readonly userThreshold: number;
  /** Seconds. */
  readonly capSeconds: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { pairThreshold: 5, userThreshold: 50, capSeconds: 900 };

export interface LockoutKeys {
  readonly pair: string;
  /** Per username; per device instead for a browser holding that username's device cookie. */
  readonly user: string;
  /** The device's key counts with the strict per-pair threshold (a stolen cookie gets few tries). */
  readonly device: boolean;
  /**
   * Per address (IPv6 by /64): counted with every failure but never a lockout, and not cleared by
   * a success (an attacker's own account must not wash it): proof of work asks for it (pow-policy.ts).
   */
  readonly address: string;
}

export function lockoutKeys(username: string, address: string, device?: string): LockoutKeys {
  const user = usernameKey(username);
  return {
    pair: `pair:${user}|${address}`,
    user: device === undefined ? `user:${user}` : `device:${device}`,
    device: device !== undefined,
    address: `ip:${addressKey(address)}`,
  };
}

/** Seconds the next attempt must wait after `failures` consecutive failures (0: none). */
export function backoffSeconds(failures: number, threshold: number, capSeconds: number): number {
  if (failures < threshold) return 0;
  return Math.min(2 ** (failures - threshold), capSeconds);
}

/** Seconds left before another attempt is allowed, given the counts and the time now (seconds). */
export function waitSeconds(
  counts: ReadonlyMap<string, { failures: number; lastFailureAt: number }>,
  keys: { readonly pair: string; readonly user: string; readonly device?: boolean },
  now: number,
  policy: LockoutPolicy = DEFAULT_LOCKOUT,
): number {
  const wait = (key: string, threshold: number): number => {
    const count = counts.get(key);
    if (count === undefined) return 0;
    return Math.max(0, count.lastFailureAt + backoffSeconds(count.failures, threshold, policy.capSeconds) - now);
  };
  return Math.max(wait(keys.pair, policy.pairThreshold), wait(keys.user, keys.device === true ? policy.pairThreshold : policy.userThreshold));
}
