/**
 * What the file store leaves on disk: a flood of 100,000 distinct addresses (bytes and files,
 * measured and bounded), old windows deleted once they are over, and no file descriptor left
 * open whichever way the clock moves.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { addressKey } from '../../src/ratelimit/limiter.ts';
import { createFileStore, type JournalFs } from '../../src/ratelimit/file-store.ts';
import { REAL_JOURNAL_FS, T0, rule } from './contract.ts';

const MB = 1024 * 1024;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ratelimit-disk-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function usage(dir: string): { files: string[]; bytes: number } {
  const files = readdirSync(dir).sort();
  return { files, bytes: files.reduce((total, name) => total + statSync(path.join(dir, name)).size, 0) };
}

const byLength = (files: readonly string[]): Map<string, number> => {
  const out = new Map<string, number>();
  for (const name of files) {
    const length = /^w(\d+)-/.exec(name)?.[1] ?? 'other';
    out.set(length, (out.get(length) ?? 0) + 1);
  }
  return out;
};

const ipv4 = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ipv6 = (i: number): string => `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

describe('file store on disk', () => {
  test('a flood of 100,000 distinct IPv4 addresses (default 300/minute): one journal of a few MB, gone two windows later', async (t) => {
    const dir = tempDir(t);
    const store = createFileStore({ dir });
    t.after(() => store.close());
    const r = rule('default', '300/minute');
    const started = performance.now();
    for (let i = 0; i < 100_000; i += 1) assert.equal((await store.consume(`ip:${addressKey(ipv4(i))}`, r, T0 + 1000)).allowed, true);
    const ms = performance.now() - started;
    const flood = usage(dir);
    t.diagnostic(`100,000 keys in ${ms.toFixed(0)} ms: ${flood.files.length} file(s), ${(flood.bytes / MB).toFixed(2)} MB (${(flood.bytes / 100_000).toFixed(1)} bytes a key): ${flood.files.join(', ')}`);
    assert.equal(flood.files.length, 1);
    assert.ok(flood.bytes < 10 * MB, `${flood.bytes} bytes`);

    // The next window: the flood's file stays (a process may still be finishing in it) ...
    await store.consume('ip:192.0.2.1', r, T0 + 60_000);
    assert.deepEqual(usage(dir).files, [`w60-${Math.floor(T0 / 60_000)}.log`, `w60-${Math.floor(T0 / 60_000) + 1}.log`]);
    // ... and is deleted once that window is over too.
    await store.consume('ip:192.0.2.1', r, T0 + 120_000);
    const later = usage(dir);
    assert.ok(!later.files.includes(`w60-${Math.floor(T0 / 60_000)}.log`), later.files.join(', '));
    assert.ok(later.files.length <= 2);
    assert.ok(later.bytes < 1024, `${later.bytes} bytes left`);
  });

  test('a flood of 100,000 IPv6 /64s against 5/minute;50/day: one journal per window length, each a few MB, old ones removed', async (t) => {
    const dir = tempDir(t);
    const store = createFileStore({ dir });
    t.after(() => store.close());
    const r = rule('login', '5/minute;50/day');
    for (let i = 0; i < 100_000; i += 1) await store.consume(`ip:${addressKey(ipv6(i))}`, r, T0 + 1000);
    const flood = usage(dir);
    t.diagnostic(`100,000 /64s: ${flood.files.length} files, ${(flood.bytes / MB).toFixed(2)} MB: ${flood.files.map((f) => `${f} ${(statSync(path.join(dir, f)).size / MB).toFixed(2)} MB`).join(', ')}`);
    assert.deepEqual([...byLength(flood.files)], [['60', 1], ['86400', 1]]);
    for (const name of flood.files) assert.ok(statSync(path.join(dir, name)).size < 10 * MB, name);

    // The same addresses again in the next two minutes: minute journals rotate, the day's grows.
    for (let minute = 1; minute <= 1; minute += 1) {
      for (let i = 0; i < 100_000; i += 1) await store.consume(`ip:${addressKey(ipv6(i))}`, r, T0 + 1000 + minute * 60_000);
    }
    const later = usage(dir);
    const day = statSync(path.join(dir, `w86400-${Math.floor(T0 / 86_400_000)}.log`)).size;
    t.diagnostic(`after 200,000 attempts over 2 minutes: ${later.files.length} files, ${(later.bytes / MB).toFixed(2)} MB, the day's journal ${(day / MB).toFixed(2)} MB (${(day / 200_000).toFixed(1)} bytes an attempt)`);
    assert.ok([...byLength(later.files).values()].every((n) => n <= 2), later.files.join(', '));
    assert.ok(day < 200_000 * 60, 'the day journal grows by one short line per attempt, no more');

    // Two days later, nothing of the flood is left.
    await store.consume('ip:192.0.2.1', r, T0 + 2 * 86_400_000 + 1000);
    const gone = usage(dir);
    assert.deepEqual([...byLength(gone.files)], [['60', 1], ['86400', 1]], gone.files.join(', '));
    assert.ok(gone.bytes < 1024, `${gone.bytes} bytes left`);
  });

  test('no file descriptor is left open, whichever way the clock moves', async (t) => {
    const dir = tempDir(t);
    const open = new Set<number>();
    let peak = 0;
    const counting: JournalFs = {
      ...REAL_JOURNAL_FS,
      openSync: ((...args: Parameters<typeof fs.openSync>) => {
        const fd = fs.openSync(...args);
        open.add(fd);
        peak = Math.max(peak, open.size);
        return fd;
      }) as typeof fs.openSync,
      closeSync: (fd) => {
        open.delete(fd);
        fs.closeSync(fd);
      },
    };
    const store = createFileStore({ dir, fs: counting });
    const r = rule('r', '5/minute;50/hour');
    // A clock stepped back (NTP) at a window edge, twice, then forward again.
    for (const at of [T0 + 59_999, T0 + 60_000, T0 + 59_999, T0 + 60_000, T0 + 59_998, T0 + 120_000]) await store.consume('k', r, at);
    assert.ok(open.size <= 2, `${open.size} journals open for 2 window lengths`);
    assert.ok(peak <= 3, `peak ${peak}`);
    store.close();
    assert.equal(open.size, 0, 'close() closes every journal');
  });

  test('a window length no rule uses any more (the limits were reconfigured): its files go once they are over', async (t) => {
    const dir = tempDir(t);
    const before = createFileStore({ dir });
    await before.consume('ip:a', rule('old', '50/day'), T0 + 1000);
    before.close();
    assert.deepEqual(byLength(readdirSync(dir)), new Map([['86400', 1]]));
    // Restarted with other limits: only the minute is used from now on.
    const after = createFileStore({ dir });
    t.after(() => after.close());
    const minute = rule('new', '300/minute');
    await after.consume('ip:a', minute, T0 + 86_400_000);
    assert.equal(byLength(readdirSync(dir)).get('86400'), 1, 'the day that just ended may still be counted by a slower process');
    await after.consume('ip:a', minute, T0 + 2 * 86_400_000);
    assert.deepEqual(byLength(readdirSync(dir)), new Map([['60', 1]]), 'two days on, only the current minute is left');
  });

  test('the folder removed while the app runs is made again at the next window, not after a restart', async (t) => {
    const dir = path.join(tempDir(t), 'ratelimit');
    const store = createFileStore({ dir });
    t.after(() => store.close());
    const minute = rule('r', '5/minute');
    assert.equal((await store.consume('k', minute, T0)).allowed, true);
    rmSync(dir, { recursive: true, force: true });
    const next = await store.consume('k', minute, T0 + 60_000);
    assert.deepEqual([next.allowed, next.remaining], [true, 4]);
    assert.deepEqual(readdirSync(dir), [`w60-${(T0 + 60_000) / 60_000}.log`]);
  });
});

/** The journal's file operations, counting appends (writes) and reads. */
function counted(): { fs: JournalFs; writes: number[]; reads: () => number } {
  const writes: number[] = [];
  let reads = 0;
  return {
    writes,
    reads: () => reads,
    fs: {
      ...REAL_JOURNAL_FS,
      writeSync: ((fd: number, buffer: Uint8Array) => {
        writes.push(buffer.toString().split('\n').filter((line) => line !== '').length);
        return fs.writeSync(fd, buffer);
      }) as typeof fs.writeSync,
      readSync: ((...args: Parameters<typeof fs.readSync>) => {
        reads += 1;
        return fs.readSync(...args);
      }) as typeof fs.readSync,
    },
  };
}

const journalLines = (dir: string, at: number, seconds = 60): string[] =>
  fs
    .readFileSync(path.join(dir, `w${seconds}-${Math.floor(at / (seconds * 1000))}.log`), 'utf8')
    .split('\n')
    .filter((line) => line !== '');

describe('file store group commit: the requests of one turn share one append and one read', () => {
  test('ten requests for one key and three for another in one turn: one write of eight lines, exact ranks, nothing written for the refused', async (t) => {
    const dir = tempDir(t);
    const io = counted();
    const store = createFileStore({ dir, fs: io.fs });
    t.after(() => store.close());
    const five = rule('r', '5/minute');
    const hot = Array.from({ length: 10 }, () => store.consume('hot', five, T0 + 1000));
    const other = Array.from({ length: 3 }, () => store.consume('other', five, T0 + 1000));
    const decided = await Promise.all(hot);
    assert.deepEqual(
      decided.map((d) => [d.allowed, d.remaining]),
      [[true, 4], [true, 3], [true, 2], [true, 1], [true, 0], ...Array.from({ length: 5 }, () => [false, 0])],
    );
    assert.deepEqual((await Promise.all(other)).map((d) => d.remaining), [4, 3, 2]);
    assert.deepEqual(io.writes, [8], 'one append for the turn, five + three lines');
    assert.equal(io.reads(), 1, 'one read ranks them all');
    assert.equal(journalLines(dir, T0).length, 8);
    // The next turn knows the counts: refused without touching the disk.
    assert.equal((await store.consume('hot', five, T0 + 2000)).allowed, false);
    assert.deepEqual(io.writes, [8]);
  });

  test('two processes committing in the same turn admit exactly the limit between them', async (t) => {
    const dir = tempDir(t);
    const a = createFileStore({ dir });
    const b = createFileStore({ dir });
    t.after(() => (a.close(), b.close()));
    const five = rule('r', '5/minute');
    const all = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).consume('k', five, T0)));
    assert.equal(all.filter((d) => d.allowed).length, 5);
    // Every admitted request got its own rank: remaining 4, 3, 2, 1, 0 once each.
    assert.deepEqual(all.filter((d) => d.allowed).map((d) => d.remaining).sort(), [0, 1, 2, 3, 4]);
  });

  test('a window that ends while requests wait: they are written to their own window before it closes', async (t) => {
    const dir = tempDir(t);
    const store = createFileStore({ dir });
    t.after(() => store.close());
    const five = rule('r', '5/minute');
    const late = [store.consume('k', five, T0 + 59_999), store.consume('k', five, T0 + 59_999)];
    const next = store.consume('k', five, T0 + 60_000);
    const [first, second] = await Promise.all(late);
    assert.deepEqual([first!.remaining, second!.remaining, first!.resetAt], [4, 3, T0 + 60_000]);
    assert.deepEqual([(await next).remaining, (await next).resetAt], [4, T0 + 120_000]);
    assert.equal(journalLines(dir, T0).length, 2);
    assert.equal(journalLines(dir, T0 + 60_000).length, 1);
  });

  test('a failed append refuses every request of its turn; the next turn counts as if they never came', async (t) => {
    const dir = tempDir(t);
    let failing = false;
    const store = createFileStore({
      dir,
      fs: {
        ...REAL_JOURNAL_FS,
        writeSync: ((fd: number, buffer: Uint8Array) => {
          if (failing) throw Object.assign(new Error('ENOSPC: simulated'), { code: 'ENOSPC' });
          return fs.writeSync(fd, buffer);
        }) as typeof fs.writeSync,
      },
    });
    t.after(() => store.close());
    const five = rule('r', '5/minute');
    failing = true;
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, () => store.consume('k', five, T0)));
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'rejected']);
    for (const o of outcomes) assert.match(String((o as PromiseRejectedResult).reason), /cannot be written \(ENOSPC\)/);
    failing = false;
    assert.deepEqual((await Promise.all([1, 2].map(() => store.consume('k', five, T0)))).map((d) => d.remaining), [4, 3]);
  });

  test('past 512 requests in one turn the batch is written at once, and the ranks stay exact', async (t) => {
    const dir = tempDir(t);
    const io = counted();
    const store = createFileStore({ dir, fs: io.fs });
    t.after(() => store.close());
    const many = rule('r', '2000/minute');
    const decided = await Promise.all(Array.from({ length: 1200 }, () => store.consume('k', many, T0)));
    assert.deepEqual(io.writes, [512, 512, 176]);
    assert.deepEqual(
      decided.map((d) => d.remaining),
      Array.from({ length: 1200 }, (_, i) => 1999 - i),
    );
  });

  test('a turn whose lines outgrow one 64 KiB read: ranked line by line across the reads, exactly', async (t) => {
    const dir = tempDir(t);
    const a = createFileStore({ dir });
    const b = createFileStore({ dir }); // another process: its lines come first in a's reads
    t.after(() => (a.close(), b.close()));
    const many = rule('r', '2000/minute');
    const key = `k${'x'.repeat(200)}`; // ~230 bytes a line: 512 lines are ~115 KiB
    const first = await Promise.all(Array.from({ length: 100 }, () => b.consume(key, many, T0)));
    const decided = await Promise.all(Array.from({ length: 600 }, () => a.consume(key, many, T0)));
    assert.deepEqual(first.map((d) => d.remaining), Array.from({ length: 100 }, (_, i) => 1999 - i));
    assert.deepEqual(decided.map((d) => d.remaining), Array.from({ length: 600 }, (_, i) => 1899 - i));
    assert.equal(journalLines(dir, T0).length, 700);
    assert.equal((await b.consume(key, many, T0)).remaining, 1999 - 700, 'the other process counts them all too');
  });

  test('close() writes and answers the requests still waiting', async (t) => {
    const dir = tempDir(t);
    const store = createFileStore({ dir });
    const waiting = store.consume('k', rule('r', '5/minute'), T0);
    store.close();
    assert.equal((await waiting).remaining, 4);
    assert.equal(journalLines(dir, T0).length, 1);
  });
});
