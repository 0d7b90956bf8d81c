/**
 * The import child process (dist/import-worker.cjs), started by import-process.ts: the CSV on
 * standard input, `{dataDir, actor, filename}` as its one argument, one JSON line on standard
 * output. To the figures database it is just another process of the app: it takes the same
 * lock and writes the same way, and the app's processes see the new file on their next read.
 */
import path from 'node:path';
import { createLogger } from '../log/index.ts';
import { createSqlJsLoader } from '../db/sqljs.ts';
import { createInProcessImporter, type ImportOutcome } from './importer.ts';
import { openFigures } from './open.ts';

export type WorkerAnswer = ImportOutcome | { readonly ok: 'error'; readonly unavailable: boolean; readonly message: string };

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function main(): Promise<WorkerAnswer> {
  const { dataDir, actor, filename } = JSON.parse(process.argv[2] ?? '{}') as { dataDir: string; actor: string; filename: string };
  // Log lines go to stderr, which the app forwards to its own log: stdout carries the answer.
  const logger = createLogger(process.stderr);
  const now = (): number => Math.floor(Date.now() / 1000);
  const { figures, file } = openFigures({ dataDir, loadSql: createSqlJsLoader({ wasmPath: path.join(__dirname, 'sql-wasm.wasm') }), logger, now });
  try {
    return await createInProcessImporter(figures)(await readStdin(), { actor, filename });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { ok: 'error', unavailable: name === 'StoreUnavailableError' || name === 'StoreWriteError', message: error instanceof Error ? error.message : 'import failed' };
  } finally {
    file.close();
    logger.flush();
  }
}

void main().then((answer) => {
  process.stdout.write(`${JSON.stringify(answer)}\n`, () => process.exit(answer.ok === 'error' ? 1 : 0));
});
