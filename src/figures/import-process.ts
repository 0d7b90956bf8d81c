/**
 * Runs each CSV import in a child process (dist/import-worker.cjs). Parsing and inserting
 * 100,000 rows is a second or two of synchronous work; in the app's own process every other
 * member's request would wait for it (cPanel often runs a single process). A child process —
 * not a worker thread — because the figures lock names its owner by process id: a thread that
 * died holding it would look alive forever, while a dead child's lock is recovered like any
 * other process's. One import at a time per app process.
 */
import { spawn } from 'node:child_process';
import { StoreUnavailableError } from '../db/sqljs.ts';
import type { CsvImporter, ImportOutcome } from './importer.ts';
import type { WorkerAnswer } from './import-worker.ts';
import { oneAtATime } from '../jobs/one-at-a-time.ts';
import type { SlotRunner } from '../jobs/account-slots.ts';

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
  const run = (bytes: Uint8Array, meta: { actor: string; filename: string }): Promise<ImportOutcome> =>
    new Promise((resolve, reject) => {
      const argument = JSON.stringify({ dataDir: options.dataDir, actor: meta.actor, filename: meta.filename });
      // The same node binary and environment as the app (CloudLinux's Node.js selector may need
      // its variables); the child reads only its argument and standard input.
      const child = spawn(process.execPath, [options.script, argument], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
      child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new StoreUnavailableError('the import process could not be started', { cause: error }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        let answer: WorkerAnswer | undefined;
        try {
          answer = JSON.parse(out.trim().split('\n').pop() ?? '') as WorkerAnswer;
        } catch {
          answer = undefined;
        }
        if (answer === undefined) reject(new StoreUnavailableError(`the import process ended without an answer (${signal ?? `exit ${code}`})`));
        else if (answer.ok === 'error') reject(answer.unavailable ? new StoreUnavailableError(answer.message) : new Error(answer.message));
        else resolve(answer);
      });
      // A child that died early closes its stdin: the error is reported by 'close' above.
      child.stdin.on('error', () => undefined);
      child.stdin.end(bytes);
    });
  const slots = options.slots;
  return (bytes, meta) => inTurn(() => (slots === undefined ? run(bytes, meta) : slots(() => run(bytes, meta))));
}
