/**
 * A private MariaDB for one test: a fresh data folder (mariadb-install-db), the server on a
 * Unix socket in that folder with networking off, one database and user for WordPress. Nothing
 * under /etc/mysql is read (--no-defaults) and no port is opened.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const MARIADBD = '/usr/sbin/mariadbd';
export const INSTALL_DB = '/usr/bin/mariadb-install-db';
export const CLIENT = '/usr/bin/mariadb';

export interface MariaDb {
  readonly socket: string;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  /** Runs SQL as root over the socket; returns what the client printed (tab-separated, no headers). */
  sql(statement: string): Promise<string>;
  /** Stops the server and waits for it to exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/** `dir` must exist, be empty, and be reachable by whoever connects (Apache's PHP as www-data). */
export async function startMariaDb(dir: string): Promise<MariaDb> {
  const data = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const errorLog = path.join(dir, 'mysqld.err');
  mkdirSync(data);
  await run(INSTALL_DB, ['--no-defaults', `--datadir=${data}`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db'], { timeout: 60_000 });
  const server: ChildProcess = spawn(
    MARIADBD,
    ['--no-defaults', `--datadir=${data}`, `--socket=${socket}`, '--skip-networking', `--pid-file=${path.join(dir, 'mysqld.pid')}`, `--log-error=${errorLog}`, '--user=root', '--innodb-buffer-pool-size=16M'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const log = (): string => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').split('\n').slice(-15).join('\n') : '(no error log)');
  const sql = async (statement: string): Promise<string> =>
    (await run(CLIENT, ['--no-defaults', `--socket=${socket}`, '--user=root', '--batch', '--skip-column-names', '-e', statement], { timeout: 30_000 })).stdout;
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`mariadbd exited with ${server.exitCode}:\n${log()}`);
    try {
      await sql('SELECT 1');
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`mariadbd did not answer on ${socket}: ${(error as Error).message}\n${log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const db = { database: 'wordpress', user: 'wordpress', password: 'wp-test-password' };
  await sql(`CREATE DATABASE ${db.database}; CREATE USER '${db.user}'@'localhost' IDENTIFIED BY '${db.password}'; GRANT ALL ON ${db.database}.* TO '${db.user}'@'localhost';`);
  return { socket, ...db, sql, stop };
}
