/** The shapes behind DatabaseFile (db-file.ts): its options, its loaded version, its write queue. */
import type { BigIntStats } from 'node:fs';
import type { Logger } from '../log/index.ts';
import type { WriteFs } from './file-ops.ts';
import type { Migration } from './migrate.ts';
import type { FileLock } from './lock.ts';
import type { Connection, Query } from './query.ts';
import type { SqlJsStatic } from './sqljs.ts';


export interface DatabaseFileOptions {
  readonly file: string;
  readonly loadSql: () => Promise<SqlJsStatic>;
  readonly lock: FileLock;
  readonly logger: Logger;
  readonly migrations: readonly Migration[];
  readonly fs?: WriteFs;
  /** Most changes in one flush; the rest wait for the next one. */
  readonly maxBatch?: number;
  /** Most answers readMemo keeps per version (MEMO_LIMIT, memo.ts, by default); past it the oldest goes. */
  readonly memoLimit?: number;
}

export class StoreWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreWriteError';
  }
}

export interface Loaded {
  readonly query: Connection;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  /** Keeps the loaded version's inode alive (see above); undefined for a database not yet on disk. */
  readonly hold: { close(): void } | undefined;
  /** The file's schema is older than this release's: migrated in memory only, until a write. */
  readonly behind: boolean;
  /** Answers computed from exactly this version (see readMemo); a new version starts empty. */
  readonly memo: Map<string, unknown>;
}

export interface PendingWrite {
  readonly change: (q: Query) => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

