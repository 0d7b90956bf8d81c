/**
 * CSRF defences for every state-changing request:
 * 1. Cross-site requests are refused by `Sec-Fetch-Site` or `Origin`. Behind Passenger the
 *    request URL says http:// even on an HTTPS site, so Origin is compared by host with the
 *    Host header, never by the URL's scheme.
 * 2. Signed double submit: `X-CSRF-Token` (or a `csrf_token` form field) must equal the value
 *    bound into the session's signed token. SameSite=Strict alone is not enough: it does not
 *    stop same-site attackers (a compromised WordPress plugin on the same domain).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { AppError } from '../http/errors.ts';

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function assertSameOrigin(c: Context): void {
  const site = c.req.header('Sec-Fetch-Site');
  if (site !== undefined) {
    if (site === 'same-origin') return;
    throw new AppError('csrf_mismatch', { message: 'Cross-site requests are not accepted.' });
  }
  const origin = c.req.header('Origin');
  // No Origin and no Sec-Fetch-Site: not a browser (browsers send Origin on every cross-site POST).
  if (origin === undefined) return;
  const host = c.req.header('Host');
  let originHost: string | undefined;
  try {
    originHost = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (originHost === undefined || host === undefined || originHost.toLowerCase() !== host.toLowerCase()) {
    throw new AppError('csrf_mismatch', { message: 'Cross-site requests are not accepted.' });
  }
}

/** The CSRF value the client sent: header first, then a urlencoded or multipart form field. */
export async function presentedCsrf(c: Context): Promise<string | undefined> {
  const header = c.req.header('X-CSRF-Token');
  if (header !== undefined && header !== '') return header;
  const type = c.req.header('Content-Type') ?? '';
  if (/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    const body = await c.req.parseBody();
    const field = body.csrf_token;
    return typeof field === 'string' && field !== '' ? field : undefined;
  }
  return undefined;
}

export function assertCsrfMatches(presented: string | undefined, expected: string): void {
  if (presented === undefined) throw new AppError('csrf_missing');
  // Hash both sides: equal lengths for timingSafeEqual, and no length leak.
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  if (!timingSafeEqual(a, b)) throw new AppError('csrf_mismatch');
}
