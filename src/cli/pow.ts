/**
 * `node dist/cli.cjs pow`: solves a sign-in proof-of-work challenge for a script (README "Signing
 * in from scripts"): the JSON of GET /api/auth/challenge on standard input, the login's `pow`
 * field on standard output.
 *
 *   curl -s https://example.org/dashboard/api/auth/challenge?username=ana | node dist/cli.cjs pow
 */
import { encodeSolution, solveChallenge, POW_ALGORITHM, POW_MAX_NUMBER_LIMIT } from '../bot/pow.ts';

export const POW_USAGE = `usage: node dist/cli.cjs pow < challenge.json
  Reads the JSON of GET /api/auth/challenge on standard input and prints the
  sign-in's "pow" field (base64) on standard output.`;

export function powCommand(input: string): { code: number; out: string; err: string } {
  let challenge: unknown;
  try {
    challenge = JSON.parse(input);
  } catch {
    return { code: 2, out: '', err: `error: standard input is not JSON\n\n${POW_USAGE}\n` };
  }
  const c = challenge as Record<string, unknown> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    c.algorithm !== POW_ALGORITHM ||
    typeof c.challenge !== 'string' ||
    typeof c.salt !== 'string' ||
    typeof c.signature !== 'string' ||
    typeof c.maxnumber !== 'number' ||
    !Number.isSafeInteger(c.maxnumber) ||
    c.maxnumber < 1 ||
    c.maxnumber > POW_MAX_NUMBER_LIMIT
  ) {
    return { code: 2, out: '', err: `error: that is not a challenge ({algorithm: "SHA-256", challenge, salt, maxnumber, signature})\n\n${POW_USAGE}\n` };
  }
  const solution = solveChallenge({ algorithm: POW_ALGORITHM, challenge: c.challenge, salt: c.salt, maxnumber: c.maxnumber, signature: c.signature });
  if (solution === undefined) return { code: 1, out: '', err: 'error: no number up to maxnumber solves this challenge\n' };
  return { code: 0, out: `${encodeSolution(solution)}\n`, err: '' };
}
