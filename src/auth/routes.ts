/** The auth API (DESIGN.md): login, refresh, logout, logout-all, step-up, me. */
import type { Context, Hono } from 'hono';
import { readJsonObject } from '../http/body.ts';
import type { AppEnv } from '../http/context.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import { clearSessionCookies, readCookie, setDeviceCookie, setSessionCookies, type CookiePolicy } from './cookies.ts';
import { DEVICE_COOKIE_MAX_AGE, type DeviceCookies } from './device.ts';
import { assertCsrfMatches, assertSameOrigin, presentedCsrf, type OriginPolicy } from './csrf.ts';
import type { AuthService, IssuedTokens } from './service.ts';
import { presentedSession, replacedSession, requireSession, withChallenge, type PresentedSession } from './session.ts';
import type { SessionClaims, TokenService } from './tokens.ts';
import { addressKey, type Limiter } from '../ratelimit/limiter.ts';
import type { Rule } from '../ratelimit/store.ts';
import { usernameKey, type Store } from '../store/index.ts';
import type { SignInGuard } from '../bot/signin.ts';
import type { Decision } from '../ratelimit/store.ts';

export interface AuthRouteDeps {
  readonly service: AuthService;
  readonly tokens: TokenService;
  readonly store: Store;
  readonly cookies: CookiePolicy;
  readonly clientAddress: ClientAddress;
  readonly basePath: string;
  /** What the Origin of a state-changing request must be (csrf.ts); host-only when omitted. */
  readonly origin?: OriginPolicy;
  /** Device cookies (device.ts); without them every sign-in is counted per username. */
  readonly devices?: DeviceCookies;
  /** Sign-in limits: per address and per username (RATE_LIMIT_LOGIN). */
  readonly limits?: { readonly limiter: Limiter; readonly login: Rule };
  /** Proof of work, honeypot and timing before the password (bot/signin.ts); none when omitted. */
  readonly bot?: SignInGuard;
}

/** Sign-in refusals a plain form (no JavaScript) is sent back to the page with. */
const FORM_ERRORS: ReadonlySet<string> = new Set(['invalid_credentials', 'rate_limited', 'pow_required', 'pow_invalid']);

/** A `next` that stays inside the app: no scheme, no `//host`, no backslash tricks. */
export function safeNext(next: unknown, basePath: string): string {
  const home = `${basePath}/`;
  if (typeof next !== 'string' || next === '' || next.length > 500) return home;
  if (!next.startsWith(home) && next !== basePath) return home;
  if (/[\\\s]|\/\//.test(next) || next.includes('/..')) return home;
  return next;
}

function sessionBody(issued: IssuedTokens) {
  return { user: issued.user, csrfToken: issued.csrf, accessExpiresAt: new Date(issued.access.exp * 1000).toISOString() };
}

function isForm(c: Context): boolean {
  return /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('Content-Type') ?? '');
}

async function readCredentials(c: Context): Promise<{ username: string; password: string; next: unknown; form: boolean; fields: Record<string, unknown> }> {
  const form = isForm(c);
  const body: Record<string, unknown> = form ? await c.req.parseBody() : await readJsonObject(c);
  const { username, password } = body;
  if (typeof username !== 'string' || username.trim() === '' || username.length > 200) {
    throw new AppError('bad_request', { message: 'Enter your username.', details: { field: 'username' } });
  }
  if (typeof password !== 'string' || password === '' || password.length > 1024) {
    throw new AppError('bad_request', { message: 'Enter your password.', details: { field: 'password' } });
  }
  return { username: username.trim(), password, next: body.next, form, fields: body };
}

export function authRoutes(app: Hono<AppEnv>, deps: AuthRouteDeps): void {
  const { service, tokens, cookies } = deps;
  const maxAge = tokens.refreshTtl;
  // A plain form post (no JavaScript) lands on the sign-in page; scripts get 204.
  const signedOut = (c: Context): Response =>
    isForm(c) ? c.redirect(`${deps.basePath}/login?notice=signed_out`, 303) : c.body(null, 204);

  /** The nonce of a valid device cookie for `username`; a missing, forged or doubled one is simply not trusted. */
  const trustedDevice = (c: Context, username: string): string | undefined => {
    if (deps.devices === undefined) return undefined;
    try {
      return deps.devices.verify(readCookie(c, cookies.names.device), username);
    } catch {
      return undefined;
    }
  };

  /**
   * RATE_LIMIT_LOGIN, for anything that checks a password (sign-in and step-up). Per address
   * first (one source guessing many): a refused attempt then writes nothing for the username it
   * named, so a flood of made-up usernames from one source grows the journal by at most the
   * address's own limit. Then per username (spread-out guessing at one account), or per device
   * for a browser that signed in as this user before, so that guessing cannot lock the real user out.
   */
  const addressLimit = async (c: Context, ip: string): Promise<Decision | undefined> =>
    deps.limits === undefined ? undefined : deps.limits.limiter.check(c, deps.limits.login, `ip:${addressKey(ip)}`);
  const usernameLimit = async (c: Context, username: string, device: string | undefined): Promise<void> => {
    if (deps.limits === undefined) return;
    const { limiter, login } = deps.limits;
    await limiter.check(c, { ...login, name: 'login-user' }, device === undefined ? `user:${usernameKey(username)}` : `device:${device}`);
  };
  const signInLimits = async (c: Context, ip: string, username: string, device: string | undefined): Promise<void> => {
    await addressLimit(c, ip);
    await usernameLimit(c, username, device);
  };

  // A challenge for the sign-in's proof of work (bot/pow.ts): the page fetches one as it opens
  // and solves it while the person types; `username` (optional) lets the difficulty match what
  // that sign-in will be asked.
  app.get('/api/auth/challenge', async function challenge(c) {
    if (deps.bot === undefined) throw new AppError('not_found');
    const username = c.req.query('username');
    return c.json(await deps.bot.challenge(c, deps.clientAddress(c), username === undefined ? undefined : username.trim().slice(0, 200)));
  });

  app.post('/api/auth/login', async function login(c) {
    assertSameOrigin(c, deps.origin);
    const input = await readCredentials(c);
    const ip = deps.clientAddress(c);
    const device = trustedDevice(c, input.username);
    let issued: IssuedTokens;
    try {
      // Per address first, then the defences (which read its decision), then per username.
      const rate = await addressLimit(c, ip);
      const caught = await deps.bot?.check(c, { username: input.username, ip, fields: input.fields, form: input.form, rate });
      await usernameLimit(c, input.username, device);
      const previous = await replacedSession(c, tokens, cookies);
      issued = await service.login({
        username: input.username,
        password: input.password,
        ip,
        previous,
        ...(device === undefined ? {} : { device }),
        ...(caught === undefined ? {} : { caught }),
      });
    } catch (error) {
      // A browser without JavaScript posted the form: send it back to the page with the error.
      if (input.form && error instanceof AppError && FORM_ERRORS.has(error.code)) {
        return c.redirect(`${deps.basePath}/login?error=${error.code}`, 303);
      }
      throw withChallenge(error);
    }
    setSessionCookies(c, cookies, { access: issued.access.token, refresh: issued.refresh.token, csrf: issued.csrf, maxAge });
    if (deps.devices !== undefined) setDeviceCookie(c, cookies, deps.devices.issue(issued.user.username, device), DEVICE_COOKIE_MAX_AGE);
    if (input.form) return c.redirect(safeNext(input.next, deps.basePath), 303);
    return c.json(sessionBody(issued));
  });

  app.post('/api/auth/refresh', async function refresh(c) {
    assertSameOrigin(c, deps.origin);
    let claims: SessionClaims;
    try {
      // Inside the try: conflicting refresh cookies are a token_invalid that needs its challenge too.
      const token = readCookie(c, cookies.names.refresh);
      if (token === undefined) throw new AppError('token_missing');
      claims = await tokens.verify(token, 'refresh');
    } catch (error) {
      throw withChallenge(error);
    }
    assertCsrfMatches(await presentedCsrf(c), claims.csrf);
    let issued: IssuedTokens;
    try {
      issued = await service.refresh(claims, deps.clientAddress(c));
    } catch (error) {
      clearSessionCookies(c, cookies);
      // Hono drops headers set before a throw unless the response object already exists; create
      // it, so the error response inherits the clearing cookies (a dead session must not linger).
      void c.res;
      throw withChallenge(error);
    }
    setSessionCookies(c, cookies, { access: issued.access.token, refresh: issued.refresh.token, csrf: issued.csrf, maxAge });
    return c.json(sessionBody(issued));
  });

  // Works with an expired access token: a signed-out user must be signed out, whatever the clock says.
  app.post('/api/auth/logout', async function logout(c) {
    assertSameOrigin(c, deps.origin);
    let session: PresentedSession;
    try {
      session = await presentedSession(c, tokens, cookies);
    } catch (error) {
      throw withChallenge(error); // conflicting cookies: which session to end is unknowable
    }
    const bound = session.access ?? session.refresh;
    if (bound !== undefined) {
      assertCsrfMatches(await presentedCsrf(c), bound.csrf);
      await service.logout(session, deps.clientAddress(c));
    }
    clearSessionCookies(c, cookies);
    return signedOut(c);
  });

  app.post('/api/auth/logout-all', requireSession(deps), async function logoutAll(c) {
    const session = c.get('session');
    await service.logoutAll(session.user, deps.clientAddress(c));
    clearSessionCookies(c, cookies);
    return signedOut(c);
  });

  // Step-up (step-up.ts): the password again, for the dangerous admin actions. JSON only: the
  // page asks for it in a dialog and retries the action; a plain form has nothing to retry.
  app.post('/api/auth/step-up', requireSession(deps), async function stepUp(c) {
    const session = c.get('session');
    const { password } = await readJsonObject(c);
    if (typeof password !== 'string' || password === '' || password.length > 1024) {
      throw new AppError('bad_request', { message: 'Enter your password.', details: { field: 'password' } });
    }
    const ip = deps.clientAddress(c);
    const device = trustedDevice(c, session.user.username);
    let until: number;
    try {
      await signInLimits(c, ip, session.user.username, device);
      until = await service.stepUp({ user: session.user, familyId: session.claims.fam, password, ip, ...(device === undefined ? {} : { device }) });
    } catch (error) {
      throw withChallenge(error);
    }
    return c.json({ stepUpExpiresAt: new Date(until * 1000).toISOString() });
  });

  app.get('/api/me', requireSession(deps), function me(c) {
    const session = c.get('session');
    return c.json({ user: session.user });
  });
}
