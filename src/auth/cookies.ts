/**
 * The session cookies (DESIGN.md): access and refresh tokens HttpOnly, the CSRF value readable
 * by the page's script; all SameSite=Strict with a Path under BASE_PATH (so the WordPress side
 * of the domain never receives them); Secure and the `__Secure-` prefix in production.
 * `__Host-` would be stronger but demands Path=/, which would hand the cookies to WordPress.
 */
import type { Context } from 'hono';
import { AppError } from '../http/errors.ts';

export interface CookieNames {
  readonly access: string;
  readonly refresh: string;
  readonly csrf: string;
  /** Which browser signed in before (device.ts): sent to the auth routes only, kept after sign-out. */
  readonly device: string;
}

export interface CookiePolicy {
  readonly names: CookieNames;
  /** Path for the access and CSRF cookies: the app's prefix (`/` at the root). */
  readonly appPath: string;
  /** The refresh cookie goes only to the routes that need it. */
  readonly refreshPath: string;
  readonly secure: boolean;
}

export function cookiePolicy(options: { basePath: string; production: boolean }): CookiePolicy {
  const prefix = options.production ? '__Secure-' : '';
  return {
    names: { access: `${prefix}dash_access`, refresh: `${prefix}dash_refresh`, csrf: `${prefix}dash_csrf`, device: `${prefix}dash_device` },
    // No trailing slash: "/dashboard" also matches "/dashboard" itself, and not "/dashboardx".
    appPath: options.basePath === '' ? '/' : options.basePath,
    refreshPath: `${options.basePath}/api/auth`,
    secure: options.production,
  };
}

function serialize(name: string, value: string, options: { path: string; maxAge: number; httpOnly: boolean; secure: boolean }): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    ...(options.maxAge <= 0 ? ['Expires=Thu, 01 Jan 1970 00:00:00 GMT'] : []),
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
    'SameSite=Strict',
  ].join('; ');
}

export interface IssuedSession {
  readonly access: string;
  readonly refresh: string;
  readonly csrf: string;
  /** Seconds the cookies live: the refresh token's life, so an expired access token still arrives and reads as `token_expired`. */
  readonly maxAge: number;
}

export function setSessionCookies(c: Context, policy: CookiePolicy, session: IssuedSession): void {
  const { names, secure } = policy;
  c.header('Set-Cookie', serialize(names.access, session.access, { path: policy.appPath, maxAge: session.maxAge, httpOnly: true, secure }), { append: true });
  c.header('Set-Cookie', serialize(names.refresh, session.refresh, { path: policy.refreshPath, maxAge: session.maxAge, httpOnly: true, secure }), {
    append: true,
  });
  c.header('Set-Cookie', serialize(names.csrf, session.csrf, { path: policy.appPath, maxAge: session.maxAge, httpOnly: false, secure }), { append: true });
}

export function setDeviceCookie(c: Context, policy: CookiePolicy, value: string, maxAge: number): void {
  c.header('Set-Cookie', serialize(policy.names.device, value, { path: policy.refreshPath, maxAge, httpOnly: true, secure: policy.secure }), { append: true });
}

export function clearSessionCookies(c: Context, policy: CookiePolicy): void {
  const { names, secure } = policy;
  c.header('Set-Cookie', serialize(names.access, '', { path: policy.appPath, maxAge: 0, httpOnly: true, secure }), { append: true });
  c.header('Set-Cookie', serialize(names.refresh, '', { path: policy.refreshPath, maxAge: 0, httpOnly: true, secure }), { append: true });
  c.header('Set-Cookie', serialize(names.csrf, '', { path: policy.appPath, maxAge: 0, httpOnly: false, secure }), { append: true });
}

/**
 * The one value of cookie `name`, or undefined. Two values for one name mean a cookie planted
 * with another Path or domain (cookie tossing): refused rather than guessing which is ours.
 */
export function readCookie(c: Context, name: string): string | undefined {
  const header = c.req.header('Cookie');
  if (header === undefined) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) {
      throw new AppError('token_invalid', { message: 'Conflicting session cookies were sent. Please sign in again.' });
    }
    found = part.slice(eq + 1).trim();
  }
  return found === '' ? undefined : found;
}
