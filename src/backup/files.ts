/**
 * Backup files in their folder: named by the UTC time they were taken (so the names sort in
 * time order and say when without opening them), listed, and pruned to the newest N. Only
 * names of this exact shape are ever listed or deleted: the folder may hold other things.
 */
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { alive } from '../db/file-ops.ts';

/** What a person reads: the message says what went wrong and what to do; never a stack trace. */
export class BackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
  }
}

const NAME = /^dashboard-backup-(\d{8}T\d{6}\.\d{3}Z)(?:-([a-z][a-z-]*))?\.tar\.gz$/;

/** `dashboard-backup-20260131T020000.123Z.tar.gz`; a label (`before-restore`) goes before the extension. */
export function backupName(at: Date, label?: string): string {
  if (label !== undefined && !/^[a-z][a-z-]*$/.test(label)) throw new Error(`bad backup label: ${label}`);
  const stamp = at.toISOString().replace(/[-:]/g, '');
  return `dashboard-backup-${stamp}${label === undefined ? '' : `-${label}`}.tar.gz`;
}

export interface BackupListing {
  readonly name: string;
  readonly path: string;
  /** The UTC stamp from the name, e.g. 20260131T020000.123Z. */
  readonly stamp: string;
}

/** The backups in `dir`, oldest first. */
export async function listBackups(dir: string): Promise<BackupListing[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .flatMap((name) => {
      const stamp = NAME.exec(name)?.[1];
      return stamp === undefined ? [] : [{ name, path: path.join(dir, name), stamp }];
    })
    .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.name < b.name ? -1 : 1));
}

/** `<backup name>.<pid>.tmp`: a backup being written, by the process named. */
const TEMP = /^dashboard-backup-.*\.tar\.gz\.(\d+)\.tmp$/;

/**
 * Deletes all but the newest `keep` backups in `dir`, and the temporary files of backups whose
 * writer died mid-way (they would fill the disk unseen); returns the backups deleted.
 */
export async function pruneBackups(dir: string, keep: number): Promise<string[]> {
  for (const name of await readdir(dir)) {
    const pid = Number(TEMP.exec(name)?.[1] ?? Number.NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await unlink(path.join(dir, name)).catch(() => undefined);
  }
  const all = await listBackups(dir);
  const old = all.slice(0, Math.max(0, all.length - keep));
  const deleted: string[] = [];
  for (const item of old) {
    try {
      await unlink(item.path);
      deleted.push(item.name);
    } catch (error) {
      // Another run pruned it first: the goal is met all the same.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return deleted;
}
