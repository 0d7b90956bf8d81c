/**
 * Who is calling: the access cookie, verified (signature, expiry, type), then checked against
 * the shared store on every request — revoked token id, ended sign-in, disabled user, or a
 * session version bumped by "sign out everywhere" — so a revocation made in any process is
 * honoured by every process on its very next request.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { FrameBindings } from '../http/frame.ts';
import type { Role, Store } from '../store/index.ts';
import { readCookie, type CookiePolicy } from './cookies.ts';
import { UNSAFE_METHODS, assertCsrfMatches, assertSameOrigin, presentedCsrf, type OriginPolicy } from './csrf.ts';
import type { SessionClaims, TokenService } from './tokens.ts';

export interface SessionUser {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly role: Role;
}

export interface Session {
  readonly user: SessionUser;
  readonly claims: SessionClaims;
  /** This sign-in re-confirmed its password within the last few minutes (step-up.ts). */
  readonly steppedUp: boolean;
  /** How this user confirms a step-up: the dashboard password, or (no password) through WordPress. */
  readonly stepUpMethod: StepUpMethod;
}

export type StepUpMethod = 'password' | 'wordpress';

declare module '../http/context.ts' {
  interface AppVariables {
    /** Set by requireSession on authenticated routes. */
    session: Session;
  }
}

export interface SessionDeps {
  readonly tokens: TokenService;
  readonly store: Store;
  readonly cookies: CookiePolicy;
  /** What the Origin of a state-changing request must be (csrf.ts); host-only when omitted. */
  readonly origin?: OriginPolicy;
}

const CHALLENGE: Readonly<Record<string, string>> = {
  invalid_credentials: 'Bearer realm="dashboard"',
  token_missing: 'Bearer realm="dashboard"',
  token_expired: 'Bearer realm="dashboard", error="invalid_token", error_description="expired"',
  token_invalid: 'Bearer realm="dashboard", error="invalid_token"',
  token_revoked: 'Bearer realm="dashboard", error="invalid_token", error_description="revoked"',
};

/** 401s carry WWW-Authenticate (RFC 9110); the token rides in a cookie, but the semantics are RFC 6750's. */
export function withChallenge(error: unknown): unknown {
  if (error instanceof AppError && error.status === 401 && CHALLENGE[error.code] !== undefined && error.headers['WWW-Authenticate'] === undefined) {
    return new AppError(error.code, { message: error.message, headers: { ...error.headers, 'WWW-Authenticate': CHALLENGE[error.code]! }, cause: error });
  }
  return error;
}

/**
 * `allowExpired` (page loads only, never the API): an access token past its life still names its
 * sign-in, and every revocation check below still applies; the page then renews it through
 * /api/auth/refresh before its first API call, instead of a trip through the sign-in page. Its
 * age stays bounded by the refresh token's life, past which no refresh could succeed anyway.
 */
export async function authenticate(c: Context, deps: SessionDeps, options: { allowExpired?: boolean } = {}): Promise<Session> {
  const token = readCookie(c, deps.cookies.names.access);
  if (token === undefined) throw new AppError('token_missing');
  const claims = await deps.tokens.verify(token, 'access', options.allowExpired === true ? { allowExpired: true } : {});
  if (options.allowExpired === true && deps.tokens.now() - claims.iat > deps.tokens.refreshTtl) throw new AppError('token_expired');
  const state = await deps.store.sessionState(Number(claims.sub), claims.jti, claims.fam, (c.env as Partial<FrameBindings> | undefined)?.receivedAt);
  if (state === undefined || state.user.disabled || state.jtiRevoked || state.familyRevoked || state.user.sessionVersion !== claims.sv) {
    throw new AppError('token_revoked');
  }
  const { user } = state;
  return {
    claims,
    user: { id: user.id, username: user.username, displayName: user.displayName, email: user.email, role: user.role },
    steppedUp: state.stepUpUntil !== null && state.stepUpUntil > deps.tokens.now(),
    stepUpMethod: state.passwordless ? 'wordpress' : 'password',
  };
}

/** The session cookies a request carried, each verified (signature and type; expired or not), or absent. */
export interface PresentedSession {
  readonly access?: SessionClaims;
  readonly refresh?: SessionClaims;
}

/**
 * The session cookies this request carries, for ending the sign-in they name (sign-out, or a new
 * sign-in replacing it): a missing, forged or malformed one is absent; an expired one still names
 * its sign-in. Doubled cookies throw token_invalid (readCookie): which sign-in is meant is unknowable.
 */
export async function presentedSession(c: Context, tokens: TokenService, cookies: CookiePolicy): Promise<PresentedSession> {
  const verify = async (name: string, type: 'access' | 'refresh'): Promise<SessionClaims | undefined> => {
    const token = readCookie(c, name);
    return token === undefined ? undefined : tokens.verify(token, type, { allowExpired: true }).catch(() => undefined);
  };
  const access = await verify(cookies.names.access, 'access');
  const refresh = await verify(cookies.names.refresh, 'refresh');
  return { ...(access === undefined ? {} : { access }), ...(refresh === undefined ? {} : { refresh }) };
}

/**
 * The sign-in a new one replaces in this browser (its cookies are about to be overwritten): the
 * presented session, or none when its cookies are doubled (nothing tells which is meant).
 */
export function replacedSession(c: Context, tokens: TokenService, cookies: CookiePolicy): Promise<PresentedSession> {
  return presentedSession(c, tokens, cookies).catch(() => ({}));
}

/** API routes: 401 with a code the client acts on; CSRF on every state-changing method. */
export function requireSession(deps: SessionDeps): MiddlewareHandler<AppEnv> {
  return async function sessionRequired(c, next) {
    let session: Session;
    try {
      session = await authenticate(c, deps);
    } catch (error) {
      throw withChallenge(error);
    }
    if (UNSAFE_METHODS.has(c.req.method)) {
      assertSameOrigin(c, deps.origin);
      assertCsrfMatches(await presentedCsrf(c), session.claims.csrf);
    }
    c.set('session', session);
    await next();
  };
}

export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async function roleRequired(c, next) {
    const session = c.get('session') as Session | undefined;
    if (session === undefined || session.user.role !== role) throw new AppError('forbidden');
    await next();
  };
}
