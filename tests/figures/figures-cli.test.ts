/** The `figures` commands in process: progress on a terminal, every problem printed, the audit entries. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { figuresCommand, type FiguresCliIo } from '../../src/cli/figures.ts';
import type { AuditEntry, Store } from '../../src/store/index.ts';
import { openTestFigures } from './fixture.ts';

function io(files: Record<string, string>, tty: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  let status = '';
  const value: FiguresCliIo = {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    status: (text) => (status += text),
    tty,
    readFile: async (name) => {
      if (!(name in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return new TextEncoder().encode(files[name]);
    },
    operator: 'kim',
    today: '2025-12-31',
  };
  return { value, out, err, status: () => status };
}

function auditStore(): { store: Store; entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return { store: { audit: async (entry: AuditEntry) => void entries.push(entry) } as unknown as Store, entries };
}

test('on a terminal, progress redraws one line and ends with a line break', async (t) => {
  const { figures } = openTestFigures(t);
  const lines = ['date,category,metric,value'];
  for (let i = 0; i < 25_000; i += 1) lines.push(`2025-01-01,c${i},m,${i}`);
  const term = io({ 'a.csv': lines.join('\n') }, true);
  const { store, entries } = auditStore();
  assert.equal(await figuresCommand(['import', 'a.csv'], { figures, store }, term.value), 0);
  assert.deepEqual(term.out, ['imported 25,000 records (replaced 0) for 2025-01-01 … 2025-01-01']);
  const status = term.status();
  assert.match(status, /^\rparsed 10,001 \/ 25,001 lines\u001b\[K\rparsed 20,001 \/ 25,001 lines\u001b\[K\rparsed 25,001 \/ 25,001 lines\u001b\[K\n/);
  assert.match(status, /\rwrote 10,000 \/ 25,000 records\u001b\[K\rwrote 20,000 \/ 25,000 records\u001b\[K\rwrote 25,000 \/ 25,000 records\u001b\[K\n$/);
  assert.deepEqual(entries, [{ action: 'data_import', outcome: 'success', actor: 'cli:kim', target: 'a.csv', detail: '25000 rows for 2025-01-01..2025-01-01, replaced 0' }]);
});

test('problems: each printed as "line N: reason", the rest counted, nothing imported', async (t) => {
  const { figures } = openTestFigures(t);
  const lines = ['date,category,metric,value'];
  for (let i = 0; i < 205; i += 1) lines.push(`2025-01-01,c${i},m,x${i}`);
  const term = io({ 'bad.csv': lines.join('\n') }, false);
  const { store, entries } = auditStore();
  assert.equal(await figuresCommand(['import', 'bad.csv', '--actor', 'ops'], { figures, store }, term.value), 1);
  assert.equal(term.err[0], 'line 2: value "x0" is not a number');
  assert.equal(term.err[199], 'line 201: value "x199" is not a number');
  assert.deepEqual(term.err.slice(200), ['… and 5 more problems', 'nothing was imported: 205 problems in bad.csv']);
  assert.equal(term.status(), '', 'no progress line for a small refused file');
  assert.equal(await figures.count(), 0);
  assert.deepEqual(entries.map((e) => [e.outcome, e.actor, e.detail]), [['failure', 'ops', '205 bad lines']]);
});

test('metrics and metric-format: list, set a unit and places (keeping what is not given), reset; bad values are usage errors', async (t) => {
  const { figures } = openTestFigures(t);
  await figures.importRecords([{ date: '2025-01-01', category: 'a', metric: 'revenue', value: 1.25, note: null }], { actor: 'x', filename: 'x.csv' });
  const { store, entries } = auditStore();
  const run = async (...args: string[]) => {
    const term = io({}, false);
    return { code: await figuresCommand(args, { figures, store }, term.value), out: term.out, err: term.err };
  };
  assert.deepEqual((await run('metrics')).out, ['revenue              unit (none)       decimals 2 (from the data)']);
  assert.deepEqual((await run('metric-format', 'revenue', '--unit', 'EUR')).out, ['revenue              unit EUR          decimals 2']);
  assert.deepEqual((await run('metric-format', 'revenue', '--decimals', '0')).out, ['revenue              unit EUR          decimals 0'], 'the unit stays');
  assert.deepEqual((await run('metric-format', 'revenue', '--reset')).out, ['revenue              unit (none)       decimals 2 (from the data)']);
  assert.equal(entries.filter((e) => e.action === 'metric_format').length, 3);
  for (const args of [['metric-format', 'revenue', '--decimals', '7'], ['metric-format', 'profit', '--unit', 'EUR'], ['metric-format', 'revenue'], ['metric-format', 'revenue', '--unit', ' x']]) {
    const refused = await run(...args);
    assert.equal(refused.code, 2, args.join(' '));
    assert.match(refused.err[0]!, /^error: /);
  }
});
