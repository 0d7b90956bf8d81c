/**
 * CSV imports in a child process (src/figures/import-process.ts with the built
 * dist/import-worker.cjs): answers, refusals, a child that dies, and the point of it all — the
 * app's own event loop keeps turning while 100,000 rows are parsed and written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { createLogger } from '../../src/log/index.ts';
import { createProcessImporter, IMPORT_CHILD_FLAGS } from '../../src/figures/import-process.ts';
import { openFigures } from '../../src/figures/open.ts';
import { createSqlJsLoader, StoreUnavailableError } from '../../src/db/sqljs.ts';
import { ROOT } from '../helpers/process.ts';

const SCRIPT = path.join(ROOT, 'dist/import-worker.cjs');

function dataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function csv(rows: number): string {
  const lines = ['date,category,metric,value'];
  for (let i = 0; i < rows; i += 1) {
    const date = new Date(Date.UTC(2024, 0, 1) + Math.floor(i / 100) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${date},지점 ${i % 20},m${Math.floor(i / 20) % 5},${i % 1000}`);
  }
  return `${lines.join('\n')}\n`;
}

test('an import in a child process: the summary, then the app sees the records; a bad file: every problem, nothing written', async (t) => {
  const dir = dataDir(t);
  const importCsv = createProcessImporter({ script: SCRIPT, dataDir: dir });
  const good = await importCsv(new TextEncoder().encode(csv(1000)), { actor: 'root', filename: 'a.csv' });
  assert.equal(good.ok, true);
  assert.deepEqual(good.ok && [good.summary.rows, good.summary.actor, good.summary.filename], [1000, 'root', 'a.csv']);

  const { figures, file } = openFigures({ dataDir: dir, loadSql: createSqlJsLoader({ wasmPath: path.join(ROOT, 'dist/sql-wasm.wasm') }), logger: createLogger({ write: () => undefined }), now: () => 1_800_000_000 });
  t.after(() => file.close());
  assert.equal(await figures.count(), 1000);

  const bad = await importCsv(new TextEncoder().encode('date,category,metric,value\n2024-02-30,x,m,1\n2024-03-01,x,m,lots\n'), { actor: 'root', filename: 'b.csv' });
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.problems.map((p) => p.line), [2, 3]);
  assert.equal(await figures.count(), 1000, 'nothing written');
});

test('a child that cannot run or dies without answering is a storage error (503), not a hang', async (t) => {
  const dir = dataDir(t);
  await assert.rejects(createProcessImporter({ script: path.join(dir, 'missing.cjs'), dataDir: dir })(new Uint8Array(1), { actor: 'a', filename: 'f' }), StoreUnavailableError);
  const dies = path.join(dir, 'dies.cjs');
  writeFileSync(dies, 'process.kill(process.pid, "SIGKILL");');
  await assert.rejects(createProcessImporter({ script: dies, dataDir: dir })(new Uint8Array(1), { actor: 'a', filename: 'f' }), /ended without an answer \(SIGKILL\)/);
});

test('the child runs with IMPORT_CHILD_FLAGS (a heap that grows less: the account\u2019s memory cap meets the import first)', async (t) => {
  const dir = dataDir(t);
  const tells = path.join(dir, 'tells.cjs');
  // Answers as the worker does, with what node was started with as its message.
  writeFileSync(tells, 'console.log(JSON.stringify({ ok: "error", unavailable: false, message: JSON.stringify(process.execArgv) }));');
  await assert.rejects(createProcessImporter({ script: tells, dataDir: dir })(new Uint8Array(1), { actor: 'a', filename: 'f' }), (error: Error) => {
    assert.deepEqual(JSON.parse(error.message), [...IMPORT_CHILD_FLAGS]);
    return true;
  });
});

test("100,000 rows: the app's event loop keeps turning while the child parses and writes", async (t) => {
  const dir = dataDir(t);
  const bytes = new TextEncoder().encode(csv(100_000));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const outcome = await createProcessImporter({ script: SCRIPT, dataDir: dir })(bytes, { actor: 'root', filename: 'big.csv' });
  const tookMs = performance.now() - started;
  delay.disable();
  assert.equal(outcome.ok && outcome.summary.rows, 100_000);
  const worstMs = delay.max / 1e6;
  t.diagnostic(`import ${Math.round(tookMs)} ms; worst event-loop delay meanwhile ${worstMs.toFixed(1)} ms`);
  // In this process the same work blocks the loop for most of the import's time.
  assert.ok(worstMs < tookMs / 4, `the event loop stalled ${worstMs.toFixed(0)} ms of a ${Math.round(tookMs)} ms import`);
});
