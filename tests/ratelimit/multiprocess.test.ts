/**
 * The file store across REAL processes (as Passenger runs the app): four processes on one key
 * admit exactly the limit; a restarted process keeps counting where the others left off; a
 * kill -9 mid-storm loses no count and blocks nobody. Every process uses the same fixed `now`
 * (one window), so a minute boundary can never split a run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { T0 } from './contract.ts';
import { bundleWorker, readJournal, runStorms, startStorm, type StormArgs } from './storm.ts';

const NOW = T0 + 30_000; // mid-minute
let scratch: string;
let worker: string;

before(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'ratelimit-mp-'));
  worker = await bundleWorker(scratch);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function storeDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(scratch, 'store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Four workers that start together, 300 ms from now (time for node to boot). */
const four = (args: StormArgs): StormArgs[] => {
  const startAt = Date.now() + 300;
  return [0, 1, 2, 3].map(() => ({ ...args, startAt }));
};
const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('file store, four real processes', () => {
  test('one key, 4 × 1,000 consumes against 100/minute: exactly 100 admitted, and the journal agrees', async (t) => {
    const dir = storeDir(t);
    const results = await runStorms(worker, four({ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW }));
    const admitted = sum(results.map((r) => r.admitted));
    t.diagnostic(`admitted per process: ${results.map((r) => r.admitted).join(' + ')} = ${admitted}`);
    assert.ok(admitted <= 100, `over-admitted: ${admitted}`);
    assert.ok(admitted >= 99, `under-admitted: ${admitted}`);
    assert.equal(sum(results.map((r) => r.failed)), 0);
    assert.equal(sum(results.map((r) => r.admitted + r.refused)), 4000);
    const { records, malformed } = readJournal(dir);
    assert.deepEqual(malformed, []);
    const hot = records.filter((r) => r.key === 'storm/hot');
    assert.equal(hot.filter((r) => r.rank <= 100).length, admitted, 'each admission is one of the first 100 lines');
    // Refusals stop writing once a process has seen the key full: the journal stays small.
    assert.ok(hot.length < 200, `${hot.length} lines for 4,000 consumes`);
  });

  test('one key, 4 × 25,000 against 50,000/minute, records interleaved: exactly 50,000 admitted', async (t) => {
    const dir = storeDir(t);
    const results = await runStorms(worker, four({ dir, rule: '50000/minute', count: 25_000, keys: 'one', now: NOW }));
    const admitted = sum(results.map((r) => r.admitted));
    const { records } = readJournal(dir);
    let switches = 0;
    for (let i = 1; i < records.length; i += 1) if (records[i]!.tag !== records[i - 1]!.tag) switches += 1;
    t.diagnostic(`admitted per process: ${results.map((r) => r.admitted).join(' + ')} = ${admitted}; the writer changed ${switches} times in the journal`);
    assert.ok(switches > 100, 'the processes really ran at the same time');
    assert.equal(admitted, 50_000);
    assert.equal(records.filter((r) => r.rank <= 50_000).length, 50_000);
  });

  test('a restarted process keeps counting where the others left off', async (t) => {
    const dir = storeDir(t);
    const first = await runStorms(worker, four({ dir, rule: '100/minute', count: 20, keys: 'one', now: NOW }));
    assert.equal(sum(first.map((r) => r.admitted)), 80);
    const [fifth] = await runStorms(worker, [{ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW }]);
    assert.equal(fifth!.admitted, 20, 'exactly the 20 left');
    const [sixth] = await runStorms(worker, [{ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW }]);
    assert.equal(sixth!.admitted, 0, 'nothing left for a process started after the limit was reached');
    assert.equal(sixth!.refused, 1000);
    const [nextMinute] = await runStorms(worker, [{ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW + 60_000 }]);
    assert.equal(nextMinute!.admitted, 100, 'the next window starts afresh');
  });

  test('after the storm of four, a fifth process gets nothing for that key', async (t) => {
    const dir = storeDir(t);
    await runStorms(worker, four({ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW }));
    const [fifth] = await runStorms(worker, [{ dir, rule: '100/minute', count: 1000, keys: 'one', now: NOW }]);
    assert.equal(fifth!.admitted, 0);
  });

  test('kill -9 mid-storm: no count lost, the store answers a fresh process within 1 s, never over the limit', async (t) => {
    const dir = storeDir(t);
    const limit = 60_000;
    const startAt = Date.now() + 400;
    const args: StormArgs = { dir, rule: `${limit}/minute`, count: 30_000, keys: 'one', now: NOW, probe: true, startAt };
    const storms = [0, 1, 2, 3].map(() => startStorm(worker, args));
    const victim = storms[0]!;
    await victim.storming;
    // Kill once the journal holds about a quarter of the limit: the victim is mid-storm.
    const journal = path.join(dir, `w60-${Math.floor(NOW / 60_000)}.log`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      let size = 0;
      try {
        size = statSync(journal).size;
      } catch {
        // not created yet
      }
      if (size > limit * 6 || Date.now() > deadline) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    victim.child.kill('SIGKILL');
    const outcomes = await Promise.all(storms.map((s) => s.done));
    assert.equal(outcomes[0]!.signal, 'SIGKILL', 'the victim was killed before it finished');
    assert.equal(outcomes[0]!.result, undefined);
    const survivors = outcomes.slice(1).map((o, i) => {
      assert.equal(o.code, 0, `survivor ${i}: ${o.stderr}`);
      return o.result!;
    });

    const [fresh] = await runStorms(worker, [{ dir, rule: `${limit}/minute`, count: 1000, keys: 'one', now: NOW, probe: true }]);
    t.diagnostic(`fresh process: first consume answered in ${fresh!.firstMs.toFixed(1)} ms`);
    assert.ok(fresh!.firstMs < 1000, `first consume took ${fresh!.firstMs} ms`);

    const { records, malformed } = readJournal(dir);
    assert.ok(malformed.length <= 1, `malformed lines: ${malformed.join(' | ')}`);
    const tagOf = new Map(records.filter((r) => r.key.startsWith('storm/probe-')).map((r) => [Number(r.key.slice('storm/probe-'.length)), r.tag]));
    const admittedIn = (pid: number): number => records.filter((r) => r.tag === tagOf.get(pid) && r.key === 'storm/hot' && r.rank <= limit).length;
    for (const s of [...survivors, fresh!]) {
      assert.equal(s.failed, 0);
      assert.equal(s.admitted, admittedIn(s.pid), `process ${s.pid}: reported admissions = its lines ranked within the limit`);
    }
    const killedPid = victim.child.pid!;
    const killedAdmitted = admittedIn(killedPid);
    const served = sum(survivors.map((s) => s.admitted)) + fresh!.admitted;
    t.diagnostic(`killed process: ${killedAdmitted} admissions in the journal; survivors + fresh: ${served}`);
    assert.ok(killedAdmitted > 0, 'the victim had counted before it died');
    // The limit was reached: every one of its slots belongs to exactly one process's record.
    assert.equal(served + killedAdmitted, limit, 'no count lost, none invented');
    assert.equal(fresh!.admitted, 0);
  });
});
