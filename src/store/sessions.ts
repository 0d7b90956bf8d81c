/**
 * Sessions: refresh-token families and revoked access-token ids. Rotation, reuse detection and
 * revocation happen inside one locked write, so two processes can never both rotate the same
 * refresh token.
 */
import type { Query } from '../db/query.ts';
import { insertAudit, type AuditEntry } from './audit.ts';
import { USER_COLUMNS, publicUser, toUser, type User, type UserRow } from './users.ts';

export interface NewFamily {
  readonly id: string;
  readonly userId: number;
  readonly csrf: string;
  readonly jti: string;
  readonly expiresAt: number;
  /**
   * A sign-in that starts already confirmed (auth/step-up.ts): WordPress vouched that the password
   * was typed moments ago. Seconds; absent for an ordinary sign-in.
   */
  readonly stepUpUntil?: number;
  /**
   * The sign-in this browser held until now, whose cookies the new one overwrites: ended in the
   * same write, so that a copy of its tokens taken earlier (a stolen cookie) dies with it.
   * `audit` is written only when it was still live.
   */
  readonly replaces?: { readonly session: EndedSignIn; readonly audit: AuditEntry };
}

/** A sign-in to end: its refresh-token family, and the access token in use if there is one. */
export interface EndedSignIn {
  readonly familyId: string;
  readonly accessJti?: string;
  readonly accessExpiresAt?: number;
}

export type RotateOutcome =
  | { readonly kind: 'rotated'; readonly csrf: string }
  /** The previous token, used again within the grace window (another tab): answer with the current one. */
  | { readonly kind: 'grace'; readonly csrf: string; readonly currentJti: string; readonly expiresAt: number }
  /** An old token used again: theft is assumed and the whole family is now revoked. */
  | { readonly kind: 'reuse' }
  | { readonly kind: 'revoked' };

export interface RotateRequest {
  readonly familyId: string;
  readonly userId: number;
  readonly presentedJti: string;
  readonly newJti: string;
  readonly expiresAt: number;
  readonly now: number;
  readonly graceSeconds: number;
}

type FamilyRow = {
  user_id: number;
  csrf: string;
  current_jti: string;
  previous_jti: string | null;
  rotated_at: number;
  expires_at: number;
  revoked_at: number | null;
};

export function insertFamily(q: Query, family: NewFamily, now: number): void {
  q.run(
    `INSERT INTO refresh_families (id, user_id, csrf, current_jti, previous_jti, rotated_at, expires_at, created_at, step_up_until)
     VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)`,
    [family.id, family.userId, family.csrf, family.jti, now, family.expiresAt, now, family.stepUpUntil ?? null],
  );
}

export function rotateFamily(q: Query, request: RotateRequest): RotateOutcome {
  const row = q.get<FamilyRow>(
    'SELECT user_id, csrf, current_jti, previous_jti, rotated_at, expires_at, revoked_at FROM refresh_families WHERE id = ?',
    [request.familyId],
  );
  if (row === undefined || row.revoked_at !== null || row.user_id !== request.userId || row.expires_at <= request.now) {
    return { kind: 'revoked' };
  }
  if (row.current_jti === request.presentedJti) {
    q.run('UPDATE refresh_families SET previous_jti = current_jti, current_jti = ?, rotated_at = ?, expires_at = ? WHERE id = ?', [
      request.newJti,
      request.now,
      request.expiresAt,
      request.familyId,
    ]);
    return { kind: 'rotated', csrf: row.csrf };
  }
  if (row.previous_jti === request.presentedJti && request.now - row.rotated_at <= request.graceSeconds) {
    return { kind: 'grace', csrf: row.csrf, currentJti: row.current_jti, expiresAt: row.expires_at };
  }
  revokeFamily(q, request.familyId, request.now, 'reuse');
  return { kind: 'reuse' };
}

export function revokeFamily(q: Query, familyId: string, now: number, reason: string): boolean {
  // The step-up goes with the sign-in: a revoked family must never count as confirmed.
  return q.run('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ?, step_up_until = NULL WHERE id = ? AND revoked_at IS NULL', [
    now,
    reason,
    familyId,
  ]).changes > 0;
}

/** Records a step-up on a live sign-in of this user; false when there is none (ended, expired, someone else's). */
export function confirmStepUp(q: Query, familyId: string, userId: number, now: number, until: number): boolean {
  return q.run('UPDATE refresh_families SET step_up_until = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?', [
    until,
    familyId,
    userId,
    now,
  ]).changes > 0;
}

export function revokeUserFamilies(q: Query, userId: number, now: number, reason: string): number {
  return q.run('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ?, step_up_until = NULL WHERE user_id = ? AND revoked_at IS NULL', [
    now,
    reason,
    userId,
  ]).changes;
}

export function revokeJti(q: Query, jti: string, expiresAt: number): void {
  q.run('INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)', [jti, expiresAt]);
}

/** Ends one sign-in: its family, and its access token until that expires. True when the family was still live. */
export function endSignIn(q: Query, session: EndedSignIn, now: number, reason: string): boolean {
  const ended = revokeFamily(q, session.familyId, now, reason);
  if (session.accessJti !== undefined && session.accessExpiresAt !== undefined && session.accessExpiresAt > now) {
    revokeJti(q, session.accessJti, session.accessExpiresAt);
  }
  return ended;
}

/** Records a new sign-in, ending the one it replaces in this browser (NewFamily.replaces). */
export function startFamily(q: Query, family: NewFamily, now: number): void {
  const { replaces } = family;
  if (replaces !== undefined && endSignIn(q, replaces.session, now, 'replaced')) insertAudit(q, replaces.audit, now);
  insertFamily(q, family, now);
}

/** Useless rows: revocations of tokens that have expired anyway, and ended families. */
export function purgeExpired(q: Query, now: number): { revocations: number; families: number } {
  const revocations = q.run('DELETE FROM revoked_tokens WHERE expires_at < ?', [now]).changes;
  const families = q.run('DELETE FROM refresh_families WHERE expires_at < ? OR revoked_at < ?', [now, now - 86_400]).changes;
  return { revocations, families };
}

export interface SessionState {
  readonly user: User;
  readonly jtiRevoked: boolean;
  readonly familyRevoked: boolean;
  /** Seconds: until when this sign-in's step-up confirmation holds (null: never confirmed, or the sign-in ended). */
  readonly stepUpUntil: number | null;
  /** No dashboard password (a WordPress-linked account): step-up can only come through WordPress. */
  readonly passwordless: boolean;
}

/** Everything an authenticated request must check, in one statement (the hot path). */
export function sessionState(q: Query, userId: number, jti: string, familyId: string): SessionState | undefined {
  const row = q.get<UserRow & { jti_revoked: number; family_ok: number; step_up_until: number | null }>(
    `SELECT ${USER_COLUMNS},
            EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = ?) AS jti_revoked,
            EXISTS (SELECT 1 FROM refresh_families WHERE id = ? AND revoked_at IS NULL) AS family_ok,
            (SELECT step_up_until FROM refresh_families WHERE id = ? AND user_id = users.id AND revoked_at IS NULL) AS step_up_until
       FROM users WHERE id = ?`,
    [jti, familyId, familyId, userId],
  );
  if (row === undefined) return undefined;
  return {
    user: publicUser(toUser(row)),
    jtiRevoked: row.jti_revoked !== 0,
    familyRevoked: row.family_ok === 0,
    stepUpUntil: row.step_up_until,
    passwordless: row.password_hash === null,
  };
}
