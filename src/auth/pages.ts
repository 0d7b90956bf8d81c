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
import type { SignInGuard } from '../bot/signin.ts';
import { FORM_TOKEN_FIELD } from '../bot/form-token.ts';

export interface PageDeps extends SessionDeps {
  readonly assets: AssetUrls;
  readonly basePath: string;
  /** While WordPress single sign-on is on: where "Sign in with WordPress" starts, for a `next`. */
  readonly wordpressStart?: (next: string) => string;
  /** The sign-in defences: the form's token and decoy, and whether proof of work may be asked. */
  readonly bot?: SignInGuard;
  /** BOT_FORM_MIN_MS: the page's script holds a quicker submission until then. */
  readonly formMinMs?: number;
}

const MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: 'The username or password is not right.',
  rate_limited: 'Too many sign-in attempts. Please wait a minute before trying again.',
  signed_out: 'You have signed out.',
  pow_required: 'Signing in from here needs an anti-robot check that runs in JavaScript. Please turn JavaScript on and try again.',
  pow_invalid: 'The anti-robot check did not pass. Please turn JavaScript on and try again.',
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

export interface LoginPageOptions {
  readonly basePath: string;
  readonly next: string;
  readonly message?: string | undefined;
  readonly assets: AssetUrls;
  /** The honeypot (bot/form-token.ts): this rendering's token and decoy field name. */
  readonly form?: { readonly token: string; readonly decoy: string } | undefined;
  readonly pow?: 'off' | 'adaptive' | 'always';
  readonly formMinMs?: number;
  /** While WordPress single sign-on is on: where "Sign in with WordPress" starts. */
  readonly wordpressStart?: string | undefined;
}

/** What a browser without JavaScript is told: plainly, since the check cannot run there. */
function noScript(pow: LoginPageOptions['pow']): string {
  if (pow === undefined || pow === 'off') return '';
  const text =
    pow === 'always'
      ? 'Signing in needs JavaScript: it runs a short anti-robot check. Please turn JavaScript on for this site.'
      : 'Signing in may need JavaScript: after a failed attempt it runs a short anti-robot check. If signing in does not work, turn JavaScript on for this site.';
  return `<noscript><p class="alert" id="noscript">${escapeHtml(text)}</p></noscript>`;
}

/**
 * The decoy: outside the visible page (`vh`), hidden from assistive technology, out of the tab
 * order, with autocomplete off and a name and label no password manager fills.
 */
function decoyField(form: LoginPageOptions['form']): string {
  if (form === undefined) return '';
  const decoy = escapeHtml(form.decoy);
  return (
    `<input type="hidden" name="${FORM_TOKEN_FIELD}" value="${escapeHtml(form.token)}">` +
    `<div class="vh" aria-hidden="true"><label for="${decoy}">Leave this empty</label>` +
    `<input id="${decoy}" name="${decoy}" type="text" value="" tabindex="-1" autocomplete="off" data-decoy></div>`
  );
}

export function loginPage(options: LoginPageOptions): string {
  const base = escapeHtml(options.basePath);
  // The worker that solves the proof of work: its own bundle (public/pow-worker.ts).
  const powWorker = options.assets.url('pow-worker.js');
  const message = options.message ?? '';
  const body =
    '<main class="auth" aria-labelledby="title">' +
    '<h1 id="title">Sign in</h1><p class="lead">Members\u2019 dashboard</p>' +
    `<div id="form-error" class="alert" role="alert" tabindex="-1"${message === '' ? ' hidden' : ''}>${escapeHtml(message)}</div>` +
    noScript(options.pow) +
    `<form id="login-form" method="post" action="${base}/api/auth/login" data-base="${base}" data-pow="${options.pow ?? 'off'}" data-min-ms="${options.formMinMs ?? 0}">` +
    `<input type="hidden" name="next" value="${escapeHtml(options.next)}">` +
    decoyField(options.form) +
    '<label for="username">Username</label>' +
    '<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>' +
    '<label for="password">Password</label>' +
    '<input id="password" name="password" type="password" autocomplete="current-password" required>' +
    '<button type="submit" id="submit">Sign in</button>' +
    '<p id="pow-status" class="status" role="status" aria-live="polite"></p>' +
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
    head: `<meta name="base-path" content="${base}">${powWorker === undefined || options.pow === undefined || options.pow === 'off' ? '' : `<meta name="pow-worker" content="${escapeHtml(powWorker)}">`}`,
  });
}

export function authPages(app: Hono<AppEnv>, deps: PageDeps): void {
  const { basePath } = deps;

  app.get('/login', async function login(c) {
    const next = safeNext(c.req.query('next'), basePath);
    if ((await currentSession(c, deps)) !== undefined) return c.redirect(next, 302);
    const message = MESSAGES[c.req.query('error') ?? c.req.query('notice') ?? ''];
    return c.html(
      loginPage({
        basePath,
        next,
        message,
        assets: deps.assets,
        form: deps.bot?.form(),
        ...(deps.bot === undefined ? {} : { pow: deps.bot.mode }),
        ...(deps.formMinMs === undefined ? {} : { formMinMs: deps.formMinMs }),
        wordpressStart: deps.wordpressStart?.(next),
      }),
    );
  });
}
