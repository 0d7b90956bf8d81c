/**
 * Single sign-on from WordPress (src/wordpress/): the SQL behind one atomic intent. A token's
 * jti is accepted once, in the shared database, so a token replayed to any process is refused;
 * the account is found by the WordPress user id it is linked to, so a login name changed in
 * WordPress renames the account instead of making a second one; a name already held by another
 * account is refused, never merged.
 */
import type { Query } from '../db/query.ts';
import { USER_COLUMNS, findUserByUsername, insertUser, toUser, updateUser, type Role, type UserRow, type UserWithHash } from './users.ts';

/** Who WordPress vouched for, already mapped to the dashboard's terms. */
export interface WordPressIdentity {
  readonly wpUserId: number;
  readonly login: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly role: Role;
}

export type WordPressLink =
  | { readonly kind: 'linked'; readonly user: UserWithHash; readonly created: boolean; readonly renamedFrom: string | null }
  /** This token was accepted before (here or in another process). */
  | { readonly kind: 'replayed' }
  /** Another account already holds this login name. */
  | { readonly kind: 'clash'; readonly username: string }
  | { readonly kind: 'disabled'; readonly user: UserWithHash };

/** Records `jti` as used; false if it already was. */
export function consumeSsoToken(q: Query, jti: string, expiresAt: number): boolean {
  return q.run('INSERT OR IGNORE INTO sso_tokens_used (jti, expires_at) VALUES (?, ?)', [jti, expiresAt]).changes === 1;
}

export function findUserByWordPressId(q: Query, wpUserId: number): UserWithHash | undefined {
  const row = q.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE wp_user_id = ?`, [wpUserId]);
  return row === undefined ? undefined : toUser(row);
}

/** Creates, or brings up to date, the account linked to this WordPress user. */
export function linkWordPressUser(q: Query, who: WordPressIdentity, now: number): WordPressLink {
  const linked = findUserByWordPressId(q, who.wpUserId);
  if (linked?.disabled === true) return { kind: 'disabled', user: linked };
  const holder = findUserByUsername(q, who.login);
  if (holder !== undefined && holder.id !== linked?.id) return { kind: 'clash', username: holder.username };
  if (linked === undefined) {
    const user = insertUser(
      q,
      { username: who.login, displayName: who.displayName, email: who.email, role: who.role, passwordHash: null, source: 'wordpress', wpUserId: who.wpUserId },
      now,
    );
    return { kind: 'linked', user, created: true, renamedFrom: null };
  }
  const renamed = linked.username !== who.login;
  // WordPress is where these people are managed: its name, email and role win at each sign-in.
  const user = updateUser(
    q,
    linked.id,
    {
      ...(renamed ? { username: who.login } : {}),
      displayName: who.displayName,
      email: who.email,
      role: who.role,
    },
    now,
  )!;
  return { kind: 'linked', user, created: false, renamedFrom: renamed ? linked.username : null };
}

export function purgeSsoTokens(q: Query, now: number): number {
  return q.run('DELETE FROM sso_tokens_used WHERE expires_at < ?', [now]).changes;
}
