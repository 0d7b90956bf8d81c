/**
 * Tokens as the WordPress plugin signs them (deploy/wordpress/dashboard-sso.php), built by hand
 * here as the plugin builds them with hash_hmac: the header and claims JSON, base64url, and
 * HMAC-SHA256 over the two with the shared secret. Anything can be changed, to forge.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface PluginClaims {
  iss?: unknown;
  aud?: unknown;
  sub?: unknown;
  login?: unknown;
  email?: unknown;
  name?: unknown;
  roles?: unknown;
  iat?: unknown;
  exp?: unknown;
  jti?: unknown;
  [claim: string]: unknown;
}

const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

export function newJti(): string {
  return randomBytes(16).toString('hex');
}

/** The plugin's claims for a user at `now` (seconds), with `changes` applied (undefined removes a claim). */
export function pluginClaims(options: { issuer: string; now: number; userId: number; login: string; name?: string; email?: string; roles?: string[] }, changes: PluginClaims = {}): PluginClaims {
  const claims: PluginClaims = {
    iss: options.issuer,
    aud: 'dashboard',
    sub: String(options.userId),
    login: options.login,
    email: options.email ?? `${options.login}@example.org`,
    name: options.name ?? options.login,
    roles: options.roles ?? ['subscriber'],
    iat: options.now,
    exp: options.now + 60,
    jti: newJti(),
    ...changes,
  };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return claims;
}

export function signLikePlugin(claims: PluginClaims, secret: string, header: Record<string, unknown> = { typ: 'JWT', alg: 'HS256' }): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The token with its claims part replaced, the signature kept (tampering). */
export function tamper(token: string, change: (claims: PluginClaims) => PluginClaims): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as PluginClaims;
  return `${header}.${b64(JSON.stringify(change(claims)))}.${signature}`;
}
