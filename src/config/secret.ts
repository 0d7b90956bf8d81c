/**
 * Whether a secret that is long enough is still obviously guessable: 44 times `a` passes a
 * length check and signs every session with a key an attacker can type. Not a strength meter:
 * it refuses only what no random generator produces. Counted from a string's own letter
 * frequencies, 32 random hex or base64url characters show 110 bits or more (none of 300,000
 * generated keys fell below 80); `openssl rand -hex 32` shows about 250.
 */

/** Every secret (SECRET_KEY, SECRET_KEY_PREVIOUS, WP_SSO_SECRET) is at least this long: 256 bits. */
export const MIN_SECRET_BYTES = 32;

export const WEAK =
  'is long enough but far from random (one character repeated, a short pattern, or too few distinct characters): make one with: openssl rand -hex 32';

/** Bits of entropy a secret must show, counted per character from its own letter frequencies. */
const MIN_BITS = 80;
const MIN_DISTINCT = 8;

export function weakSecret(secret: string): boolean {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (counts.size < MIN_DISTINCT) return true;
  let bitsPerChar = 0;
  for (const n of counts.values()) bitsPerChar -= (n / chars.length) * Math.log2(n / chars.length);
  if (bitsPerChar * chars.length < MIN_BITS) return true;
  // A short unit repeated (`0123456789` four times) has many letters and no more secrets than the unit.
  for (let period = 1; period <= chars.length / 2; period += 1) {
    if (chars.every((c, i) => i < period || c === chars[i - period])) return true;
  }
  return false;
}
