/**
 * The sign-in page. It works without JavaScript (a plain form post); the script makes it
 * smoother (no full-page error round trip, silent refresh). The signed-in start page is the
 * dashboard (src/dashboard/pages.ts).
 */
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { escapeHtml, renderPage, type AssetUrls } from '../http/html.ts';
import { safeNext } from './routes.ts';
import { authenticate, type Session, type SessionDeps } from './session.ts';

export interface PageDeps extends SessionDeps {
  readonly assets: AssetUrls;
  readonly basePath: string;
  /** While WordPress single sign-on is on: where "Sign in with WordPress" starts, for a `next`. */
  readonly wordpressStart?: (next: string) => string;
}

const MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: 'The username or password is not right.',
  rate_limited: 'Too many sign-in attempts. Please wait a minute before trying again.',
  signed_out: 'You have signed out.',
  expired: 'Your session expired. Sign in again to go back to where you were.',
  ended: 'Your session was ended elsewhere: with \u201cSign out everywhere\u201d, on another device, or by an administrator. Sign in again to go back to where you were.',
  // Single sign-on (src/wordpress/routes.ts): what to do, not why the token failed.
  wordpress_invalid: 'Signing in with WordPress did not work. Please try again.',
  wordpress_expired: 'Signing in with WordPress took too long. Please try again.',
  wordpress_replayed: 'That WordPress sign-in was already used. Please try again.',
  wordpress_clash:
    'A dashboard account with your WordPress username already exists and is not linked to your WordPress account. Ask a dashboard admin to sort this out.',
  wordpress_disabled: 'Your dashboard account is disabled. Ask a dashboard admin if you need access.',
};

async function currentSession(c: Context, deps: SessionDeps): Promise<Session | undefined> {
  try {
    return await authenticate(c, deps);
  } catch (error) {
    // Storage trouble is ours to report (503), not a reason to send the user to sign in.
    if (error instanceof AppError && error.status === 401) return undefined;
    throw error;
  }
}

export function loginPage(options: { basePath: string; next: string; message?: string | undefined; assets: AssetUrls; wordpressStart?: string | undefined }): string {
  const base = escapeHtml(options.basePath);
  const message = options.message ?? '';
  const body =
    '<main class="auth" aria-labelledby="title">' +
    '<h1 id="title">Sign in</h1><p class="lead">Members\u2019 dashboard</p>' +
    `<div id="form-error" class="alert" role="alert" tabindex="-1"${message === '' ? ' hidden' : ''}>${escapeHtml(message)}</div>` +
    `<form id="login-form" method="post" action="${base}/api/auth/login" data-base="${base}">` +
    `<input type="hidden" name="next" value="${escapeHtml(options.next)}">` +
    '<label for="username">Username</label>' +
    '<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>' +
    '<label for="password">Password</label>' +
    '<input id="password" name="password" type="password" autocomplete="current-password" required>' +
    '<button type="submit" id="submit">Sign in</button>' +
    '</form>' +
    (options.wordpressStart === undefined
      ? ''
      : `<p class="or">or</p><a class="button secondary" id="wordpress-sign-in" href="${escapeHtml(options.wordpressStart)}">Sign in with WordPress</a>`) +
    '</main>';
  return renderPage({
    title: 'Sign in · Dashboard',
    body,
    assets: options.assets,
    scripts: ['login.js'],
    bodyClass: 'auth-page',
    head: `<meta name="base-path" content="${base}">`,
  });
}

export function authPages(app: Hono<AppEnv>, deps: PageDeps): void {
  const { basePath } = deps;

  app.get('/login', async function login(c) {
    const next = safeNext(c.req.query('next'), basePath);
    if ((await currentSession(c, deps)) !== undefined) return c.redirect(next, 302);
    const message = MESSAGES[c.req.query('error') ?? c.req.query('notice') ?? ''];
    return c.html(loginPage({ basePath, next, message, assets: deps.assets, wordpressStart: deps.wordpressStart?.(next) }));
  });
}
