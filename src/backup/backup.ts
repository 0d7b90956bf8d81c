/**
 * Taking a backup of DATA_DIR's databases while the app runs: one consistent snapshot of every
 * file under their write locks (db/snapshot.ts), each checked by SQLite, packed with a
 * manifest (sizes, SHA-256, schema versions) into one archive (archive.ts) that appears
 * whole or not at all: written to a temporary name, fsynced, read back and compared with the
 * manifest, then renamed and the folder fsynced. Rate-limit journals rebuild themselves and the
 * development secret is a secret: neither is copied (a backup may travel further than DATA_DIR).
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { syncFolder } from '../db/file-ops.ts';
import { checkDatabase, readSnapshot, type LockedFile } from '../db/snapshot.ts';
import type { SqlJsStatic } from '../db/sqljs.ts';
import { packArchive, unpackArchive } from './archive.ts';
import { BackupError, backupName } from './files.ts';

export const MANIFEST = 'manifest.json';
export const FORMAT = 'members-dashboard-backup';

export interface ManifestFile {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly schema: number;
}

export interface Manifest {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
}

export interface BackupOptions {
  /** The database files to copy, each with its own write lock. */
  readonly databases: readonly LockedFile[];
  readonly outDir: string;
  readonly loadSql: () => Promise<SqlJsStatic>;
  readonly now: () => Date;
  /** Marks a backup taken for a reason (`before-restore`). */
  readonly label?: string;
  /** How the files are read: under their locks by default (a caller already holding them passes readFiles). */
  readonly read?: (files: readonly LockedFile[]) => Promise<Array<Uint8Array | undefined>>;
  /**
   * Keep the files as they are, unchecked, compressed fast: for the state a restore replaces,
   * taken while the app's writers wait (SQLite's check of 100,000 records alone takes over a
   * second), and which must be kept even when damaged, since a damaged database is a reason
   * to restore. Its schema comes from the file header.
   */
  readonly asIs?: boolean;
}

export interface BackupResult {
  /** The archive written; undefined when no database file exists yet (nothing to keep). */
  readonly path: string | undefined;
  readonly files: readonly ManifestFile[];
  readonly archiveBytes: number;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const code = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : 'error');

/** Before any lock is taken: the folder must exist and be one (a typo must not scatter backups). */
async function checkFolder(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new BackupError(`the backup folder ${dir} is not a folder`);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    if (code(error) === 'ENOENT') throw new BackupError(`the backup folder ${dir} does not exist: create it first (mkdir -p ${dir})`);
    throw new BackupError(`cannot use the backup folder ${dir} (${code(error)})`, { cause: error });
  }
}

export async function createBackup(options: BackupOptions): Promise<BackupResult> {
  const { outDir } = options;
  await checkFolder(outDir);
  const at = options.now();
  const final = path.join(outDir, backupName(at, options.label));
  // Not a backup name: listing and pruning never see a half-written file.
  const temp = `${final}.${process.pid}.tmp`;
  let handle;
  try {
    handle = await open(temp, 'wx', 0o600);
  } catch (error) {
    throw new BackupError(`cannot write in the backup folder ${outDir} (${code(error)})`, { cause: error });
  }
  let renamed = false;
  try {
    const sql = options.asIs === true ? undefined : await options.loadSql();
    const snapshot = await (options.read ?? readSnapshot)(options.databases);
    const files: ManifestFile[] = [];
    const entries = [];
    for (const [i, bytes] of snapshot.entries()) {
      if (bytes === undefined) continue;
      const name = path.basename(options.databases[i]!.file);
      const check = sql === undefined ? { ok: true as const, schema: headerSchema(bytes) } : checkDatabase(sql, bytes);
      if (!check.ok) throw new BackupError(`${name} in the data folder is damaged (${check.problem}): no backup was written`);
      files.push({ name, bytes: bytes.length, sha256: sha256(bytes), schema: check.schema });
      entries.push({ name, bytes });
    }
    if (files.length === 0) return { path: undefined, files, archiveBytes: 0 };
    const manifest: Manifest = { format: FORMAT, version: 1, createdAt: at.toISOString(), files };
    const manifestEntry = { name: MANIFEST, bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) };
    const archive = await packArchive([manifestEntry, ...entries], Math.floor(at.getTime() / 1000), options.asIs === true ? 1 : 6);
    try {
      await handle.writeFile(archive);
      await handle.sync();
    } catch (error) {
      throw new BackupError(`cannot write the backup in ${outDir} (${code(error)}): no backup was written`, { cause: error });
    }
    await handle.close();
    handle = undefined;
    await verifyWritten(temp, files);
    try {
      await rename(temp, final);
    } catch (error) {
      throw new BackupError(`cannot write the backup in ${outDir} (${code(error)}): no backup was written`, { cause: error });
    }
    renamed = true;
    await syncFolder(outDir);
    return { path: final, files, archiveBytes: archive.length };
  } finally {
    await handle?.close().catch(() => undefined);
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** `user_version`, which SQLite keeps at offset 60 of the file header (-1 for bytes too short to hold one). */
function headerSchema(bytes: Uint8Array): number {
  return bytes.length >= 100 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(60) : -1;
}

/** Reads the archive back from the disk and holds it to the manifest: what was checked is what was stored. */
async function verifyWritten(file: string, files: readonly ManifestFile[]): Promise<void> {
  const differs = new BackupError(`the backup read back from ${path.dirname(file)} differs from what was written (a failing disk?): no backup was written`);
  const entries = await unpackArchive(await readFile(file)).catch(() => {
    throw differs;
  });
  for (const expected of files) {
    const found = entries.find((entry) => entry.name === expected.name);
    if (found === undefined || sha256(found.bytes) !== expected.sha256) throw differs;
  }
}
