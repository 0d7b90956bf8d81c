/**
 * `backup` and `restore`: the data folder's databases into one file and back. The deploy
 * script runs `backup --out DIR` before every switch and stops on a non-zero exit, so the
 * interface and the exit codes stay as they are: 0 done, 1 failed (nothing half-written is
 * left), 2 wrong usage.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createBackup } from '../backup/backup.ts';
import { pruneBackups } from '../backup/files.ts';
import { readBackup, restoreBackup, type KnownDatabase } from '../backup/restore.ts';
import { latestVersion } from '../db/migrate.ts';
import { LockTimeoutError } from '../db/lock.ts';
import { databaseLock } from '../db/open-file.ts';
import type { SqlJsStatic } from '../db/sqljs.ts';
import { FIGURES_FILE } from '../figures/open.ts';
import { FIGURES_MIGRATIONS } from '../figures/schema.ts';
import type { Instance } from '../instances/index.ts';
import { DATABASE_FILE } from '../store/open.ts';
import { MIGRATIONS } from '../store/schema.ts';
import { failure, parseArgs, UsageError } from './args.ts';

export const BACKUP_USAGE = `Usage: node dist/cli.cjs backup [--out DIR] [--keep N]
       node dist/cli.cjs restore <file> [--force]

  backup                                one consistent copy of both databases (users and sign-ins,
                                        figures), taken while the app runs, into one file named by
                                        the UTC time: DIR/dashboard-backup-<time>.tar.gz (a gzip
                                        tar: tar -tzf lists it). Checked before it counts. Keeps
                                        the newest N backups in DIR (default 7), deletes older ones.
                                        DIR defaults to DATA_DIR/backups; a DIR given must exist.
  restore <file>                        puts a backup's databases back; the current ones are first
                                        backed up to DATA_DIR/backups (…-before-restore.tar.gz).
                                        Refused while the app runs (stop it first), unless
                                        --force: running processes then load the restored data on
                                        their next request.

Options: --data-dir DIR (default: DATA_DIR from the environment or .env, else ./data)
Exit status: 0 done, 1 failed (nothing half-written is left), 2 wrong usage.`;

export interface BackupCliDeps {
  readonly dataDir: string;
  readonly loadSql: () => Promise<SqlJsStatic>;
  /** The app processes running over the data folder now (instances/). */
  readonly running: () => Instance[];
}

export interface BackupCliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now: () => Date;
  /** Milliseconds from an arbitrary start (performance.now), for the time taken. */
  readonly elapsed: () => number;
}

export const DEFAULT_KEEP = 7;
/**
 * How long the tool waits for a database's lock. Longer than the app's 10 s: it waits holding
 * nothing (db/snapshot.ts), and a nightly backup had better wait out an import than fail.
 */
const LOCK_WAIT_MS = 60_000;

/** The data folder's database files, each with the lock its writers take and the newest schema this release reads. */
export function dataDatabases(dataDir: string): KnownDatabase[] {
  return [
    { name: DATABASE_FILE, migrations: MIGRATIONS },
    { name: FIGURES_FILE, migrations: FIGURES_MIGRATIONS },
  ].map(({ name, migrations }) => {
    const file = path.join(dataDir, name);
    return { file, lock: databaseLock(file, { timeoutMs: LOCK_WAIT_MS }), latestSchema: latestVersion(migrations) };
  });
}

const size = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} KB`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function onlyFlags(flags: Map<string, string>, allowed: readonly string[]): void {
  for (const name of flags.keys()) if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
}

async function backup(args: readonly string[], deps: BackupCliDeps, io: BackupCliIo): Promise<number> {
  const { positional, flags } = parseArgs(args);
  onlyFlags(flags, ['out', 'keep']);
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const keepText = flags.get('keep');
  if (keepText !== undefined && (!/^\d{1,4}$/.test(keepText) || Number(keepText) < 1)) throw new UsageError('--keep must be a whole number from 1 to 9999');
  const keep = keepText === undefined ? DEFAULT_KEEP : Number(keepText);
  const given = flags.get('out');
  if (given === '') throw new UsageError('--out needs a folder');
  const outDir = given === undefined ? path.join(deps.dataDir, 'backups') : path.resolve(given);
  // The default folder is ours to create (private, like DATA_DIR); one named on the command line
  // must exist, so that a typo fails instead of filling a folder nobody looks at.
  if (given === undefined) await mkdir(outDir, { recursive: true, mode: 0o700 });
  const started = io.elapsed();
  const result = await createBackup({ databases: dataDatabases(deps.dataDir), outDir, loadSql: deps.loadSql, now: io.now });
  if (result.path === undefined) {
    io.out(`nothing to back up: ${deps.dataDir} holds no database yet`);
    return 0;
  }
  const deleted = await pruneBackups(outDir, keep);
  const total = result.files.reduce((sum, file) => sum + file.bytes, 0);
  io.out(`wrote ${result.path} in ${seconds(io.elapsed() - started)}`);
  io.out(`  ${result.files.map((file) => `${file.name} ${size(file.bytes)}`).join(', ')}: ${size(total)} in ${size(result.archiveBytes)}, checked`);
  for (const name of deleted) io.out(`  deleted ${name} (keeping the newest ${keep})`);
  return 0;
}

async function restore(args: readonly string[], deps: BackupCliDeps, io: BackupCliIo): Promise<number> {
  const { positional, flags } = parseArgs(args, ['force']);
  onlyFlags(flags, ['force']);
  const [file, extra] = positional;
  if (file === undefined) throw new UsageError('name the backup file to restore');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const started = io.elapsed();
  const databases = dataDatabases(deps.dataDir);
  const sql = await deps.loadSql();
  const verified = await readBackup(path.resolve(file), databases, sql);
  const running = deps.running();
  if (running.length > 0 && !flags.has('force')) {
    const who = running.map((p) => `${p.pid}${p.since === '' ? '' : ` (since ${p.since})`}`).join(', ');
    io.err(`error: the app is running over ${deps.dataDir}: process ${who}. Nothing was changed.`);
    io.err('Stop it first (cPanel: Setup Node.js App → Stop App), or add --force to restore under it: its processes then load the restored data on their next request.');
    return 1;
  }
  const safetyDir = path.join(deps.dataDir, 'backups');
  await mkdir(safetyDir, { recursive: true, mode: 0o700 });
  const result = await restoreBackup({ backup: verified, databases, safetyDir, loadSql: deps.loadSql, now: io.now, elapsed: io.elapsed });
  io.out(`restored ${result.restored.join(', ')} from ${path.resolve(file)} (taken ${verified.createdAt}) in ${seconds(io.elapsed() - started)}`);
  io.out(result.previous === undefined ? '  the data folder held no database before' : `  the state it replaced is in ${result.previous}`);
  io.out(`  the databases were locked for ${seconds(result.lockedMs)} (the longest any app write waited)`);
  if (running.length > 0) io.out(`  ${running.length} running app ${running.length === 1 ? 'process loads' : 'processes load'} it on the next request`);
  return 0;
}

/** `backup …` or `restore …` (the area's name first). */
export async function backupCommand(area: 'backup' | 'restore', args: readonly string[], deps: BackupCliDeps, io: BackupCliIo): Promise<number> {
  try {
    if (args[0] === 'help' || args[0] === '--help') {
      io.out(BACKUP_USAGE);
      return 0;
    }
    return await (area === 'backup' ? backup(args, deps, io) : restore(args, deps, io));
  } catch (error) {
    if (error instanceof LockTimeoutError) {
      io.err(`error: the databases stayed busy (${error.message}); nothing was changed: try again later`);
      return 1;
    }
    return failure(error, BACKUP_USAGE, io.err);
  }
}
