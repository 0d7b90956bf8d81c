/**
 * Runs each CSV import in a child process (dist/import-worker.cjs). Parsing and inserting
 * 100,000 rows is a second or two of synchronous work; in the app's own process every other
 * member's request would wait for it (cPanel often runs a single process). A child process —
 * not a worker thread — because the figures lock names its owner by process id: a thread that
 * died holding it would look alive forever, while a dead child's lock is recovered like any
 * other process's. One import at a time per app process.
 */
import { runChild } from '../jobs/child-process.ts';
import { StoreUnavailableError } from '../db/sqljs.ts';
import type { CsvImporter, ImportOutcome } from './importer.ts';
import type { WorkerAnswer } from './import-worker.ts';
import { oneAtATime } from '../jobs/one-at-a-time.ts';
import type { SlotRunner } from '../jobs/account-slots.ts';

/**
 * V8 flags of the child. `--optimize-for-size` has V8 collect sooner and grow its heap less: on
 * 100,000 rows (5 interleaved runs each, medians) the child peaked at 124 MB instead of 156 and
 * took 3.5 s instead of 3.0; on 200,000 rows (the most a file may hold) at 177–199 MB instead of
 * 254, in 7.5 s instead of 5.8. An import's child is what an account's memory cap meets first
 * (README, "Memory and processes"), and the admin's page waits for it in the background. No
 * old-generation ceiling, unlike the PDF's: the file's notes, not its row count, set how much
 * the records take, and a ceiling would fail a file that is within the limits.
 */
export const IMPORT_CHILD_FLAGS = ['--optimize-for-size'] as const;

export interface ProcessImporterOptions {
  /** dist/import-worker.cjs */
  readonly script: string;
  readonly dataDir: string;
  /** Give up (and kill the child) after this long. */
  readonly timeoutMs?: number;
  /** Where each import waits for one of the account's heavy-work slots (jobs/account-slots.ts). */
  readonly slots?: SlotRunner;
}

export function createProcessImporter(options: ProcessImporterOptions): CsvImporter {
  const inTurn = oneAtATime();
  const run = async (bytes: Uint8Array, meta: { actor: string; filename: string }): Promise<ImportOutcome> => {
    const argument = JSON.stringify({ dataDir: options.dataDir, actor: meta.actor, filename: meta.filename });
    let ended;
    try {
      ended = await runChild([...IMPORT_CHILD_FLAGS, options.script, argument], bytes, { timeoutMs: options.timeoutMs ?? 300_000, stderr: 'inherit' });
    } catch (error) {
      throw new StoreUnavailableError('the import process could not be started', { cause: error });
    }
    let answer: WorkerAnswer | undefined;
    try {
      answer = JSON.parse(ended.stdout.toString('utf8').trim().split('\n').pop() ?? '') as WorkerAnswer;
    } catch {
      answer = undefined;
    }
    if (answer === undefined) throw new StoreUnavailableError(`the import process ended without an answer (${ended.signal ?? `exit ${ended.code}`})`);
    if (answer.ok === 'error') throw answer.unavailable ? new StoreUnavailableError(answer.message) : new Error(answer.message);
    return answer;
  };
  const slots = options.slots;
  return (bytes, meta) => inTurn(() => (slots === undefined ? run(bytes, meta) : slots(() => run(bytes, meta))));
}
