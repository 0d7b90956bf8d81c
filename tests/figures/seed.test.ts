/** Sample data: realistic, reproducible, and imported once however many processes start together. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoWeekday } from '../../src/figures/dates.ts';
import { sampleRecords, seededRandom, seedIfEmpty } from '../../src/figures/seed.ts';
import { openTestFigures, record } from './fixture.ts';

test('a year of daily records: four categories (Korean names too), three metrics, rhythm, trend and notes', () => {
  const records = sampleRecords({ endDate: '2025-12-31', random: seededRandom(7) });
  assert.equal(records.length, 365 * 4 * 3);
  assert.equal(records[0]!.date, '2025-01-01');
  assert.equal(records.at(-1)!.date, '2025-12-31');
  assert.deepEqual([...new Set(records.map((r) => r.category))].sort(), ['Head office', '부산 지점', '서울 지점', '온라인']);
  assert.deepEqual([...new Set(records.map((r) => r.metric))].sort(), ['new members', 'revenue', 'visitors']);
  assert.deepEqual(sampleRecords({ endDate: '2025-12-31', random: seededRandom(7) }), records, 'reproducible');
  assert.notDeepEqual(sampleRecords({ endDate: '2025-12-31', random: seededRandom(8) }), records);
  for (const r of records) {
    assert.ok(Number.isFinite(r.value) && r.value >= 0);
    if (r.metric === 'revenue') assert.equal(Math.round(r.value * 100) / 100, r.value);
    else assert.ok(Number.isInteger(r.value), `${r.metric} ${r.value}`);
  }
  const notes = records.filter((r) => r.note !== null).length;
  assert.ok(notes > 10 && notes < 150, `${notes} notes`);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const visitors = (category: string, keep: (date: string, i: number) => boolean) =>
    mean(records.filter((r, i) => r.category === category && r.metric === 'visitors' && keep(r.date, i)).map((r) => r.value));
  const weekend = (date: string) => isoWeekday(date) >= 5;
  assert.ok(visitors('온라인', weekend) > visitors('온라인', (d) => !weekend(d)) * 1.2, 'online is busiest at the weekend');
  assert.ok(visitors('Head office', weekend) < visitors('Head office', (d) => !weekend(d)) * 0.2, 'the head office rests');
  assert.ok(visitors('서울 지점', (d) => d >= '2025-10-01') > visitors('서울 지점', (d) => d < '2025-04-01'), 'a growing year');
  assert.equal(sampleRecords({ endDate: '2024-03-01', days: 3, random: seededRandom(1) })[0]!.date, '2024-02-28');
});

test('seedIfEmpty: several processes starting at once import exactly once; never over existing data', async (t) => {
  const one = openTestFigures(t);
  const two = openTestFigures(t, one.dataDir);
  const [a, b] = await Promise.all([seedIfEmpty(one.figures, { endDate: '2025-06-30', days: 30 }), seedIfEmpty(two.figures, { endDate: '2025-06-30', days: 30 })]);
  assert.equal([a, b].filter((s) => s !== undefined).length, 1, 'one of them imports');
  const summary = a ?? b!;
  assert.deepEqual([summary.rows, summary.from, summary.to, summary.actor, summary.filename], [360, '2025-06-01', '2025-06-30', 'system', 'sample data']);
  assert.equal(await one.figures.count(), 360);
  assert.equal(await seedIfEmpty(two.figures, { endDate: '2025-06-30' }), undefined);
  assert.equal((await two.figures.listImports()).length, 1);

  const other = openTestFigures(t);
  await other.figures.importRecords([record('2020-01-01', 'a', 'm', 1)], { actor: 'x', filename: 'x.csv' });
  assert.equal(await other.figures.importIfEmpty([record('2020-01-02', 'a', 'm', 1)], { actor: 'x', filename: 'y.csv' }), undefined);
  assert.equal(await other.figures.count(), 1);
});
