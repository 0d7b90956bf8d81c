/** Users: SQL for one table, used inside the store's reads and atomic writes. */
import type { Query } from '../db/query.ts';

export type Role = 'admin' | 'member';

export interface User {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly role: Role;
  readonly disabled: boolean;
  readonly sessionVersion: number;
  /** `local`, or `wordpress` for an account made by single sign-on (src/wordpress/). */
  readonly source: string;
  /** The WordPress user id a single-sign-on account is linked to; null for local accounts. */
  readonly wpUserId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastLoginAt: number | null;
}

export interface UserWithHash extends User {
  readonly passwordHash: string | null;
}

export interface NewUser {
  readonly username: string;
  readonly displayName?: string;
  readonly email?: string | null;
  readonly role: Role;
  readonly passwordHash: string | null;
  readonly source?: string;
  readonly wpUserId?: number | null;
}

export class UserExistsError extends Error {
  constructor() {
    super('a user with that username already exists');
    this.name = 'UserExistsError';
  }
}

/** Case-insensitive identity: `Alice`, `alice` and `ALİCE`-style compatibility forms are one user. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

export const USER_COLUMNS =
  'id, username, display_name, email, role, disabled, session_version, source, wp_user_id, created_at, updated_at, last_login_at, password_hash';

export type UserRow = {
  id: number;
  username: string;
  display_name: string;
  email: string | null;
  role: string;
  disabled: number;
  session_version: number;
  source: string;
  wp_user_id: number | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  password_hash: string | null;
};

export function toUser(row: UserRow): UserWithHash {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    role: row.role === 'admin' ? 'admin' : 'member',
    disabled: row.disabled !== 0,
    sessionVersion: row.session_version,
    source: row.source,
    wpUserId: row.wp_user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
    passwordHash: row.password_hash,
  };
}

/** Strips the hash: what leaves the store for pages and the API. */
export function publicUser(user: UserWithHash): User {
  const { passwordHash: _omitted, ...rest } = user;
  return rest;
}

export function findUserByUsername(q: Query, username: string): UserWithHash | undefined {
  const row = q.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username_key = ?`, [usernameKey(username)]);
  return row === undefined ? undefined : toUser(row);
}

export function findUserById(q: Query, id: number): UserWithHash | undefined {
  const row = q.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]);
  return row === undefined ? undefined : toUser(row);
}

export function listUsers(q: Query): User[] {
  return q.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY username_key`).map((row) => publicUser(toUser(row)));
}

export function countUsers(q: Query): number {
  return Number(q.get<{ n: number }>('SELECT count(*) AS n FROM users')?.n ?? 0);
}

export function insertUser(q: Query, user: NewUser, now: number): UserWithHash {
  if (findUserByUsername(q, user.username) !== undefined) throw new UserExistsError();
  q.run(
    `INSERT INTO users (username, username_key, display_name, email, role, password_hash, source, wp_user_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      user.username,
      usernameKey(user.username),
      user.displayName?.trim() || user.username,
      user.email ?? null,
      user.role,
      user.passwordHash,
      user.source ?? 'local',
      user.wpUserId ?? null,
      now,
      now,
    ],
  );
  return findUserByUsername(q, user.username)!;
}

export interface UserChanges {
  /** A new login name (single sign-on follows a rename in WordPress); the caller checks it is free. */
  readonly username?: string;
  readonly displayName?: string;
  readonly email?: string | null;
  readonly role?: Role;
  readonly disabled?: boolean;
  readonly passwordHash?: string;
  /** Ends every session issued so far ("sign out everywhere"). */
  readonly endSessions?: boolean;
  readonly lastLoginAt?: number;
}

export function updateUser(q: Query, id: number, changes: UserChanges, now: number): UserWithHash | undefined {
  const sets: string[] = ['updated_at = ?'];
  const params: Array<string | number | null> = [now];
  const set = (column: string, value: string | number | null): void => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.username !== undefined) {
    set('username', changes.username);
    set('username_key', usernameKey(changes.username));
  }
  if (changes.displayName !== undefined) set('display_name', changes.displayName);
  if (changes.email !== undefined) set('email', changes.email);
  if (changes.role !== undefined) set('role', changes.role);
  if (changes.disabled !== undefined) set('disabled', changes.disabled ? 1 : 0);
  if (changes.passwordHash !== undefined) set('password_hash', changes.passwordHash);
  if (changes.lastLoginAt !== undefined) set('last_login_at', changes.lastLoginAt);
  if (changes.endSessions === true) sets.push('session_version = session_version + 1');
  params.push(id);
  const { changes: updated } = q.run(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, params);
  return updated === 0 ? undefined : findUserById(q, id);
}
