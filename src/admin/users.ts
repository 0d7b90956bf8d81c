/**
 * Admin API for accounts: list, create, change (name, email, role, disabled), reset a password,
 * end every session. Every change is audited in the same write; an admin cannot lock
 * themselves out (demote or disable their own account) — another admin, or the CLI, can.
 * The changes that hand over or take away access need a fresh step-up (auth/step-up.ts),
 * asked after the request is known to be valid and before anything is written.
 */
import type { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/context.ts';
import { readJsonObject } from '../http/body.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import { hashPassword, passwordProblem } from '../auth/password.ts';
import type { Session } from '../auth/session.ts';
import { assertStepUp } from '../auth/step-up.ts';
import { UserExistsError, type AuditEntry, type Role, type Store, type User, type UserChanges } from '../store/index.ts';

export interface AdminUserDeps {
  readonly store: Store;
  readonly clientAddress: ClientAddress;
}

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

const LABELS: Readonly<Record<string, string>> = { username: 'The username', displayName: 'The name', email: 'The email address' };

function invalid(field: string, message: string): AppError {
  return new AppError('bad_request', { message, details: { field } });
}

function text(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim().length > max) throw invalid(field, `${LABELS[field] ?? field} must be text of at most ${max} characters.`);
  return value.trim();
}

function role(value: unknown): Role {
  if (value !== 'admin' && value !== 'member') throw invalid('role', 'The role must be admin or member.');
  return value;
}

function email(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (!EMAIL.test(value)) throw invalid('email', 'That email address does not look right.');
  return value;
}

function userId(c: AppContext): number {
  const id = Number(c.req.param('id'));
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('not_found');
  return id;
}

export function adminUserRoutes(app: Hono<AppEnv>, deps: AdminUserDeps): void {
  const { store } = deps;
  const audit = (c: AppContext, action: string, target: string, detail?: string): AuditEntry => {
    const session = c.get('session') as Session;
    return { action, outcome: 'success', actorId: session.user.id, actor: session.user.username, target, ip: deps.clientAddress(c), detail: detail ?? null };
  };
  const existing = async (id: number): Promise<User> => {
    const user = await store.userById(id);
    if (user === undefined) throw new AppError('not_found', { message: 'There is no such user.' });
    return user;
  };
  const shape = (user: User) => ({
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    disabled: user.disabled,
    source: user.source,
    wpUserId: user.wpUserId,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
  });

  app.get('/api/admin/users', async function listUsers(c) {
    const users = await store.listUsers();
    return c.json({ users: users.map(shape) });
  });

  app.post('/api/admin/users', async function createUser(c) {
    const body = await readJsonObject(c);
    // Every field is checked and every problem reported at once (`fields`), each shown beside its
    // field; `field` names the first, for clients that show one.
    const fields: Record<string, string> = {};
    const check = <T>(field: string, read: () => T): T | undefined => {
      try {
        return read();
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        fields[field] = error.message;
        return undefined;
      }
    };
    const username = check('username', () => {
      const value = text(body, 'username', 64) ?? '';
      if (value === '') throw invalid('username', 'Enter a username.');
      if (!USERNAME.test(value)) throw invalid('username', 'The username may hold 1 to 64 letters, digits and . _ @ - (no spaces).');
      return value;
    });
    const displayName = check('displayName', () => text(body, 'displayName', 100));
    const address = check('email', () => email(text(body, 'email', 254)) ?? null);
    const newRole = check('role', () => role(body.role ?? 'member'));
    const password = check('password', () => {
      const value = typeof body.password === 'string' ? body.password : '';
      const problem = value === '' ? 'is missing: enter one of at least 12 characters' : passwordProblem(value);
      if (problem !== undefined) throw invalid('password', `The password ${problem}.`);
      return value;
    });
    const first = Object.keys(fields)[0];
    if (first !== undefined || username === undefined || password === undefined || newRole === undefined || address === undefined) {
      const count = Object.keys(fields).length;
      const message = count === 1 ? fields[first!]! : `${count} fields need attention: ${Object.values(fields).join(' ')}`;
      throw new AppError('bad_request', { message, details: { field: first, fields } });
    }
    if (newRole === 'admin') assertStepUp(c);
    try {
      const user = await store.createUser(
        { username, displayName: displayName || username, email: address, role: newRole, passwordHash: await hashPassword(password) },
        audit(c, 'user_create', username, `role ${newRole}`),
      );
      return c.json({ user: shape(user) }, 201);
    } catch (error) {
      if (error instanceof UserExistsError) {
        throw new AppError('conflict', { message: 'That username is taken.', details: { field: 'username', fields: { username: 'That username is taken.' } } });
      }
      throw error;
    }
  });

  app.patch('/api/admin/users/:id', async function changeUser(c) {
    const id = userId(c);
    const body = await readJsonObject(c);
    const self = (c.get('session') as Session).user.id === id;
    const changes: { -readonly [K in keyof UserChanges]: UserChanges[K] } = {};
    const details: string[] = [];
    const displayName = text(body, 'displayName', 100);
    if (displayName !== undefined) {
      if (displayName === '') throw invalid('displayName', 'The name cannot be empty.');
      changes.displayName = displayName;
      details.push('name');
    }
    const address = email(text(body, 'email', 254));
    if (address !== undefined) {
      changes.email = address;
      details.push('email');
    }
    if (body.role !== undefined) {
      changes.role = role(body.role);
      if (self && changes.role !== 'admin') throw invalid('role', 'You cannot remove your own admin role; ask another admin.');
      details.push(`role ${changes.role}`);
    }
    if (body.disabled !== undefined) {
      if (typeof body.disabled !== 'boolean') throw invalid('disabled', 'disabled must be true or false.');
      if (self && body.disabled) throw invalid('disabled', 'You cannot disable your own account.');
      changes.disabled = body.disabled;
      // A disabled account's live sessions end now, not when their tokens expire.
      if (body.disabled) changes.endSessions = true;
      details.push(body.disabled ? 'disabled' : 'enabled');
    }
    if (details.length === 0) throw invalid('body', 'Nothing to change: send displayName, email, role or disabled.');
    const target = await existing(id);
    // A role or access change, either way: demoting or disabling the real admins locks them out
    // as surely as promoting a stranger lets one in. Name and email changes are not asked.
    if ((changes.role !== undefined && changes.role !== target.role) || (changes.disabled !== undefined && changes.disabled !== target.disabled)) {
      assertStepUp(c);
    }
    const updated = await store.updateUser(id, changes, audit(c, 'user_update', target.username, details.join(', ')));
    if (updated === undefined) throw new AppError('not_found', { message: 'There is no such user.' });
    return c.json({ user: shape(updated) });
  });

  app.post('/api/admin/users/:id/password', async function resetPassword(c) {
    const id = userId(c);
    const body = await readJsonObject(c);
    const password = typeof body.password === 'string' ? body.password : '';
    const problem = passwordProblem(password);
    if (problem !== undefined) throw invalid('password', `The password ${problem}.`);
    const target = await existing(id);
    // Whoever sets the password can sign in as that person.
    assertStepUp(c);
    await store.updateUser(id, { passwordHash: await hashPassword(password), endSessions: true }, audit(c, 'user_password', target.username));
    return c.body(null, 204);
  });

  app.post('/api/admin/users/:id/logout-all', async function endSessions(c) {
    const id = userId(c);
    const target = await existing(id);
    // Someone else's sessions only: signing oneself out everywhere is no danger (and /api/auth/logout-all does it freely).
    if (id !== (c.get('session') as Session).user.id) assertStepUp(c);
    await store.endAllSessions(id, audit(c, 'logout_all', target.username, 'by an admin'));
    return c.body(null, 204);
  });
}
