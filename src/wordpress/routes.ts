/**
 * POST /auth/wordpress: where the plugin's auto-submitting form lands (DESIGN.md). Registered
 * only while WP_SSO_SECRET is set, so the route answers 404 otherwise.
 *
 * The form is posted by the WordPress site's page: from another origin in the subdomain layout
 * (the app's own Origin check would refuse it), from the same one at a sub-path. It is accepted
 * from WP_URL's origin only: a page elsewhere posting a token it holds for its own WordPress
 * account would sign the visitor in as someone else (login CSRF).
 *
 * Success sets the ordinary session cookies and answers 303 to the page asked for: the browser
 * follows with a GET, and that GET carries the new SameSite=Strict cookies, since the navigation
 * began on the same site (WordPress on the parent domain, or on the same origin). Every failure
 * is audited and lands on the sign-in page with a message that says what to do, not why the
 * token failed.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { setSessionCookies, type CookiePolicy } from '../auth/cookies.ts';
import { safeNext } from '../auth/routes.ts';
import { replacedSession } from '../auth/session.ts';
import type { TokenService } from '../auth/tokens.ts';
import { AppError } from '../http/errors.ts';
import { addressKey, type Limiter } from '../ratelimit/limiter.ts';
import type { Rule } from '../ratelimit/store.ts';
import { SsoRefused, type Sso } from './sso.ts';

export interface WordPressRouteDeps {
  readonly sso: Sso;
  readonly cookies: CookiePolicy;
  /** To read the sign-in this browser held before (ended by the new one). */
  readonly tokens: TokenService;
  /** Seconds the session cookies live (the refresh token's life). */
  readonly sessionMaxAge: number;
  readonly clientAddress: ClientAddress;
  readonly basePath: string;
  /** WP_URL. */
  readonly wordpressUrl: string;
  /** RATE_LIMIT_LOGIN, per address, on refusals that anyone can cause (each writes the audit log). */
  readonly limits?: { readonly limiter: Limiter; readonly login: Rule };
}

/** `scheme://host[:port]` of a URL as browsers send it in `Origin`. */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export function wordpressRoutes(app: Hono<AppEnv>, deps: WordPressRouteDeps): void {
  const { sso, basePath } = deps;
  const wordpressOrigin = originOf(deps.wordpressUrl);
  const toSignIn = (reason: string): string => `${basePath}/login?error=wordpress_${reason}`;

  app.post('/auth/wordpress', async function wordpressLanding(c) {
    const ip = deps.clientAddress(c);
    const { limits } = deps;
    const gate = limits === undefined ? undefined : async (): Promise<void> => void (await limits.limiter.check(c, { ...limits.login, name: 'sso-failure' }, `ip:${addressKey(ip)}`));
    try {
      const origin = c.req.header('Origin');
      if (origin === undefined || originOf(origin) !== wordpressOrigin) {
        await sso.refuse('invalid', `form not posted from the WordPress site (Origin: ${(origin ?? 'none').slice(0, 100)})`, ip, gate);
      }
      if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('Content-Type') ?? '')) {
        await sso.refuse('invalid', 'not a form post', ip, gate);
      }
      const body = await c.req.parseBody();
      const token = typeof body.token === 'string' ? body.token.trim() : '';
      if (token === '') await sso.refuse('invalid', 'no token in the form', ip, gate);
      // The access cookie (path: the app) comes along when WordPress is on the same site; the
      // refresh cookie's path is the auth API's, so it does not.
      const previous = await replacedSession(c, deps.tokens, deps.cookies);
      const issued = await sso.signIn(token, ip, { gate, previous });
      setSessionCookies(c, deps.cookies, { access: issued.access.token, refresh: issued.refresh.token, csrf: issued.csrf, maxAge: deps.sessionMaxAge });
      return c.redirect(safeNext(body.next, basePath), 303);
    } catch (error) {
      if (error instanceof SsoRefused) return c.redirect(toSignIn(error.reason), 303);
      // Past the limit: the sign-in page says to wait, and nothing was written.
      if (error instanceof AppError && error.code === 'rate_limited') return c.redirect(`${basePath}/login?error=rate_limited`, 303);
      throw error;
    }
  });
}

/**
 * The plugin's start URL (DESIGN.md): WordPress signs the person in if needed, then posts back.
 * `stepUp`: WordPress asks for the password again unless it was typed in the last three minutes
 * (auth/step-up.ts), so the sign-in it makes is confirmed.
 */
export function wordpressStartUrl(wordpressUrl: string, next: string, options: { stepUp?: boolean } = {}): string {
  return `${wordpressUrl}/wp-admin/admin-post.php?action=dashboard_sso${options.stepUp === true ? '&step_up=1' : ''}&next=${encodeURIComponent(next)}`;
}
