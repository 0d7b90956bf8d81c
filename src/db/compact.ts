/**
 * Giving back the space of deleted rows. SQLite keeps freed pages in the file for reuse, and
 * every process holds the whole file in memory (sql.js): a schema change that copies a table,
 * or a large delete, would leave them all carrying the dead pages for good. After a commit that
 * left at least 256 KiB and a quarter of the file free, VACUUM rewrites it without them.
 */
import type { Logger } from '../log/index.ts';
import { errorCode } from './file-ops.ts';
import type { Query } from './query.ts';

/** 256 KiB of the default 4 KiB pages: below that, a rewrite of the file is not worth its time. */
const MIN_FREE_PAGES = 64;

/**
 * Compacts the database if it is worth it; call it outside any transaction. Returns the pages
 * freed, or 0. A failure is logged and only leaves the free pages where they were.
 */
export function compactIfWasteful(q: Query, logger: Logger, file: string): number {
  try {
    const free = Number(q.get<{ freelist_count: number }>('PRAGMA freelist_count')?.freelist_count ?? 0);
    const pages = Number(q.get<{ page_count: number }>('PRAGMA page_count')?.page_count ?? 0);
    if (free < MIN_FREE_PAGES || free * 4 < pages) return 0;
    q.exec('VACUUM');
    logger.info('database compacted', { file, freedPages: free, pages: pages - free });
    return free;
  } catch (error) {
    logger.warn('database not compacted', { file, error: errorCode(error) });
    return 0;
  }
}
