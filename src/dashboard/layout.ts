/**
 * The frame every signed-in page shares: header (organisation, navigation, who is signed in,
 * sign out), the footer's "sign out everywhere", and the meta tags public/lib/api.ts reads.
 * The sign-out forms are plain posts with the CSRF field, so they work without JavaScript.
 */
import type { Context } from 'hono';
import { AppError } from '../http/errors.ts';
import { escapeHtml, renderPage, type AssetUrls } from '../http/html.ts';
import { authenticate, type Session, type SessionDeps } from '../auth/session.ts';

export interface SignedInPageDeps extends SessionDeps {
  readonly assets: AssetUrls;
  readonly basePath: string;
  /** Shown in the header and the page title. */
  readonly organisation: string;
}

export type Section = 'dashboard' | 'admin';

/** Why a visitor is sent to sign in, said on the sign-in page (auth/pages.ts's notices). */
export type SignInReason = 'ended' | 'expired' | undefined;

export type PageVisit =
  | { readonly session: Session; readonly renew: boolean }
  | { readonly session: undefined; readonly reason: SignInReason };

/**
 * Who is loading a signed-in page. An access token that merely expired still shows the page
 * (`renew`): its script renews the session silently before asking for data (public/lib/api.ts),
 * which saves the trip through /login. Storage trouble is thrown (503), not a reason to sign in.
 */
export async function pageVisit(c: Context, deps: SessionDeps): Promise<PageVisit> {
  try {
    return { session: await authenticate(c, deps), renew: false };
  } catch (error) {
    if (!(error instanceof AppError) || error.status !== 401) throw error;
    if (error.code === 'token_expired') {
      try {
        return { session: await authenticate(c, deps, { allowExpired: true }), renew: true };
      } catch (again) {
        if (!(again instanceof AppError) || again.status !== 401) throw again;
        return { session: undefined, reason: again.code === 'token_revoked' ? 'ended' : 'expired' };
      }
    }
    return { session: undefined, reason: error.code === 'token_revoked' ? 'ended' : error.code === 'token_missing' ? undefined : 'expired' };
  }
}

/**
 * Where to send a visitor who is not signed in: sign-in, saying why, then back to this very URL
 * (filters included; the browser keeps a #tab through the redirect).
 */
export function signInRedirect(c: Context, basePath: string, path: string, reason?: SignInReason): Response {
  const query = new URL(c.req.url).search;
  const next = `${basePath}${path}${query.length > 1 && query.length < 400 ? query : ''}`;
  return c.redirect(`${basePath}/login?next=${encodeURIComponent(next)}${reason === undefined ? '' : `&notice=${reason}`}`, 302);
}

function signOutForm(base: string, csrf: string, action: string, label: string, id: string): string {
  return (
    `<form method="post" action="${base}/api/auth/${action}" class="inline" id="${id}">` +
    `<input type="hidden" name="csrf_token" value="${csrf}"><button type="submit" class="secondary">${label}</button></form>`
  );
}

export interface SignedInPage {
  readonly title: string;
  readonly section: Section;
  /** Already-escaped HTML for <main>. */
  readonly main: string;
  readonly scripts: readonly string[];
  /** The access token has expired: the page renews it before its first API call. */
  readonly renew?: boolean;
}

export function renderSignedIn(session: Session, deps: SignedInPageDeps, page: SignedInPage): string {
  const base = escapeHtml(deps.basePath);
  const csrf = escapeHtml(session.claims.csrf);
  const org = escapeHtml(deps.organisation);
  const user = session.user;
  const link = (section: Section, href: string, label: string): string =>
    `<a href="${base}${href}"${page.section === section ? ' aria-current="page"' : ''}>${label}</a>`;
  const nav = link('dashboard', '/', 'Dashboard') + (user.role === 'admin' ? link('admin', '/admin', 'Admin') : '');
  const body =
    '<a class="skip" href="#main">Skip to content</a>' +
    `<header class="bar"><span class="brand">${org}</span>` +
    `<nav class="main-nav" aria-label="Main">${nav}</nav>` +
    `<div class="account"><span class="who">Signed in as <strong id="who">${escapeHtml(user.displayName)}</strong></span>` +
    `${signOutForm(base, csrf, 'logout', 'Sign out', 'sign-out')}</div></header>` +
    `<main id="main" class="page wide" tabindex="-1" data-role="${user.role}" data-user="${user.id}">${page.main}</main>` +
    '<footer class="foot"><p>Signed in on a device you no longer use? ' +
    `${signOutForm(base, csrf, 'logout-all', 'Sign out everywhere', 'sign-out-all')}</p></footer>`;
  return renderPage({
    title: `${page.title} · ${deps.organisation}`,
    body,
    assets: deps.assets,
    scripts: page.scripts,
    bodyClass: 'signed-in',
    head: `<meta name="csrf-token" content="${csrf}"><meta name="base-path" content="${base}">${page.renew === true ? '<meta name="session" content="renew">' : ''}`,
  });
}
