/**
 * Putting a backup back. Everything is checked before anything changes: the archive unpacks
 * whole (gzip's CRC), the manifest names only known database files, each file has the size
 * and SHA-256 the manifest gives, SQLite's integrity check passes, and its schema is not newer
 * than this release can read. Then the current files are backed up (the state being replaced is
 * never lost), and every file is renamed in under its write lock: running processes notice
 * the new file on their next request and reload it (db/db-file.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkDatabase, readFiles, replaceFiles, underLocks, type LockedFile } from '../db/snapshot.ts';
import type { SqlJsStatic } from '../db/sqljs.ts';
import { ArchiveError, unpackArchive } from './archive.ts';
import { createBackup, FORMAT, MANIFEST, sha256, type Manifest } from './backup.ts';
import { BackupError } from './files.ts';

export interface KnownDatabase extends LockedFile {
  /** The newest schema version (`user_version`) this release knows for the file. */
  readonly latestSchema: number;
}

export interface VerifiedBackup {
  readonly createdAt: string;
  readonly files: ReadonlyArray<{ readonly target: KnownDatabase; readonly bytes: Uint8Array }>;
}

/** Reads and checks a backup file; BackupError naming the file and the reason if it is not usable. */
export async function readBackup(file: string, databases: readonly KnownDatabase[], sql: SqlJsStatic): Promise<VerifiedBackup> {
  const refuse = (reason: string): BackupError => new BackupError(`${file} cannot be restored: ${reason}; nothing was changed`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw refuse(`it cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let entries;
  try {
    entries = await unpackArchive(bytes);
  } catch (error) {
    if (error instanceof ArchiveError) throw refuse(`the file is ${error.message}`);
    throw error;
  }
  const manifestEntry = entries.find((entry) => entry.name === MANIFEST);
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(Buffer.from(manifestEntry?.bytes ?? []).toString('utf8')) as Partial<Manifest>;
  } catch {
    throw refuse('it has no readable manifest (not a dashboard backup)');
  }
  if (manifest.format !== FORMAT || manifest.version !== 1 || !Array.isArray(manifest.files) || manifest.files.length === 0) {
    throw refuse('it is not a dashboard backup (or one from a newer release)');
  }
  const files = [];
  for (const expected of manifest.files) {
    const target = databases.find((db) => path.basename(db.file) === expected.name);
    if (target === undefined) throw refuse(`it holds an unknown file "${String(expected.name)}"`);
    const found = entries.find((entry) => entry.name === expected.name);
    if (found === undefined) throw refuse(`${expected.name} is missing from it`);
    if (found.bytes.length !== expected.bytes || sha256(found.bytes) !== expected.sha256) throw refuse(`${expected.name} in it is damaged (its checksum does not match)`);
    const check = checkDatabase(sql, found.bytes);
    if (!check.ok) throw refuse(`${expected.name} in it is ${check.problem}`);
    if (check.schema > target.latestSchema) {
      throw refuse(`${expected.name} in it has schema ${check.schema}, newer than this release reads (${target.latestSchema}): restore with the release that took it`);
    }
    files.push({ target, bytes: found.bytes });
  }
  return { createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : 'an unknown time', files };
}

export interface RestoreOptions {
  readonly backup: VerifiedBackup;
  /** Every database of the data folder: all are backed up before any is replaced. */
  readonly databases: readonly KnownDatabase[];
  /** Where the backup of the state being replaced goes. */
  readonly safetyDir: string;
  readonly loadSql: () => Promise<SqlJsStatic>;
  readonly now: () => Date;
  /** Milliseconds from an arbitrary start (performance.now): how long the app's writers waited. */
  readonly elapsed: () => number;
}

export interface RestoreResult {
  readonly restored: readonly string[];
  /** How long the locks were held: the longest a running process's write waited. */
  readonly lockedMs: number;
  /** The backup of what was replaced; undefined when the data folder held no database yet. */
  readonly previous: string | undefined;
}

/**
 * Under every database's lock, from the first read to the last rename: the backup of the
 * current state holds exactly what is replaced, and no write of a running process can fall
 * between the two (it waits for the locks, then applies itself to the restored file). Writers
 * wait meanwhile, so that backup is taken as it is (no SQLite check, fast compression).
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  let lockedAt = 0;
  const result = await underLocks(options.databases, async () => {
    lockedAt = options.elapsed();
    const previous = await createBackup({
      databases: options.databases,
      outDir: options.safetyDir,
      loadSql: options.loadSql,
      now: options.now,
      label: 'before-restore',
      read: readFiles,
      asIs: true,
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new BackupError(`could not back up the current state first (${reason}); nothing was restored`, { cause: error });
    });
    await replaceFiles(options.backup.files.map(({ target, bytes }) => ({ file: target.file, bytes })));
    return { restored: options.backup.files.map(({ target }) => path.basename(target.file)), previous: previous.path };
  });
  return { ...result, lockedMs: options.elapsed() - lockedAt };
}
