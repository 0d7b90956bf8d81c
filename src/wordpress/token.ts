/**
 * The single-sign-on token the WordPress plugin (deploy/wordpress/dashboard-sso.php) signs:
 * HS256 with WP_SSO_SECRET, `iss` the WordPress site's URL (WP_URL), `aud` `dashboard`, `sub`
 * the WordPress user id, `login`, `email`, `name`, `roles`, `iat`, `exp` at most 60 s later,
 * a random `jti` (DESIGN.md, "WordPress plugin contract"), and `auth_time`, when that WordPress
 * sign-in typed its password (it may confirm step-up, src/auth/step-up.ts). The algorithm is pinned (no
 * `none`, no RS256-with-the-secret-as-public-key confusion), and a token lives at most
 * MAX_AGE_SECONDS whatever its `exp` says. Failures carry a short reason for the audit log;
 * the person is told less (routes.ts).
 */
import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';

export const AUDIENCE = 'dashboard';
/** The plugin's tokens live 60 s: long enough for a slow network, too short to be worth stealing. */
export const MAX_AGE_SECONDS = 60;
/** Clock difference tolerated between the WordPress server and this one. */
export const LEEWAY_SECONDS = 10;

export interface WordPressClaims {
  /** The WordPress user id. */
  readonly userId: number;
  readonly login: string;
  readonly email: string | null;
  readonly name: string;
  readonly roles: readonly string[];
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /**
   * `auth_time`, the WordPress sign-in's login time (seconds), checked strictly: a whole number
   * not after the token was made (nor after now), beyond the leeway. Null when it cannot be used,
   * and `authTimeProblem` says why: the sign-in goes ahead, only without step-up.
   */
  readonly authTime: number | null;
  readonly authTimeProblem: AuthTimeProblem | null;
}

export type AuthTimeProblem = 'missing' | 'malformed' | 'future';

/** Why a token was refused: for the audit log, never for the visitor. */
export type TokenProblem = 'malformed' | 'signature' | 'algorithm' | 'expired' | 'future' | 'issuer' | 'audience' | 'claims';

export class SsoTokenError extends Error {
  readonly problem: TokenProblem;
  constructor(problem: TokenProblem, options?: { cause?: unknown }) {
    super(`WordPress sign-in token refused: ${problem}`, options);
    this.name = 'SsoTokenError';
    this.problem = problem;
  }
}

export interface TokenVerifierOptions {
  /** WP_SSO_SECRET: the HMAC key as the plugin uses it, the constant's bytes. */
  readonly secret: string;
  /** WP_URL, as config normalises it (no trailing slash). */
  readonly issuer: string;
  /** Seconds. */
  readonly now: () => number;
}

/** `https://Example.org/` and `https://example.org` are one site; anything unparsable is no site. */
function sameSite(a: string, b: string): boolean {
  const normal = (text: string): string | undefined => {
    try {
      return new URL(text).href.replace(/\/+$/, '');
    } catch {
      return undefined;
    }
  };
  const left = normal(a);
  return left !== undefined && left === normal(b);
}

export function createTokenVerifier(options: TokenVerifierOptions): (token: string) => Promise<WordPressClaims> {
  let key: Promise<webcrypto.CryptoKey> | undefined;
  const hmacKey = (): Promise<webcrypto.CryptoKey> =>
    (key ??= webcrypto.subtle.importKey('raw', Buffer.from(options.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));

  return async function verifyWordPressToken(token) {
    if (token.length > 8192 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new SsoTokenError('malformed');
    const now = options.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await hmacKey(), {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        clockTolerance: LEEWAY_SECONDS,
        maxTokenAge: MAX_AGE_SECONDS,
        currentDate: new Date(now * 1000),
        requiredClaims: ['iss', 'sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      throw new SsoTokenError(problemOf(error), { cause: error });
    }
    if (typeof payload.iss !== 'string' || !sameSite(payload.iss, options.issuer)) throw new SsoTokenError('issuer');
    const claims = toClaims(payload);
    if (claims === undefined) throw new SsoTokenError('claims');
    if (claims.iat > now + LEEWAY_SECONDS) throw new SsoTokenError('future');
    // The plugin never signs a longer life; a token that claims one was not made by it.
    if (claims.exp - claims.iat > MAX_AGE_SECONDS) throw new SsoTokenError('claims');
    if (claims.authTime !== null && claims.authTime > Math.min(claims.iat, now) + LEEWAY_SECONDS) {
      return { ...claims, authTime: null, authTimeProblem: 'future' };
    }
    return claims;
  };
}

function problemOf(error: unknown): TokenProblem {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    // (An `iat` too far in the past is a JWTExpired, above.)
    if ((error.claim === 'iat' && error.reason === 'check_failed') || error.claim === 'nbf') return 'future';
    return 'claims';
  }
  return 'malformed';
}

function toClaims(payload: JWTPayload): WordPressClaims | undefined {
  const { sub, jti, iat, exp } = payload;
  const { login, email, name, roles, auth_time: authTime } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || !/^[1-9]\d{0,15}$/.test(sub) || !Number.isSafeInteger(Number(sub))) return undefined;
  if (typeof jti !== 'string' || jti.length < 16 || jti.length > 128 || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  // WordPress logins: at most 60 characters, no control characters (sanitize_user keeps them tame).
  if (typeof login !== 'string' || login.trim() === '' || login.length > 60 || /[\u0000-\u001f\u007f]/.test(login)) return undefined;
  if (email !== undefined && email !== null && email !== '' && (typeof email !== 'string' || email.length > 254)) return undefined;
  if (name !== undefined && (typeof name !== 'string' || name.length > 250)) return undefined;
  if (!Array.isArray(roles) || roles.length > 50 || roles.some((role) => typeof role !== 'string' || role.length > 100)) return undefined;
  return {
    userId: Number(sub),
    login: login.trim(),
    email: typeof email === 'string' && email !== '' ? email : null,
    name: typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 100) : login.trim(),
    roles: roles as string[],
    jti,
    iat,
    exp,
    ...readAuthTime(authTime),
  };
}

function readAuthTime(value: unknown): Pick<WordPressClaims, 'authTime' | 'authTimeProblem'> {
  if (value === undefined) return { authTime: null, authTimeProblem: 'missing' };
  // Seconds as PHP's time() gives them: no fractions, no strings, nothing before 1970.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return { authTime: null, authTimeProblem: 'malformed' };
  return { authTime: value, authTimeProblem: null };
}
