/**
 * Proof of work on sign-in, in the manner of ALTCHA: the server picks a secret `number` below
 * `maxnumber`, publishes `challenge = hex(SHA-256(salt + number))` and `signature =
 * hex(HMAC-SHA-256(key, challenge))`; the client tries numbers from 0 until the hash matches
 * (on average maxnumber / 2 hashes) and sends `{algorithm, challenge, number, salt, signature}`
 * back, base64 of JSON. Verifying costs the server one hash and one HMAC: no state is kept
 * between issuing and verifying.
 *
 * The salt carries the expiry and the difficulty (`<random>?expires=<unix>&max=<maxnumber>`,
 * ALTCHA's own `expires` parameter plus ours): both are bound by the hash, so changing either
 * breaks `challenge`, and an easy challenge fetched earlier cannot satisfy a harder demand.
 * The key is derived from SECRET_KEY (HKDF, its own label), so a challenge signed by another
 * installation (a "foreign" one) fails. That a solution is used only once is the store's part
 * (spendPow): this module says whether it is well made, not whether it was seen before.
 *
 * Pure: node:crypto only, clock and randomness injected.
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const POW_ALGORITHM = 'SHA-256';

export interface Challenge {
  readonly algorithm: typeof POW_ALGORITHM;
  readonly challenge: string;
  readonly salt: string;
  readonly maxnumber: number;
  readonly signature: string;
}

export interface Solution {
  readonly algorithm: string;
  readonly challenge: string;
  readonly number: number;
  readonly salt: string;
  readonly signature: string;
}

/** Why a solution was refused; each is answered `pow_invalid`, the reason goes to the audit log. */
export type PowFailure = 'malformed' | 'algorithm' | 'signature' | 'mismatch' | 'expired' | 'too_easy';

export type PowCheck =
  | { readonly ok: true; readonly challenge: string; readonly expiresAt: number; readonly maxnumber: number }
  | { readonly ok: false; readonly reason: PowFailure };

export interface PowOptions {
  readonly secret: string;
  /** Seconds. */
  readonly now: () => number;
  /** How long a challenge may be solved and used; seconds. */
  readonly ttlSeconds?: number;
  readonly random?: (bytes: number) => Buffer;
}

export const DEFAULT_POW_TTL = 300;
/** Refuse absurd difficulties outright: a solver loops up to maxnumber. */
export const POW_MAX_NUMBER_LIMIT = 100_000_000;

export function powKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'members-dashboard', 'pow-hmac', 32));
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** `0 ≤ n < max`, uniformly, from `random`. */
function secretNumber(max: number, random: (bytes: number) => Buffer): number {
  return random(6).readUIntBE(0, 6) % max;
}

function saltParams(salt: string): { expires: number; max: number } | undefined {
  const q = salt.indexOf('?');
  if (q < 1) return undefined;
  const params = new URLSearchParams(salt.slice(q + 1));
  const expires = Number(params.get('expires'));
  const max = Number(params.get('max'));
  if (!Number.isSafeInteger(expires) || !Number.isSafeInteger(max) || max < 1 || max > POW_MAX_NUMBER_LIMIT) return undefined;
  return { expires, max };
}

export interface Pow {
  issue(maxnumber: number): Challenge;
  /** Checks `encoded` (base64 of the JSON solution); `minimum` is the difficulty asked of this client now. */
  verify(encoded: string, minimum: number): PowCheck;
}

export function createPow(options: PowOptions): Pow {
  const key = powKey(options.secret);
  const ttl = options.ttlSeconds ?? DEFAULT_POW_TTL;
  const random = options.random ?? randomBytes;
  const sign = (challenge: string): string => createHmac('sha256', key).update(challenge).digest('hex');

  return {
    issue(maxnumber) {
      const max = Math.max(1, Math.min(Math.floor(maxnumber), POW_MAX_NUMBER_LIMIT));
      const salt = `${random(12).toString('hex')}?expires=${options.now() + ttl}&max=${max}`;
      const challenge = sha256(salt + String(secretNumber(max, random)));
      return { algorithm: POW_ALGORITHM, challenge, salt, maxnumber: max, signature: sign(challenge) };
    },

    verify(encoded, minimum) {
      const solution = decode(encoded);
      if (solution === undefined) return { ok: false, reason: 'malformed' };
      if (solution.algorithm !== POW_ALGORITHM) return { ok: false, reason: 'algorithm' };
      const params = saltParams(solution.salt);
      if (params === undefined || !/^[0-9a-f]{64}$/.test(solution.challenge) || !/^[0-9a-f]{64}$/.test(solution.signature)) {
        return { ok: false, reason: 'malformed' };
      }
      // The signature first: a forged or foreign challenge costs one HMAC and says nothing more.
      if (!timingSafeEqual(Buffer.from(sign(solution.challenge), 'hex'), Buffer.from(solution.signature, 'hex'))) return { ok: false, reason: 'signature' };
      if (solution.number >= params.max || sha256(solution.salt + String(solution.number)) !== solution.challenge) return { ok: false, reason: 'mismatch' };
      if (params.expires <= options.now()) return { ok: false, reason: 'expired' };
      if (params.max < minimum) return { ok: false, reason: 'too_easy' };
      return { ok: true, challenge: solution.challenge, expiresAt: params.expires, maxnumber: params.max };
    },
  };
}

/** base64 (or base64url) JSON → a solution with the right field types; undefined for anything else. */
function decode(encoded: string): Solution | undefined {
  if (encoded.length === 0 || encoded.length > 2048) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.algorithm !== 'string' || typeof v.challenge !== 'string' || typeof v.salt !== 'string' || typeof v.signature !== 'string') return undefined;
  if (typeof v.number !== 'number' || !Number.isSafeInteger(v.number) || v.number < 0) return undefined;
  if (v.salt.length > 200) return undefined;
  // ALTCHA's payload has no maxnumber; a client that echoes one must echo the truth.
  if (v.maxnumber !== undefined && v.maxnumber !== saltParams(v.salt)?.max) return undefined;
  return { algorithm: v.algorithm, challenge: v.challenge, number: v.number, salt: v.salt, signature: v.signature };
}

/** Finds the number by brute force, as a client does: for the CLI, scripts, tests and the bench. */
export function solveChallenge(challenge: Pick<Challenge, 'algorithm' | 'challenge' | 'salt' | 'maxnumber' | 'signature'>): Solution | undefined {
  for (let n = 0; n <= challenge.maxnumber; n += 1) {
    if (sha256(challenge.salt + String(n)) === challenge.challenge) {
      return { algorithm: challenge.algorithm, challenge: challenge.challenge, number: n, salt: challenge.salt, signature: challenge.signature };
    }
  }
  return undefined;
}

/** The login's `pow` field for a solution. */
export function encodeSolution(solution: Solution): string {
  return Buffer.from(JSON.stringify(solution)).toString('base64');
}
