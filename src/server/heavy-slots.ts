/** The account's heavy-work slots as the server wires them (jobs/account-slots.ts over db/lock.ts). */
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { createFileLock } from '../db/lock.ts';
import { RUN_FOLDER } from '../instances/index.ts';
import { accountSlots, type SlotRunner } from '../jobs/account-slots.ts';
import type { Logger } from '../log/index.ts';

/** How long a PDF or an import waits for a free heavy-work slot before 503 "try again". */
const HEAVY_WAIT_MS = 180_000;

/**
 * The account's places for heavy work (a PDF render, a CSV import: each a child process of
 * 100–300 MB), shared by every process of the app through lock files in DATA_DIR/run. A full
 * disk would report its failure with every report: once a minute is enough.
 */
export function heavySlots(config: Config, logger: Logger): SlotRunner {
  const locks = Array.from({ length: config.heavyJobs }, (_, i) => createFileLock(path.join(config.dataDir, RUN_FOLDER, `heavy-${i + 1}.lock`)));
  let warned = 0;
  const onError = (error: unknown): void => {
    if (Date.now() - warned < 60_000) return;
    warned = Date.now();
    logger.warn('cannot take a heavy-work slot in DATA_DIR/run: running without one', { error: error instanceof Error ? error.message : 'unknown' });
  };
  return accountSlots(locks, { waitMs: HEAVY_WAIT_MS, onError });
}
