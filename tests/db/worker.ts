/**
 * A separate process for the store's multi-process tests (run with `node --import tsx`).
 * It prints "ready", waits for a line on stdin (so that every worker starts at once), then:
 *
 *   count LOCK COUNTER N [nolock]  N times: take the lock, read the counter file, yield, write
 *                                  it plus one, release. `nolock` skips the lock (a control).
 *   hold LOCK                      takes the lock, prints "held", and waits to be killed.
 *   db DIR N TAG                   N read-modify-write changes through a DatabaseFile on DIR.
 *   wasm DIR                       loads sql.js from DIR (holding a damaged WASM), restores
 *                                  the good one, and loads again 5 s later (injected clock).
 *
 * and prints "done" with a few numbers.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createMemoryLogger } from '../../src/log/index.ts';
import { DatabaseFile } from '../../src/db/db-file.ts';
import { createFileLock } from '../../src/db/lock.ts';
import { MIGRATIONS } from '../../src/store/schema.ts';
import { createSqlJsLoader } from '../../src/db/sqljs.ts';

const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
const [mode, target = '', ...rest] = process.argv.slice(2);
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function go(): Promise<void> {
  process.stdout.write('ready\n');
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });
}

async function count(counter: string, n: number, useLock: boolean): Promise<void> {
  const lock = createFileLock(target, { timeoutMs: 60_000 });
  await go();
  const started = performance.now();
  for (let i = 0; i < n; i += 1) {
    const held = useLock ? await lock.acquire() : undefined;
    const value = Number(await readFile(counter, 'utf8'));
    await yieldTurn(); // widen the read-to-write window: without the lock, increments get lost
    await writeFile(counter, String(value + 1));
    await held?.release();
  }
  process.stdout.write(`done ms=${Math.round(performance.now() - started)}\n`);
}

async function hold(): Promise<void> {
  await createFileLock(target).acquire();
  process.stdout.write(`held pid=${process.pid}\n`);
  setInterval(() => undefined, 60_000);
}

async function db(n: number, tag: string): Promise<void> {
  const file = new DatabaseFile({
    file: path.join(target, 'dashboard.sqlite'),
    loadSql: createSqlJsLoader({ wasmPath: WASM }),
    lock: createFileLock(path.join(target, 'dashboard.sqlite.lock'), { timeoutMs: 60_000 }),
    logger: createMemoryLogger(),
    migrations: MIGRATIONS,
  });
  await file.ready();
  await go();
  const started = performance.now();
  const seen: number[] = [];
  // A few writes in flight at a time, as concurrent requests of one process would be.
  const one = (i: number): Promise<void> =>
    file
      .write((q) => {
        const n = Number(q.get<{ value: string }>("SELECT value FROM meta WHERE key = 'counter'")?.value ?? 0) + 1;
        q.run("INSERT INTO meta (key, value) VALUES ('counter', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(n)]);
        q.run('INSERT INTO audit_log (at, action, outcome, detail) VALUES (?, ?, ?, ?)', [i, 'worker', 'success', `${tag}-${i}`]);
        return n;
      })
      .then((value) => void seen.push(value));
  for (let i = 0; i < n; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].filter((k) => k < n).map(one));
  file.close();
  process.stdout.write(`done ms=${Math.round(performance.now() - started)} values=${seen.join(',')}\n`);
}

async function wasm(): Promise<void> {
  // sql.js itself leaves a rejection of its own unhandled on a damaged WASM: count, don't crash.
  let unhandled = 0;
  process.on('unhandledRejection', () => void (unhandled += 1));
  let clock = 1_000_000;
  const load = createSqlJsLoader({ wasmPath: path.join(target, 'sql-wasm.wasm'), now: () => clock });
  const attempt = (): Promise<string> =>
    load().then(
      (SQL) => `ok ${new SQL.Database().exec('SELECT 40 + 2')[0]?.values[0]?.[0]}`,
      (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
    );
  process.stdout.write(`first ${await attempt()}\n`);
  await copyFile(WASM, path.join(target, 'sql-wasm.wasm'));
  process.stdout.write(`soon ${await attempt()}\n`);
  clock += 5000;
  process.stdout.write(`later ${await attempt()}\n`);
  await yieldTurn();
  process.stdout.write(`done unhandled=${unhandled}\n`);
}

async function main(): Promise<void> {
  if (mode === 'count') await count(rest[0]!, Number(rest[1]), rest[2] !== 'nolock');
  else if (mode === 'hold') await hold();
  else if (mode === 'db') await db(Number(rest[0]), rest[1] ?? 'w');
  else if (mode === 'wasm') await wasm();
  else throw new Error(`unknown mode ${mode}`);
}

main().then(
  () => {
    if (mode !== 'hold') process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
