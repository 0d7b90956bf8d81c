/**
 * Sign-in, refresh rotation and sign-out, as operations on the store and the token service.
 * No Hono here: routes.ts adapts these to HTTP.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../http/errors.ts';
import type { AuditEntry, EndedSignIn, NewFamily, Store, UserWithHash } from '../store/index.ts';
import type { FormProblem } from '../bot/form-token.ts';
import { lockoutKeys, waitSeconds, type LockoutKeys } from '../bot/lockout.ts';
import { hashPassword, jittered, needsRehash, typicalVerifyMs, verifyPassword } from './password.ts';
import type { PresentedSession, SessionUser } from './session.ts';
import { STEP_UP_SECONDS } from './step-up.ts';
import type { SessionClaims, TokenService } from './tokens.ts';

export interface AuthServiceDeps {
  readonly store: Store;
  readonly tokens: TokenService;
  /** Seconds. */
  readonly now: () => number;
  readonly randomId?: () => string;
  /** Two tabs refreshing at once both present the same refresh token: the second is honoured this long. */
  readonly graceSeconds?: number;
  /**
   * Start-up work a sign-in must not overtake: the first admin from ADMIN_USERNAME is created
   * just after the process starts listening, and a sign-in a moment earlier would be told the
   * account does not exist. Never rejects.
   */
  readonly startup?: Promise<void>;
  /**
   * How a sign-in the bot gate caught waits out a wrong password's time (login's `caught`): a
   * timer when omitted. `wrongPasswordMs`: password.ts typicalVerifyMs; `random`: Math.random
   * (the jitter guards no secret).
   */
  readonly refusalWait?: {
    readonly pause?: (ms: number) => Promise<void>;
    readonly wrongPasswordMs?: () => number;
    readonly random?: () => number;
  };
}

export interface IssuedTokens {
  readonly user: SessionUser;
  readonly csrf: string;
  readonly access: { readonly token: string; readonly exp: number };
  readonly refresh: { readonly token: string; readonly exp: number };
}

/** One sign-in's ids: its refresh-token family, CSRF value and first refresh token. */
interface SignInFamily {
  readonly id: string;
  readonly csrf: string;
  readonly refreshJti: string;
  readonly refreshExp: number;
}

const newId = (): string => randomBytes(16).toString('base64url');

/** The sign-in behind presented cookies, to end: its family, and its access token if that was presented. */
function signInOf(session: PresentedSession): { ended: EndedSignIn; userId: number } | undefined {
  const claims = session.access ?? session.refresh;
  if (claims === undefined) return undefined;
  const { access } = session;
  return {
    ended: { familyId: claims.fam, ...(access === undefined ? {} : { accessJti: access.jti, accessExpiresAt: access.exp }) },
    userId: Number(claims.sub),
  };
}

/**
 * A new sign-in overwrites the browser's cookies: the sign-in they held (`previous`) is ended with
 * it (NewFamily.replaces), whoever it belonged to, so that a copy of them taken earlier dies too.
 */
function replacing(previous: PresentedSession | undefined, ip: string): Pick<NewFamily, 'replaces'> {
  const old = previous === undefined ? undefined : signInOf(previous);
  if (old === undefined) return {};
  const audit: AuditEntry = { action: 'logout', outcome: 'success', actorId: old.userId, ip, detail: 'replaced by a new sign-in in the same browser' };
  return { replaces: { session: old.ended, audit } };
}

export function toSessionUser(user: UserWithHash | SessionUser): SessionUser {
  return { id: user.id, username: user.username, displayName: user.displayName, email: user.email, role: user.role };
}

export function createAuthService(deps: AuthServiceDeps) {
  const { store, tokens, now } = deps;
  const randomId = deps.randomId ?? newId;
  const grace = deps.graceSeconds ?? 30;
  const pause = deps.refusalWait?.pause ?? ((ms: number) => sleep(ms));
  const wrongPasswordMs = deps.refusalWait?.wrongPasswordMs ?? typicalVerifyMs;
  const random = deps.refusalWait?.random ?? Math.random;

  async function issue(user: UserWithHash, family: SignInFamily): Promise<IssuedTokens> {
    const base = { sub: String(user.id), csrf: family.csrf, sv: user.sessionVersion, fam: family.id };
    const [access, refresh] = await Promise.all([
      tokens.sign({ ...base, type: 'access', jti: randomId() }),
      tokens.sign({ ...base, type: 'refresh', jti: family.refreshJti, exp: family.refreshExp }),
    ]);
    return { user: toSessionUser(user), csrf: family.csrf, access, refresh };
  }

  /** Checked before the password: a locked-out guess costs no scrypt, and says nothing about the account. */
  async function assertNotLockedOut(keys: LockoutKeys): Promise<void> {
    const wait = waitSeconds(await store.loginFailures([keys.pair, keys.user]), keys, now());
    if (wait > 0) {
      throw new AppError('rate_limited', {
        message: 'Too many failed sign-in attempts. Please wait a moment before trying again.',
        headers: { 'Retry-After': String(wait) },
        details: { retryAfter: wait },
      });
    }
  }

  const newFamily = (): SignInFamily => ({ id: randomId(), csrf: randomId(), refreshJti: randomId(), refreshExp: now() + tokens.refreshTtl });

  return {
    /**
     * A sign-in vouched for elsewhere (WordPress single sign-on, src/wordpress/): `admit` records
     * the new sign-in (`family`, the store's `NewFamily` without its user) in the same write as
     * whatever it checks, and returns the user, or undefined to refuse (and then so does this).
     * The tokens are those of a password sign-in. `passwordAt` (seconds): when the voucher saw
     * the password typed; within STEP_UP_SECONDS it confirms step-up for this sign-in
     * (step-up.ts), until `passwordAt` + STEP_UP_SECONDS, as if it had been typed here then.
     * `previous`: the session cookies the browser sent, ended if the sign-in is admitted.
     */
    async signInVouched(
      admit: (family: Omit<NewFamily, 'userId'>) => Promise<UserWithHash | undefined>,
      options: { passwordAt?: number | undefined; previous?: { readonly session: PresentedSession; readonly ip: string } } = {},
    ): Promise<IssuedTokens | undefined> {
      await deps.startup;
      const family = newFamily();
      // Never later than now: a voucher's clock a little ahead must not stretch the window.
      const stepUpUntil = options.passwordAt === undefined ? undefined : Math.min(options.passwordAt, now()) + STEP_UP_SECONDS;
      const user = await admit({
        id: family.id,
        csrf: family.csrf,
        jti: family.refreshJti,
        expiresAt: family.refreshExp,
        ...(stepUpUntil !== undefined && stepUpUntil > now() ? { stepUpUntil } : {}),
        ...(options.previous === undefined ? {} : replacing(options.previous.session, options.previous.ip)),
      });
      return user === undefined ? undefined : issue(user, family);
    },

    /**
     * `device`: the nonce of a valid device cookie for this username (device.ts), if any.
     * `previous`: the session cookies the browser sent, ended if the sign-in succeeds.
     * `caught`: the bot gate's verdict on the form (bot/signin.ts): refused as a wrong password
     * would be, after the lockout and as late, but without the hash's work, whatever the password.
     */
    async login(input: {
      username: string;
      password: string;
      ip: string;
      device?: string;
      previous?: PresentedSession;
      caught?: FormProblem;
    }): Promise<IssuedTokens> {
      await deps.startup;
      const keys = lockoutKeys(input.username, input.ip, input.device);
      await assertNotLockedOut(keys);
      const user = await store.userByUsername(input.username);
      // Always verify, even with no user: the time taken must not reveal which usernames exist.
      // A caught form waits as long on a timer instead: a flood of them must not cost hashes.
      const ok =
        input.caught === undefined
          ? await verifyPassword(input.password, user?.passwordHash)
          : await pause(jittered(wrongPasswordMs(), random)).then(() => false);
      const audit = { action: 'login', actor: input.username.slice(0, 100), ip: input.ip };
      if (!ok || user === undefined || user.disabled) {
        await store.recordLoginFailure([keys.pair, keys.user, keys.address], {
          ...audit,
          actorId: user?.id ?? null,
          outcome: 'failure',
          detail: input.caught !== undefined ? `refused: ${input.caught}` : user?.disabled ? 'disabled' : 'bad credentials',
        });
        throw new AppError('invalid_credentials');
      }
      const family = newFamily();
      const rehash = user.passwordHash !== null && needsRehash(user.passwordHash) ? await hashPassword(input.password) : undefined;
      await store.startSession(
        { id: family.id, userId: user.id, csrf: family.csrf, jti: family.refreshJti, expiresAt: family.refreshExp, ...replacing(input.previous, input.ip) },
        { userId: user.id, clearFailures: [keys.pair, keys.user], ...(rehash === undefined ? {} : { passwordHash: rehash }) },
        { ...audit, actor: user.username, actorId: user.id, outcome: 'success', detail: rehash === undefined ? null : 'password hash upgraded' },
      );
      return issue(user, family);
    },

    /** `claims` are the refresh token's, already verified by the caller (with CSRF). */
    async refresh(claims: SessionClaims, ip: string): Promise<IssuedTokens> {
      const user = await store.userById(Number(claims.sub));
      if (user === undefined || user.disabled || user.sessionVersion !== claims.sv) throw new AppError('token_revoked');
      const newJti = randomId();
      const refreshExp = now() + tokens.refreshTtl;
      const who = { actorId: user.id, actor: user.username, ip };
      const outcome = await store.rotateSession(
        { familyId: claims.fam, userId: user.id, presentedJti: claims.jti, newJti, expiresAt: refreshExp, now: now(), graceSeconds: grace },
        (result): AuditEntry | undefined =>
          result.kind === 'reuse'
            ? { ...who, action: 'refresh_reuse', outcome: 'alarm', detail: 'a used refresh token was presented again: every session of this sign-in ended' }
            : undefined,
      );
      switch (outcome.kind) {
        case 'rotated':
          return issue(user, { id: claims.fam, csrf: outcome.csrf, refreshJti: newJti, refreshExp });
        case 'grace':
          return issue(user, { id: claims.fam, csrf: outcome.csrf, refreshJti: outcome.currentJti, refreshExp: outcome.expiresAt });
        case 'reuse':
        case 'revoked':
          throw new AppError('token_revoked');
      }
    },

    async logout(session: PresentedSession, ip: string): Promise<void> {
      const old = signInOf(session);
      if (old === undefined) return;
      await store.endSession(old.ended, { action: 'logout', actorId: old.userId, ip, outcome: 'success' });
    },

    /**
     * Step-up (step-up.ts): the signed-in user's password again, for this sign-in (`familyId`).
     * Counted like a sign-in by the lockout (and by the routes' limits), so it is no better an
     * oracle for guessing the password than the sign-in form. Returns until when it holds.
     */
    async stepUp(input: { user: SessionUser; familyId: string; password: string; ip: string; device?: string }): Promise<number> {
      const keys = lockoutKeys(input.user.username, input.ip, input.device);
      await assertNotLockedOut(keys);
      const user = await store.userById(input.user.id);
      if (user === undefined || user.disabled) throw new AppError('token_revoked');
      if (user.passwordHash === null) {
        // WordPress-linked accounts confirm through WordPress (step-up.ts), never here.
        throw new AppError('forbidden', {
          message: 'This account signs in through WordPress: confirm it\u2019s you with WordPress instead.',
          details: { method: 'wordpress' },
        });
      }
      const audit = { action: 'step_up', actorId: user.id, actor: user.username, ip: input.ip };
      if (!(await verifyPassword(input.password, user.passwordHash))) {
        await store.recordLoginFailure([keys.pair, keys.user, keys.address], { ...audit, outcome: 'failure', detail: 'wrong password' });
        throw new AppError('invalid_credentials', { message: 'That password is not right.' });
      }
      const until = now() + STEP_UP_SECONDS;
      const recorded = await store.confirmStepUp({ familyId: input.familyId, userId: user.id, until, clearFailures: [keys.pair, keys.user] }, {
        ...audit,
        outcome: 'success',
        detail: `for ${STEP_UP_SECONDS / 60} minutes`,
      });
      if (!recorded) throw new AppError('token_revoked');
      return until;
    },

    async logoutAll(user: SessionUser, ip: string): Promise<void> {
      await store.endAllSessions(user.id, { action: 'logout_all', actorId: user.id, actor: user.username, ip, outcome: 'success' });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
