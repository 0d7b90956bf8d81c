// A scripted client's proof of work (README "Signing in from scripts"), for the bench's
// sign-ins: fetch GET /api/auth/challenge, find the number with node:crypto, send `pow`.
import { createHash } from 'node:crypto';

/** The login's `pow` field for a challenge ({algorithm, challenge, salt, maxnumber, signature}). */
export function solve(challenge) {
  for (let n = 0; n <= challenge.maxnumber; n += 1) {
    if (createHash('sha256').update(challenge.salt + n).digest('hex') === challenge.challenge) {
      const { algorithm, salt, signature } = challenge;
      return Buffer.from(JSON.stringify({ algorithm, challenge: challenge.challenge, number: n, salt, signature })).toString('base64');
    }
  }
  throw new Error('the challenge has no solution');
}

/** A solved `pow` for signing in to `baseUrl` (no trailing slash) as `username`. */
export async function powFor(baseUrl, username) {
  const res = await fetch(`${baseUrl}/api/auth/challenge?username=${encodeURIComponent(username)}`);
  if (res.status !== 200) throw new Error(`GET /api/auth/challenge answered ${res.status}`);
  return solve(await res.json());
}
