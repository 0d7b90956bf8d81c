/**
 * PUBLIC_URL: the dashboard's address as visitors' browsers see it. Behind Passenger or another
 * proxy the app cannot know its own public scheme (it is spoken to in plain http on an https
 * site) nor trust the Host header (the client chooses it), so the Origin check of
 * state-changing requests compares with this instead when it is set (auth/csrf.ts).
 */
import { normaliseBasePath } from './base-path.ts';

export interface PublicUrl {
  /** `https://example.org/dashboard`: no trailing slash. */
  readonly href: string;
  /** Scheme, host and port as browsers send them in `Origin`: `https://example.org`. */
  readonly origin: string;
}

export type PublicUrlResult = { readonly ok: true; readonly value: PublicUrl | null } | { readonly ok: false; readonly message: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * `basePath` is the effective one (BASE_PATH, else PASSENGER_BASE_URI, else the root), named
 * by `basePathSource` in the message; undefined when that one is itself invalid (reported there).
 */
export function readPublicUrl(text: string | undefined, context: { basePath: string | undefined; basePathSource: string; production: boolean }): PublicUrlResult {
  if (text === undefined) return { ok: true, value: null };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'must be an absolute URL such as https://dashboard.example.org or https://example.org/dashboard' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, message: 'must start with https:// (or http://)' };
  if (url.username !== '' || url.password !== '') return { ok: false, message: 'must not contain a user name or password' };
  // `new URL` drops an empty `?` or `#`: look at the text too.
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(text)) return { ok: false, message: 'must not contain a query (?…) or a fragment (#…)' };
  if (context.production && url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    return { ok: false, message: 'must start with https:// in production: the session cookies are Secure, and browsers do not send them over plain http' };
  }
  const path = normaliseBasePath(url.pathname);
  if (path === undefined) return { ok: false, message: 'has a path that is not a plain URL path such as /dashboard' };
  if (context.basePath !== undefined && path !== context.basePath) {
    const where = (p: string): string => (p === '' ? '/' : p);
    return {
      ok: false,
      message: `has the path ${where(path)} but ${context.basePathSource} is ${where(context.basePath)}: they must name the same prefix (set both, e.g. PUBLIC_URL=https://example.org/dashboard with BASE_PATH=/dashboard)`,
    };
  }
  return { ok: true, value: { href: `${url.origin}${path}`, origin: url.origin } };
}
