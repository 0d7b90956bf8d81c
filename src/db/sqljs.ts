/**
 * sql.js, loaded on first use and once per process. We read the WASM bytes ourselves and hand
 * them over: left to itself, sql.js's loader turns a missing file into an abort that can take
 * the whole process down on the first request. Here it is an ordinary rejected promise that
 * the caller reports (503), and the next attempt after a short pause tries again, so
 * restoring the file heals the process without a restart.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SqlJsStatic } from 'sql.js';

export type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

const RETRY_AFTER_FAILURE_MS = 5000;

export function createSqlJsLoader(options: { wasmPath: string; now?: () => number }): () => Promise<SqlJsStatic> {
  const now = options.now ?? Date.now;
  let pending: Promise<SqlJsStatic> | undefined;
  let failedAt = 0;

  const load = async (): Promise<SqlJsStatic> => {
    let wasmBinary: Uint8Array;
    try {
      wasmBinary = await readFile(options.wasmPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new StoreUnavailableError(`the SQLite WASM file cannot be read (${code}): reinstall dist/sql-wasm.wasm`, { cause: error });
    }
    // sql.js's JavaScript half sits beside its WASM (dist/ in a release, node_modules/sql.js/dist
    // in development) and is required only now: keeping its 80 KB out of the server bundle
    // keeps it out of every cold start.
    const script = path.join(path.dirname(options.wasmPath), 'sql-wasm.js');
    let initSqlJs: typeof import('sql.js');
    try {
      initSqlJs = require(script) as typeof import('sql.js');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new StoreUnavailableError(`sql.js cannot be loaded (${code}): reinstall dist/sql-wasm.js`, { cause: error });
    }
    try {
      // The type wants an ArrayBuffer-backed view; readFile gives exactly that at run time.
      return await initSqlJs({ wasmBinary: wasmBinary as unknown as ArrayBuffer });
    } catch (error) {
      // sql.js keeps its first initialisation, failed or not, for good: drop the module so that
      // the next attempt (after the file is replaced) starts afresh.
      delete require.cache[require.resolve(script)];
      throw new StoreUnavailableError('the SQLite WASM file is damaged: reinstall dist/sql-wasm.wasm', { cause: error });
    }
  };

  return function loadSqlJs() {
    if (pending !== undefined && failedAt !== 0 && now() - failedAt >= RETRY_AFTER_FAILURE_MS) pending = undefined;
    if (pending === undefined) {
      failedAt = 0;
      pending = load();
      pending.catch(() => {
        failedAt = now();
      });
    }
    return pending;
  };
}
