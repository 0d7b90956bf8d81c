/**
 * A throwaway SSH server and account for the deploy tests: Debian's sshd on 127.0.0.1 with its
 * own config, host key and port, and a system user (never root: Passenger will not run an app
 * as root) whose home under the test's folder is laid out like a cPanel account. Nothing under
 * /etc/ssh is read or changed; stop() ends sshd and every process of the user, then removes it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../passenger/apache.ts';
import { listProcesses, systemIds, waitGone } from '../passenger/processes.ts';

export const SSHD = '/usr/sbin/sshd';

export interface Account {
  readonly user: string;
  readonly group: string;
  readonly uid: number;
  readonly gid: number;
  /** /…/home/<user>: public_html/, the app's base folder and the data folder live here. */
  readonly home: string;
}

export interface SshServer {
  readonly port: number;
  /** Options for DEPLOY_SSH_OPTS: the client key and a known_hosts holding the host key. */
  readonly clientOptions: string;
  stop(): Promise<void>;
}

/** A system user with a login shell and no password (key only), home inside `dir`. */
export function createAccount(dir: string): Account {
  const user = `dash${randomBytes(4).toString('hex')}`;
  const home = path.join(dir, 'home', user);
  mkdirSync(path.dirname(home), { recursive: true, mode: 0o755 });
  // '*' (not the '!' of a locked account, which sshd without PAM refuses): no password works.
  execFileSync('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/bash', '--password', '*', '--user-group', user]);
  const { uid, gid } = systemIds(user, user);
  mkdirSync(home, { mode: 0o711 }); // cPanel's homes: others may pass through, not list
  chownSync(home, uid, gid);
  chmodSync(home, 0o711);
  return { user, group: user, uid, gid, home };
}

/** Ends the user's processes, then removes the user and its group (the home goes with `dir`). */
export async function removeAccount(account: Account): Promise<void> {
  const pids = listProcesses().filter((p) => p.uid === account.uid).map((p) => p.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitGone(pids, 5_000);
  execFileSync('userdel', [account.user], { stdio: 'ignore' });
}

function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() >= deadline) reject(new Error(`sshd is not listening on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** Starts sshd on a free port of 127.0.0.1, letting in only `account` with a fresh key. */
export async function startSshd(dir: string, account: Account): Promise<SshServer> {
  const sshDir = path.join(dir, 'ssh');
  // sshd reads AuthorizedKeysFile as the user logging in: the folder must let it through.
  mkdirSync(sshDir, { recursive: true, mode: 0o755 });
  chmodSync(sshDir, 0o755);
  const hostKey = path.join(sshDir, 'host_ed25519');
  const clientKey = path.join(sshDir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy-test-host', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy-test-client', '-f', clientKey]);
  const authorized = path.join(sshDir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`), { mode: 0o644 });
  // sshd's privilege-separation folder, as Debian's package creates it at boot.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const port = await freePort();
  const config = path.join(sshDir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(sshDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      `AllowUsers ${account.user}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin no',
      // The files sit in the test's folder under /tmp (world-writable): their owners are checked
      // by the test itself instead.
      'StrictModes no',
      'UsePAM no',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const known = path.join(sshDir, 'known_hosts');
  writeFileSync(known, `[127.0.0.1]:${port} ${readFileSync(`${hostKey}.pub`, 'utf8')}`);

  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitForPort(port, 10_000), exited.then(() => Promise.reject(new Error(`sshd exited: ${log}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    clientOptions: `-F none -i ${clientKey} -o IdentitiesOnly=yes -o UserKnownHostsFile=${known} -o StrictHostKeyChecking=yes`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
