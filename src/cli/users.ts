/**
 * `users` commands for admins with a shell (SSH, or cPanel's "Run JS script"): the store's
 * intents, with clear messages and exit codes (0 done, 1 failed, 2 wrong usage). Passwords are
 * read from standard input, never from the command line (where `ps` and shell history see them).
 */
import { hashPassword, passwordProblem } from '../auth/password.ts';
import { UserExistsError, type AuditEntry, type Role, type Store, type User } from '../store/index.ts';
import { failure, parseArgs, UsageError } from './args.ts';

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Reads a new password (prompting twice on a terminal). */
  readonly readPassword: (prompt: string) => Promise<string>;
  /** Who ran the command, for the audit log. */
  readonly operator: string;
}

export const USAGE = `Usage: node dist/cli.cjs users <command> [arguments]

  list                                  all users
  add <username> [--role admin|member] [--name "Display Name"] [--email address]
                                        create a user; the password is read from standard input
  password <username>                   set a new password (standard input); ends their sessions
  disable <username>                    refuse sign-in and end their sessions
  enable <username>                     allow sign-in again
  role <username> <admin|member>        change the role
  revoke-sessions <username>            sign the user out everywhere

Options: --data-dir DIR (default: DATA_DIR from the environment or .env, else ./data)
Example: printf '%s\\n' 'a long new password' | node dist/cli.cjs users password alice`;

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;


function role(text: string | undefined): Role {
  if (text === 'admin' || text === 'member') return text;
  throw new UsageError('the role must be admin or member');
}

function row(user: User): string {
  const state = user.disabled ? 'disabled' : 'active';
  const last = user.lastLoginAt === null ? 'never' : new Date(user.lastLoginAt * 1000).toISOString().slice(0, 16).replace('T', ' ');
  return `${user.username.padEnd(20)} ${user.role.padEnd(7)} ${state.padEnd(9)} ${last.padEnd(17)} ${user.displayName}`;
}

export async function usersCommand(args: string[], store: Store, io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = args;
    const { positional, flags } = parseArgs(rest);
    const audit = (action: string, target: string, detail?: string): AuditEntry => ({
      action,
      actor: `cli:${io.operator}`,
      target,
      outcome: 'success',
      ...(detail === undefined ? {} : { detail }),
    });
    const find = async (username: string | undefined): Promise<User & { id: number }> => {
      if (username === undefined) throw new UsageError('name the user');
      const user = await store.userByUsername(username);
      if (user === undefined) throw new Error(`no user named "${username}"`);
      return user;
    };
    const newPassword = async (): Promise<string> => {
      const password = await io.readPassword('New password: ');
      const problem = passwordProblem(password);
      if (problem !== undefined) throw new Error(`the password ${problem}`);
      return password;
    };

    switch (command) {
      case 'list': {
        const users = await store.listUsers();
        if (users.length === 0) io.out('No users yet. Create one with: users add <username> --role admin');
        else {
          io.out(`${'USERNAME'.padEnd(20)} ${'ROLE'.padEnd(7)} ${'STATE'.padEnd(9)} ${'LAST SIGN-IN'.padEnd(17)} NAME`);
          for (const user of users) io.out(row(user));
        }
        return 0;
      }
      case 'add': {
        const username = positional[0];
        if (username === undefined || !USERNAME.test(username)) throw new UsageError('the username may hold 1 to 64 letters, digits and . _ @ -');
        const userRole = role(flags.get('role') ?? 'member');
        const password = await newPassword();
        const email = flags.get('email') ?? null;
        if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('that email address does not look right');
        const user = await store.createUser(
          { username, role: userRole, displayName: flags.get('name') ?? username, email, passwordHash: await hashPassword(password) },
          audit('user_create', username, `role ${userRole}`),
        );
        io.out(`Created ${user.role} "${user.username}".`);
        return 0;
      }
      case 'password': {
        const user = await find(positional[0]);
        const password = await newPassword();
        await store.updateUser(user.id, { passwordHash: await hashPassword(password), endSessions: true }, audit('user_password', user.username));
        io.out(`Password changed for "${user.username}"; their sessions have ended.`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        const user = await find(positional[0]);
        const disabled = command === 'disable';
        await store.updateUser(user.id, { disabled, ...(disabled ? { endSessions: true } : {}) }, audit(`user_${command}`, user.username));
        io.out(disabled ? `Disabled "${user.username}" and ended their sessions.` : `Enabled "${user.username}".`);
        return 0;
      }
      case 'role': {
        const user = await find(positional[0]);
        const newRole = role(positional[1]);
        await store.updateUser(user.id, { role: newRole }, audit('user_role', user.username, `role ${newRole}`));
        io.out(`"${user.username}" is now ${newRole === 'admin' ? 'an admin' : 'a member'}.`);
        return 0;
      }
      case 'revoke-sessions': {
        const user = await find(positional[0]);
        await store.endAllSessions(user.id, audit('logout_all', user.username));
        io.out(`Every session of "${user.username}" has ended.`);
        return 0;
      }
      case undefined:
      case 'help':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UserExistsError) {
      io.err('error: a user with that username already exists');
      return 1;
    }
    return failure(error, USAGE, io.err);
  }
}
