/**
 * Access and refresh tokens: HS256 JWTs (jose) with the algorithm pinned, `iss`/`aud` checked,
 * a small leeway for clock skew, and `type` checked so neither can stand in for the other.
 * The HMAC key is derived from SECRET_KEY for this one purpose (HKDF) and imported once as a
 * CryptoKey; tokens carry a `kid` so SECRET_KEY_PREVIOUS still verifies during a rotation.
 * A verified token is remembered until it expires: signature checks dominate the cost of an
 * authenticated request, while revocation is still checked on every request by the caller.
 */
import { createHash, hkdfSync, webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { AppError } from '../http/errors.ts';

export type TokenType = 'access' | 'refresh';

export interface SessionClaims {
  /** User id. */
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly type: TokenType;
  /** The CSRF value bound to this session (signed double submit). */
  readonly csrf: string;
  /** The user's session version when issued; "sign out everywhere" bumps it. */
  readonly sv: number;
  /** Refresh-token family (one per sign-in). */
  readonly fam: string;
}

export interface TokenOptions {
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly accessTtl: number;
  readonly refreshTtl: number;
  /** Seconds. */
  readonly now: () => number;
  readonly leewaySeconds?: number;
  readonly issuer?: string;
  readonly cacheSize?: number;
}

const ISSUER = 'members-dashboard';
const AUDIENCE = 'members-dashboard';

interface Key {
  readonly kid: string;
  /** Imported on first use: Web Crypto's set-up is not worth paying for at every cold start. */
  key(): Promise<webcrypto.CryptoKey>;
}

function deriveKey(secret: string): Key {
  const raw = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'members-dashboard', 'jwt-hs256', 32));
  let imported: Promise<webcrypto.CryptoKey> | undefined;
  return {
    kid: createHash('sha256').update(raw).digest('base64url').slice(0, 8),
    key: () => (imported ??= webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])),
  };
}

export class TokenService {
  readonly #current: Key;
  readonly #keys: Map<string, Key>;
  readonly #options: TokenOptions;
  readonly #leeway: number;
  readonly #cache = new Map<string, SessionClaims>();
  readonly #cacheSize: number;

  constructor(options: TokenOptions) {
    this.#options = options;
    this.#leeway = options.leewaySeconds ?? 5;
    this.#cacheSize = options.cacheSize ?? 10_000;
    this.#current = deriveKey(options.secret);
    this.#keys = new Map([[this.#current.kid, this.#current]]);
    if (options.previousSecret !== null) {
      const previous = deriveKey(options.previousSecret);
      this.#keys.set(previous.kid, previous);
    }
  }

  get accessTtl(): number {
    return this.#options.accessTtl;
  }
  get refreshTtl(): number {
    return this.#options.refreshTtl;
  }
  /** Seconds: the clock tokens are judged by, which the session's other time limits share (a step-up's). */
  now(): number {
    return this.#options.now();
  }

  async sign(claims: Omit<SessionClaims, 'iat' | 'exp'> & { exp?: number }): Promise<{ token: string; exp: number }> {
    const iat = this.#options.now();
    const exp = claims.exp ?? iat + (claims.type === 'access' ? this.#options.accessTtl : this.#options.refreshTtl);
    const token = await new SignJWT({ type: claims.type, csrf: claims.csrf, sv: claims.sv, fam: claims.fam })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: this.#current.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.#current.key());
    return { token, exp };
  }

  /**
   * Verifies signature, algorithm, issuer, audience, age and type. Throws `AppError`:
   * `token_expired` (the client should refresh) or `token_invalid`. With `allowExpired`, an
   * expired but otherwise valid token is accepted (logout must work after expiry).
   */
  async verify(token: string, type: TokenType, options: { allowExpired?: boolean } = {}): Promise<SessionClaims> {
    const now = this.#options.now();
    const ttl = type === 'access' ? this.#options.accessTtl : this.#options.refreshTtl;
    const cached = this.#cache.get(token);
    if (cached !== undefined && cached.type === type) {
      // The same bounds as jwtVerify below: `exp`, and the age from `iat` whatever `exp` says.
      if (options.allowExpired === true || (cached.exp + this.#leeway > now && now - cached.iat <= ttl + this.#leeway)) return cached;
      this.#cache.delete(token);
      throw new AppError('token_expired');
    }
    // A JWT is three base64url parts; anything longer than a cookie can hold is not ours.
    if (token.length > 4096 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) throw new AppError('token_invalid');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.#keyFor(header.kid), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: options.allowExpired === true ? Number.MAX_SAFE_INTEGER : this.#leeway,
        // Also rejects an `iat` in the future, and bounds a token's life whatever its `exp` says
        // (jose adds clockTolerance to maxTokenAge: the bound is ttl + leeway, as for `exp`).
        maxTokenAge: options.allowExpired === true ? undefined : ttl,
        currentDate: new Date(now * 1000),
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AppError('token_expired', { cause: error });
      throw new AppError('token_invalid', { cause: error });
    }
    const claims = toClaims(payload);
    if (claims === undefined || claims.type !== type) throw new AppError('token_invalid');
    if (claims.iat > now + this.#leeway) throw new AppError('token_invalid');
    if (options.allowExpired !== true) this.#remember(token, claims);
    return claims;
  }

  async #keyFor(kid: string | undefined): Promise<webcrypto.CryptoKey> {
    const key = kid === undefined ? undefined : this.#keys.get(kid);
    if (key === undefined) throw new AppError('token_invalid');
    return key.key();
  }

  #remember(token: string, claims: SessionClaims): void {
    if (this.#cache.size >= this.#cacheSize) {
      // Evict the oldest entry (Map keeps insertion order).
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(token, claims);
  }
}

function toClaims(payload: JWTPayload): SessionClaims | undefined {
  const { sub, jti, iat, exp } = payload;
  const { type, csrf, sv, fam } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || !/^\d{1,12}$/.test(sub)) return undefined;
  if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if ((type !== 'access' && type !== 'refresh') || typeof csrf !== 'string' || typeof fam !== 'string') return undefined;
  if (typeof sv !== 'number' || !Number.isInteger(sv)) return undefined;
  return { sub, jti, iat, exp, type, csrf, sv, fam };
}
