/**
 * One SQLite database file shared by every process of the app, through sql.js (which holds the
 * whole database in memory and knows nothing of other processes). The protocol:
 *
 * - Open lazily, once per process, behind one shared promise.
 * - Read: `stat` the file; if it is not the version this process loaded, load it again. We keep
 *   the loaded version's file open, so its inode cannot be reused by a later version and an
 *   equal inode number really means the same file.
 * - Write: queue the change; one flush per turn takes the cross-process lock, reloads if
 *   another process wrote, applies every queued change in one transaction (each in its own
 *   savepoint, so one failing change does not sink the others), exports, writes a temporary
 *   file, fsyncs it, renames it over the database, fsyncs the folder, and releases the lock.
 *   A caller's promise resolves only after its change is durable; a failed write (disk full,
 *   read-only folder) rejects every change of the batch and drops this process's in-memory
 *   copy, so nothing unwritten is ever served as if it were stored.
 */
import { statSync, type BigIntStats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { errorCode, readHeld, removeOrphanTemps, sameVersion, unavailable, writeAtomically, type WriteFs } from './file-ops.ts';
import { compactIfWasteful } from './compact.ts';
import { applyMigrations, latestVersion, openMigrated, type Migration } from './migrate.ts';
import type { Connection, Query } from './query.ts';
import { StoreUnavailableError, type SqlJsStatic } from './sqljs.ts';

export type { Migration } from './migrate.ts';

export type { WriteFs } from './file-ops.ts';
export { StoreWriteError, type DatabaseFileOptions } from './db-types.ts';
import { StoreWriteError, type DatabaseFileOptions, type Loaded, type PendingWrite } from './db-types.ts';
import { MEMO_LIMIT, remember, type Memo } from './memo.ts';
import { LoadErrors } from './load-errors.ts';

export class DatabaseFile {
  readonly #options: DatabaseFileOptions;
  readonly #fs: WriteFs;
  #sql: SqlJsStatic | undefined;
  #loaded: Loaded | undefined;
  #opening: Promise<void> | undefined;
  #queue: PendingWrite[] = [];
  readonly #loadErrors = new LoadErrors();
  #flushing = false;
  #persisting = false; // while this process replaces the file under the lock (see #current)
  /** performance.now() just before the last stat that found #loaded current (see #current). */
  #checkedAt = -Infinity;

  readonly #memoLimit: number;

  constructor(options: DatabaseFileOptions) {
    this.#options = options;
    this.#fs = options.fs ?? fsp;
    this.#memoLimit = options.memoLimit ?? MEMO_LIMIT;
  }

  /** Why the last open or load of the file failed, while that still holds (for /healthz). */
  get lastLoadError(): string | undefined {
    return this.#loadErrors.current(this.#options.file);
  }

  get latestVersion(): number {
    return latestVersion(this.#options.migrations);
  }

  /** Loads sql.js and the file on first call; every caller shares the one attempt. */
  ready(): Promise<void> {
    if (this.#opening === undefined) {
      this.#opening = this.#open();
      // A failed open (missing WASM, unreadable file) is retried by the next caller.
      this.#opening.then(
        () => this.#loadErrors.succeeded(),
        (error: unknown) => {
          this.#loadErrors.failed(error);
          this.#opening = undefined;
        },
      );
    }
    return this.#opening;
  }

  async read<T>(reader: (q: Query) => T): Promise<T> {
    await this.ready();
    return reader(this.#current().query);
  }

  /**
   * A read whose answer depends only on the database's content, remembered under `key` until
   * the file changes (a write here or in any other process): the stat that every read makes
   * still runs, so another process's revocation is seen on the very next call, but the SQL does
   * not run again for an unchanged file. `reader` gets `memo` for further answers of the same
   * version (the figures' view needs their options), so two answers are never from two
   * versions. Results are shared: they must not be mutated.
   *
   * `receivedAt` (performance.now() when the asking request arrived): a stat made after that
   * answers for it too, so the requests answered together at the end of a turn share one. What
   * another process wrote before such a request was sent was done before that stat.
   */
  async readMemo<T>(key: string, reader: (q: Query, memo: Memo) => T, receivedAt?: number): Promise<T> {
    await this.ready();
    const loaded = this.#current(receivedAt);
    const memo: Memo = (inner, compute) => remember(loaded.memo, this.#memoLimit, inner, compute);
    return memo(key, () => reader(loaded.query, memo));
  }

  /** Applies `change` durably across processes; resolves with its result once on disk. */
  async write<T>(change: (q: Query) => T): Promise<T> {
    await this.ready();
    return this.#enqueue(change);
  }

  /** Current size of the file on disk (0 when not yet written). */
  fileSize(): number {
    try {
      return statSync(this.#options.file).size;
    } catch {
      return 0;
    }
  }

  close(): void {
    this.#loaded?.query.close();
    this.#loaded?.hold?.close();
    this.#loaded = undefined;
    this.#opening = undefined;
  }

  async #open(): Promise<void> {
    const started = performance.now();
    this.#sql = await this.#options.loadSql();
    // Temporary files of writers killed mid-write: useless, and they would fill the disk.
    removeOrphanTemps(this.#options.file);
    const loaded = this.#current();
    // The first process to see an old (or missing) file migrates it, under the lock.
    if (loaded.behind || loaded.hold === undefined) await this.#enqueue(() => undefined);
    this.#options.logger.info('database opened', {
      file: this.#options.file,
      bytes: this.fileSize(),
      schema: this.latestVersion,
      ms: Math.round(performance.now() - started),
    });
  }

  /** The version to read: this process's, when a stat made since `receivedAt` found it current. */
  #current(receivedAt?: number): Loaded {
    const loaded = this.#loaded;
    if (loaded !== undefined && receivedAt !== undefined && receivedAt < this.#checkedAt) return loaded;
    const checking = performance.now();
    const current = this.#check();
    this.#checkedAt = checking;
    return current;
  }

  /** The database as the file holds it now, reloaded if another process replaced it. */
  #check(): Loaded {
    // Mid-write the file is the version in memory or the one being renamed in from it: a read
    // that reloaded here would close the connection #persist is about to keep.
    if (this.#persisting && this.#loaded !== undefined) return this.#loaded;
    let info: BigIntStats | undefined;
    try {
      info = statSync(this.#options.file, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unavailable('cannot read the database file', error);
    }
    const loaded = this.#loaded;
    if (info === undefined) {
      // Not written yet: an empty database, migrated in memory so reads find the tables.
      if (loaded !== undefined && loaded.hold === undefined) return loaded;
      return this.#replace(this.#fresh(new Uint8Array(0)), undefined, undefined);
    }
    if (loaded !== undefined && sameVersion(loaded, info)) {
      return loaded;
    }
    let read: ReturnType<typeof readHeld> | undefined;
    try {
      read = readHeld(this.#options.file);
      const fresh = this.#replace(this.#fresh(read.bytes), read.info, read.hold);
      this.#loadErrors.succeeded();
      return fresh;
    } catch (error) {
      read?.hold.close();
      const failure = unavailable('cannot load the database file', error);
      this.#loadErrors.failed(failure, read?.info ?? info);
      throw failure;
    }
  }

  #fresh(bytes: Uint8Array): { query: Connection; behind: boolean } {
    if (this.#sql === undefined) throw new StoreUnavailableError('the database is not open');
    // A statement that meets a damaged page fails the version this process loaded: /healthz says so.
    return openMigrated(this.#sql, bytes, this.#options.migrations, (error) => this.#loadErrors.failed(error, this.#loaded));
  }

  #replace(fresh: { query: Connection; behind: boolean }, info: BigIntStats | undefined, hold: Loaded['hold']): Loaded {
    this.#loaded?.query.close();
    this.#loaded?.hold?.close();
    this.#loaded = {
      query: fresh.query,
      behind: fresh.behind,
      ino: info?.ino ?? -1n,
      size: info?.size ?? -1n,
      mtimeNs: info?.mtimeNs ?? -1n,
      hold,
      memo: new Map(),
    };
    return this.#loaded;
  }

  #enqueue<T>(change: (q: Query) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let the other changes of this turn join the batch: one lock and one fsync for all.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch ?? 1000);
        await this.#commit(batch);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #commit(batch: PendingWrite[]): Promise<void> {
    let held;
    try {
      held = await this.#options.lock.acquire();
    } catch (error) {
      const reason = error instanceof Error && error.name === 'LockTimeoutError' ? 'the database is busy' : `cannot lock the database (${errorCode(error)})`;
      for (const op of batch) op.reject(new StoreUnavailableError(reason, { cause: error }));
      return;
    }
    let settle: (() => void) | undefined;
    try {
      const { query } = this.#current();
      query.exec('BEGIN IMMEDIATE');
      // The file may be older than this release: the first writer migrates it, under the lock.
      applyMigrations(query, this.#options.migrations);
      const outcomes = batch.map((op) => {
        query.exec('SAVEPOINT change');
        try {
          const value = op.change(query);
          query.exec('RELEASE change');
          return { ok: true as const, value };
        } catch (error) {
          query.exec('ROLLBACK TO change');
          query.exec('RELEASE change');
          return { ok: false as const, error };
        }
      });
      query.exec('COMMIT');
      compactIfWasteful(query, this.#options.logger, this.#options.file);
      if (!(await held.stillHeld())) throw new Error('the database lock was lost before commit');
      await this.#persist();
      settle = () => outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(outcome.error)));
    } catch (error) {
      // Whatever this process applied in memory is not on disk: forget it, reload next time.
      this.#drop();
      const failure =
        error instanceof StoreUnavailableError ? error : new StoreWriteError(`could not write the database (${errorCode(error)})`, { cause: error });
      this.#options.logger.error('database write failed', { file: this.#options.file, error: errorCode(error) });
      settle = () => batch.forEach((op) => op.reject(failure));
    } finally {
      this.#persisting = false;
      // Callers hear back only once the lock is released: a command-line tool that exits as
      // soon as its write resolves must not leave the lock file behind for others to break.
      await held.release().catch(() => undefined);
      settle?.();
    }
  }

  async #persist(): Promise<void> {
    const loaded = this.#loaded!;
    this.#persisting = true; // cleared by #commit, in the same turn as the update below
    const written = await writeAtomically(this.#fs, this.#options.file, loaded.query.export());
    // The renamed file is the version now in memory: hold it, as a load would.
    this.#loaded?.hold?.close();
    this.#loaded = {
      ...loaded,
      behind: false,
      ino: written.info.ino,
      size: written.info.size,
      mtimeNs: written.info.mtimeNs,
      hold: written.hold,
      memo: new Map(),
    };
  }

  #drop(): void {
    this.#loaded?.query.close();
    this.#loaded?.hold?.close();
    this.#loaded = undefined;
  }
}
