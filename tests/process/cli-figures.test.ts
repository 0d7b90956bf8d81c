/** `node dist/cli.cjs figures …` as admins run it over SSH: from a release folder, no node_modules. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createSqlJsLoader } from '../../src/db/sqljs.ts';
import { releaseCopy, runCli } from '../helpers/process.ts';

const release = releaseCopy();
after(() => release.remove());
writeFileSync(path.join(release.dir, '.env'), 'DATA_DIR=./cli-data\n');
const loadSql = createSqlJsLoader({ wasmPath: path.join(release.dir, 'dist', 'sql-wasm.wasm') });

const cli = (args: string[]) => runCli(release.dir, args);

function csv(name: string, text: string): string {
  writeFileSync(path.join(release.dir, name), text);
  return name;
}

async function sqlite<T>(file: string, sql: string): Promise<T[]> {
  const SQL = await loadSql();
  const db = new SQL.Database(readFileSync(path.join(release.dir, 'cli-data', file)));
  try {
    const result = db.exec(sql)[0];
    return (result?.values ?? []).map((row) => Object.fromEntries(result!.columns.map((c, i) => [c, row[i]])) as T);
  } finally {
    db.close();
  }
}

test('import: a good file lands whole; a bad one lists every problem, changes nothing, and both are audited', async () => {
  const good = csv('branches.csv', '\ufeffdate;category;metric;value;note\r\n2025-01-01;서울 지점;revenue;1234,5;\r\n2025-01-02;온라인;visitors;7;"rain; wind"\r\n');
  const first = await cli(['figures', 'import', good]);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.out, 'imported 2 records (replaced 0) for 2025-01-01 … 2025-01-02\n');
  assert.match(first.err, /^parsed 3 \/ 3 lines$/m);
  assert.match(first.err, /^wrote 2 \/ 2 records$/m);

  const bad = csv(
    'bad.csv',
    ['date,category,metric,value', '2025-01-01,서울 지점,revenue,abc', '2025-01-03,"multi', 'line",revenue,1', '2025-02-30,a,revenue,1', '2025-01-05,a,revenue,2'].join('\n'),
  );
  const refused = await cli(['figures', 'import', bad]);
  assert.equal(refused.code, 1);
  assert.equal(refused.out, '');
  assert.match(refused.err, /^line 2: value "abc" is not a number$/m);
  assert.match(refused.err, /^line 3: category "multi\\nline" holds a line break or control character$/m);
  assert.match(refused.err, /^line 5: date "2025-02-30" is not a real day written YYYY-MM-DD$/m);
  assert.match(refused.err, /^nothing was imported: 3 problems in bad\.csv$/m);
  assert.doesNotMatch(refused.err, /line 6/, 'the good line is not a problem');
  assert.deepEqual(await sqlite('figures.sqlite', 'SELECT date, category, value, note FROM records ORDER BY date'), [
    { date: '2025-01-01', category: '서울 지점', value: 1234.5, note: null },
    { date: '2025-01-02', category: '온라인', value: 7, note: 'rain; wind' },
  ]);

  const again = await cli(['figures', 'import', good, '--actor', 'nightly job']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^imported 2 records \(replaced 2\) for 2025-01-01 … 2025-01-02$/m);
  const list = await cli(['figures', 'list-imports']);
  assert.equal(list.code, 0);
  const lines = list.out.trim().split('\n');
  assert.equal(lines.length, 3, list.out);
  assert.match(lines[1]!, /^\s+2\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+2\s+2\s+2025-01-01 … 2025-01-02\s+nightly job\s+branches\.csv$/);
  assert.match(lines[2]!, /^\s+1\s.*\s+0\s+2025-01-01 … 2025-01-02\s+cli:\S+\s+branches\.csv$/);

  const audit = await sqlite<{ action: string; outcome: string; actor: string; target: string; detail: string }>(
    'dashboard.sqlite',
    "SELECT action, outcome, actor, target, detail FROM audit_log WHERE action = 'data_import' ORDER BY id",
  );
  assert.deepEqual(
    audit.map((a) => [a.outcome, a.target, a.detail]),
    [
      ['success', 'branches.csv', '2 rows for 2025-01-01..2025-01-02, replaced 0'],
      ['failure', 'bad.csv', '3 bad lines'],
      ['success', 'branches.csv', '2 rows for 2025-01-01..2025-01-02, replaced 2'],
    ],
  );
  assert.equal(audit[2]!.actor, 'nightly job');
});

test('100,000 lines: progress lines while parsing and writing, then the summary', async () => {
  const lines = ['date,category,metric,value,note'];
  const categories = ['서울 지점', '부산 지점', '온라인', 'Head office'];
  for (let i = 0; lines.length <= 100_000; i += 1) {
    const date = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 8) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${date},${categories[i % 4]},${i % 8 < 4 ? 'visitors' : 'members'},${i % 1000},`);
  }
  const started = performance.now();
  const big = await cli(['figures', 'import', csv('big.csv', `${lines.join('\n')}\n`), '--data-dir', './big-data']);
  console.log(`# figures import of 100,000 lines, the whole command: ${Math.round(performance.now() - started)} ms`);
  assert.equal(big.code, 0, big.err);
  assert.match(big.err, /^parsed 50,001 \/ 100,001 lines$/m);
  assert.match(big.err, /^parsed 100,001 \/ 100,001 lines$/m);
  assert.match(big.err, /^wrote 50,000 \/ 100,000 records$/m);
  assert.match(big.out, /^imported 100,000 records \(replaced 0\) for 2020-01-01 … 2054-03-\d\d$/m);
});

test('seed, usage errors, and the users area still there', async () => {
  const seeded = await cli(['figures', 'seed', '--data-dir', './seed-data', '--end-date', '2025-12-31']);
  assert.equal(seeded.code, 0, seeded.err);
  assert.equal(seeded.out, 'added 4,380 sample records for 2025-01-01 … 2025-12-31\n');
  assert.match((await cli(['figures', 'seed', '--data-dir', './seed-data'])).out, /already holds records/);
  const unknown = await cli(['figures', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  assert.equal((await cli(['figures', 'import'])).code, 2);
  assert.equal((await cli(['figures', 'seed', '--end-date', '2025-02-30'])).code, 2);
  const missing = await cli(['figures', 'import', 'nowhere.csv']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read nowhere\.csv \(ENOENT\)/);
  const help = await cli(['help']);
  assert.equal(help.code, 0);
  assert.match(help.err, /users <command>/);
  assert.match(help.err, /figures <command>/);
  assert.equal((await cli(['users', 'list'])).code, 0);
});
