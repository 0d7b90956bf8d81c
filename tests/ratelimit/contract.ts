/**
 * The one contract every rate-limit store passes (memory, file, and later Redis). Time is
 * injected: no test sleeps. Windows are fixed and epoch-aligned.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, test } from 'node:test';
import { parseRate } from '../../src/config/index.ts';
import type { JournalFs } from '../../src/ratelimit/file-store.ts';
import type { RateLimitStore, Rule } from '../../src/ratelimit/store.ts';

/** The file store's real file operations, for tests that wrap some of them. */
export const REAL_JOURNAL_FS: JournalFs = {
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  readSync: fs.readSync,
  closeSync: fs.closeSync,
  unlinkSync: fs.unlinkSync,
  readdirSync: fs.readdirSync,
  mkdirSync: fs.mkdirSync,
};

export function rule(name: string, text: string): Rule {
  const parsed = parseRate(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return { name, windows: parsed.value };
}

/** 2026-11-26T00:00:00Z: a whole day, hour and minute boundary. */
export const T0 = Date.UTC(2026, 10, 26);

export function storeContract(name: string, make: () => { store: RateLimitStore; cleanup?: () => void }): void {
  describe(`${name} store contract`, () => {
    const fresh = (t: { after: (fn: () => void) => void }): RateLimitStore => {
      const { store, cleanup } = make();
      t.after(() => {
        store.close();
        cleanup?.();
      });
      return store;
    };

    test('admits exactly the limit within a window, then refuses with retry-after to the window edge', async (t) => {
      const store = fresh(t);
      const r = rule('login', '5/minute');
      const at = T0 + 19_000; // 41 s before the minute ends
      const results = [];
      for (let i = 0; i < 7; i += 1) results.push(await store.consume('ip:1', r, at));
      assert.deepEqual(results.map((d) => d.allowed), [true, true, true, true, true, false, false]);
      assert.deepEqual(results.map((d) => d.remaining), [4, 3, 2, 1, 0, 0, 0]);
      assert.equal(results[0]!.resetAt, T0 + 60_000);
      assert.equal(results[0]!.retryAfter, 0);
      assert.equal(results[5]!.retryAfter, 41);
      assert.equal(results[6]!.resetAt, T0 + 60_000);
    });

    test('window edges: the last millisecond still counts; the next window starts afresh', async (t) => {
      const store = fresh(t);
      const r = rule('edge', '2/minute');
      assert.equal((await store.consume('k', r, T0 + 59_999)).allowed, true);
      assert.equal((await store.consume('k', r, T0 + 59_999)).allowed, true);
      const refused = await store.consume('k', r, T0 + 59_999);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfter, 1, 'never less than one second');
      const next = await store.consume('k', r, T0 + 60_000);
      assert.equal(next.allowed, true);
      assert.equal(next.remaining, 1);
      assert.equal(next.resetAt, T0 + 120_000);
    });

    test('keys and rules are counted separately', async (t) => {
      const store = fresh(t);
      const a = rule('a', '1/minute');
      const b = rule('b', '1/minute');
      assert.equal((await store.consume('x', a, T0)).allowed, true);
      assert.equal((await store.consume('x', a, T0)).allowed, false);
      assert.equal((await store.consume('y', a, T0)).allowed, true);
      assert.equal((await store.consume('x', b, T0)).allowed, true, 'same key, another rule');
    });

    test('several windows must all admit; the tightest one is reported', async (t) => {
      const store = fresh(t);
      const r = rule('login', '5/minute;7/day');
      const first = await store.consume('u', r, T0);
      assert.equal(first.windows.length, 2);
      assert.equal(first.remaining, 4, 'the minute window is tighter');
      for (let i = 0; i < 4; i += 1) await store.consume('u', r, T0 + 1000);
      const minuteFull = await store.consume('u', r, T0 + 2000);
      assert.equal(minuteFull.allowed, false);
      assert.equal(minuteFull.retryAfter, 58);
      // Next minute: two more fit the day's seven, then the day refuses until midnight.
      assert.equal((await store.consume('u', r, T0 + 60_000)).allowed, true);
      assert.equal((await store.consume('u', r, T0 + 60_000)).allowed, true);
      const dayFull = await store.consume('u', r, T0 + 61_000);
      assert.equal(dayFull.allowed, false);
      assert.equal(dayFull.retryAfter, 86_400 - 61);
      assert.equal(dayFull.resetAt, T0 + 86_400_000);
      assert.equal((await store.consume('u', r, T0 + 86_400_000)).allowed, true, 'a new day');
    });

    test('refused requests do not use up the other windows', async (t) => {
      const store = fresh(t);
      const r = rule('r', '1/minute;3/hour');
      assert.equal((await store.consume('k', r, T0)).allowed, true);
      for (let i = 0; i < 10; i += 1) assert.equal((await store.consume('k', r, T0 + i)).allowed, false);
      assert.equal((await store.consume('k', r, T0 + 60_000)).allowed, true, 'the hour window still had room');
      assert.equal((await store.consume('k', r, T0 + 120_000)).allowed, true);
      const hourFull = await store.consume('k', r, T0 + 180_000);
      assert.equal(hourFull.allowed, false);
      assert.equal(hourFull.retryAfter, 3600 - 180);
    });

    test('reset after the window: a key refused all minute is admitted in the next', async (t) => {
      const store = fresh(t);
      const r = rule('r', '3 per 2 minutes');
      for (let i = 0; i < 3; i += 1) await store.consume('k', r, T0 + 1000);
      const refused = await store.consume('k', r, T0 + 100_000);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfter, 20);
      assert.equal((await store.consume('k', r, T0 + 120_000)).remaining, 2);
    });

    test('concurrent consumes of one key admit exactly the limit', async (t) => {
      const store = fresh(t);
      const r = rule('burst', '50/minute');
      const decisions = await Promise.all(Array.from({ length: 200 }, () => store.consume('hot', r, T0 + 5)));
      assert.equal(decisions.filter((d) => d.allowed).length, 50);
    });

    test('keys with odd characters are kept apart and cannot forge records', async (t) => {
      const store = fresh(t);
      const r = rule('r', '1/minute');
      assert.equal((await store.consume('user:a\nfake r/user:b', r, T0)).allowed, true);
      assert.equal((await store.consume('user:b', r, T0)).allowed, true, 'the newline did not count for user:b');
      assert.equal((await store.consume('user:한글 이름', r, T0)).allowed, true);
      assert.equal((await store.consume('user:한글 이름', r, T0)).allowed, false);
    });
  });
}
