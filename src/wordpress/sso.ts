/**
 * Single sign-on from WordPress, as one operation: verify the plugin's token (token.ts), map
 * the WordPress roles, then in one write of the shared database accept the token's jti once,
 * create or update the linked account and record the sign-in (store: signInWithWordPress).
 * Every refusal is audited. No Hono here: routes.ts adapts it to HTTP.
 */
import type { AuthService, IssuedTokens } from '../auth/service.ts';
import type { PresentedSession } from '../auth/session.ts';
import { STEP_UP_SECONDS } from '../auth/step-up.ts';
import type { AuditEntry, Role, Store, WordPressLink } from '../store/index.ts';
import { LEEWAY_SECONDS, MAX_AGE_SECONDS, SsoTokenError, type WordPressClaims } from './token.ts';

export const AUDIT_ACTION = 'sso_wordpress';

/** What the person is told (the sign-in page's `error=wordpress_<reason>`): no more than they need. */
export type SsoRefusalReason = 'invalid' | 'expired' | 'replayed' | 'clash' | 'disabled';

export class SsoRefused extends Error {
  readonly reason: SsoRefusalReason;
  constructor(reason: SsoRefusalReason, options?: { cause?: unknown }) {
    super(`WordPress sign-in refused: ${reason}`, options);
    this.name = 'SsoRefused';
    this.reason = reason;
  }
}

export interface SsoDeps {
  readonly store: Store;
  readonly auth: Pick<AuthService, 'signInVouched'>;
  readonly verify: (token: string) => Promise<WordPressClaims>;
  /** WP_SSO_ADMIN_ROLES: WordPress roles that make a dashboard admin. */
  readonly adminRoles: readonly string[];
}

export function dashboardRole(roles: readonly string[], adminRoles: readonly string[]): Role {
  return roles.some((role) => adminRoles.includes(role)) ? 'admin' : 'member';
}

/** What the token's `auth_time` did, for the audit log: only the noteworthy (a missing one is the plugin before step-up). */
function stepUpNote(claims: WordPressClaims, confirmed: boolean): string[] {
  if (confirmed) return [`step-up confirmed (WordPress password typed within ${STEP_UP_SECONDS / 60} minutes)`];
  if (claims.authTimeProblem === 'malformed' || claims.authTimeProblem === 'future') return [`auth_time ignored (${claims.authTimeProblem})`];
  return [];
}

function describe(outcome: WordPressLink, claims: WordPressClaims, role: Role, steppedUp: boolean): string {
  const wp = `WordPress user ${claims.userId}`;
  switch (outcome.kind) {
    case 'linked':
      return [
        wp,
        `role ${role}`,
        ...(outcome.created ? ['account created'] : []),
        ...(outcome.renamedFrom === null ? [] : [`renamed from ${outcome.renamedFrom}`]),
        ...stepUpNote(claims, steppedUp),
      ].join(', ');
    case 'replayed':
      return `${wp}: token used before (replay)`;
    case 'clash':
      return `${wp}: the login name is held by another account (${outcome.username}); not linked`;
    case 'disabled':
      return `${wp}: account disabled`;
  }
}

export function createSso(deps: SsoDeps) {
  const { store } = deps;

  /**
   * A failure before any account is known (a bad token, a wrong origin): audited, then refused.
   * Anyone can cause one, and each is a write of the shared database: `gate` (the sign-in limit
   * per address) runs first and throws to refuse without writing.
   */
  async function refuse(reason: SsoRefusalReason, detail: string, ip: string, gate?: () => Promise<void>, cause?: unknown): Promise<never> {
    await gate?.();
    await store.recordSsoFailure({ action: AUDIT_ACTION, outcome: 'failure', ip, detail });
    throw new SsoRefused(reason, { cause });
  }

  return {
    refuse,

    /**
     * `gate`: as for `refuse`, before a bad token's audit entry. `previous`: the session cookies
     * the browser sent, ended if the sign-in is admitted (its cookies are about to be replaced).
     */
    async signIn(token: string, ip: string, options: { gate?: () => Promise<void>; previous?: PresentedSession } = {}): Promise<IssuedTokens> {
      const { gate } = options;
      let claims: WordPressClaims;
      try {
        claims = await deps.verify(token);
      } catch (error) {
        if (!(error instanceof SsoTokenError)) throw error;
        return refuse(error.problem === 'expired' ? 'expired' : 'invalid', `token refused: ${error.problem}`, ip, gate, error);
      }
      const role = dashboardRole(claims.roles, deps.adminRoles);
      const who = { wpUserId: claims.userId, login: claims.login, displayName: claims.name, email: claims.email, role };
      // Kept until no clock could still accept the token.
      const expiresAt = Math.max(claims.exp, claims.iat + MAX_AGE_SECONDS) + LEEWAY_SECONDS;
      let outcome: WordPressLink | undefined;
      // The WordPress sign-in's login time is when its password was typed (auth/step-up.ts).
      const vouched = {
        ...(claims.authTime === null ? {} : { passwordAt: claims.authTime }),
        ...(options.previous === undefined ? {} : { previous: { session: options.previous, ip } }),
      };
      const issued = await deps.auth.signInVouched(async (family) => {
        outcome = await store.signInWithWordPress({ jti: claims.jti, expiresAt }, who, family, (result): AuditEntry => {
          const user = result.kind === 'linked' || result.kind === 'disabled' ? result.user : undefined;
          return {
            action: AUDIT_ACTION,
            outcome: result.kind === 'linked' ? 'success' : 'failure',
            actorId: user?.id ?? null,
            actor: user?.username ?? claims.login,
            target: result.kind === 'linked' ? result.user.username : null,
            ip,
            detail: describe(result, claims, role, family.stepUpUntil !== undefined),
          };
        });
        return outcome.kind === 'linked' ? outcome.user : undefined;
      }, vouched);
      const refused = (outcome as WordPressLink | undefined)?.kind;
      if (issued === undefined) throw new SsoRefused(refused === undefined || refused === 'linked' ? 'invalid' : refused);
      return issued;
    },
  };
}

export type Sso = ReturnType<typeof createSso>;
