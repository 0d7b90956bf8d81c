/**
 * CSRF defences for every state-changing request:
 * 1. Cross-site requests are refused by `Sec-Fetch-Site` or `Origin` (OriginPolicy below says
 *    what the Origin is compared with).
 * 2. Signed double submit: `X-CSRF-Token` (or a `csrf_token` form field) must equal the value
 *    bound into the session's signed token. SameSite=Strict alone is not enough: it does not
 *    stop same-site attackers (a compromised WordPress plugin on the same domain).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { AppError } from '../http/errors.ts';

export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What the `Origin` of a state-changing request must be:
 * - `public` (PUBLIC_URL set): its scheme, host and port, whatever the request says. The only
 *   honest choice behind a proxy, and the only one a client cannot steer with its own `Host`
 *   header (DNS rebinding sends `Origin: http://evil` with `Host: evil`, and even
 *   `Sec-Fetch-Site: same-origin`, since the browser believes it is talking to evil).
 * - `direct` (no proxy: standalone with TRUST_PROXY=none): the connection's own scheme is the
 *   visitor's, so scheme and host must both match (`Origin: https://…` on plain http is refused).
 * - `proxied` (the default; under Passenger without PUBLIC_URL): the public scheme is unknowable —
 *   Passenger speaks plain http to the app on an https site, and `X-Forwarded-Proto` reaches it
 *   from anyone over plain http — so only the host is compared, with the `Host` header.
 */
export type OriginPolicy = { readonly kind: 'public'; readonly origin: string } | { readonly kind: 'direct' } | { readonly kind: 'proxied' };

const PROXIED: OriginPolicy = { kind: 'proxied' };

/** The policy for a process: PUBLIC_URL's origin when set, else what the proxy set-up allows. */
export function originPolicy(options: { publicOrigin: string | null; behindProxy: boolean }): OriginPolicy {
  if (options.publicOrigin !== null) return { kind: 'public', origin: options.publicOrigin };
  return options.behindProxy ? PROXIED : { kind: 'direct' };
}

/** `scheme://host[:port]` as browsers write it (lower case, default port dropped); undefined if it is not one. */
function normalOrigin(text: string): string | undefined {
  if (text === 'null') return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function originAccepted(c: Context, origin: string, policy: OriginPolicy): boolean {
  const sent = normalOrigin(origin);
  if (sent === undefined) return false;
  if (policy.kind === 'public') return sent === policy.origin;
  const host = c.req.header('Host');
  if (host === undefined) return false;
  if (policy.kind === 'direct') return sent === normalOrigin(`${new URL(c.req.url).protocol}//${host}`);
  return new URL(sent).host === host.toLowerCase();
}

export function assertSameOrigin(c: Context, policy: OriginPolicy = PROXIED): void {
  const site = c.req.header('Sec-Fetch-Site');
  const origin = c.req.header('Origin');
  if (site !== undefined && site !== 'same-origin') {
    throw new AppError('csrf_mismatch', { message: 'Cross-site requests are not accepted.' });
  }
  // No Origin: not a browser (browsers send it on every POST, cross-site or not). With
  // Sec-Fetch-Site: same-origin the browser has judged already, by the real scheme and host;
  // only PUBLIC_URL knows better (the DNS-rebinding case above).
  if (origin === undefined || (site !== undefined && policy.kind !== 'public')) return;
  if (!originAccepted(c, origin, policy)) {
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
