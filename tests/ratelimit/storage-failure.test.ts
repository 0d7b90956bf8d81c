/**
 * The file store on a disk that refuses writes: read-only (EROFS), full (ENOSPC, also the real
 * /dev/full), a short (torn) write, the journal's size cap. Each is a RateLimitStorageError from
 * consume(); the limiter then fails open (served, one warning a minute) or closed (503); and
 * once the disk works again the counts carry on exactly, the torn line costing at most one
 * failed request.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { createFileStore, RateLimitStorageError, type JournalFs } from '../../src/ratelimit/file-store.ts';
import { REAL_JOURNAL_FS, T0, rule } from './contract.ts';
import { GOOD, T, cheapUser, from, limitedApp, signIn } from './limits-app.ts';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: simulated`), { code });

interface Disk {
  /** What the next open / write does: work, or fail with this errno. */
  openFails?: string;
  writeFails?: string;
  /** Write only the first half of the next line, then report it short (a disk filling mid-write). */
  tornWrites?: number;
  writes: number;
}

function disk(): { state: Disk; fs: JournalFs } {
  const state: Disk = { writes: 0 };
  const writeSync = (fd: number, buffer: Uint8Array): number => {
    if (state.writeFails !== undefined) throw errno(state.writeFails);
    if ((state.tornWrites ?? 0) > 0) {
      state.tornWrites! -= 1;
      return fs.writeSync(fd, buffer.subarray(0, Math.floor(buffer.length / 2)));
    }
    state.writes += 1;
    return fs.writeSync(fd, buffer);
  };
  const fake: JournalFs = {
    ...REAL_JOURNAL_FS,
    openSync: ((...args: Parameters<typeof fs.openSync>) => {
      if (state.openFails !== undefined) throw errno(state.openFails);
      return fs.openSync(...args);
    }) as typeof fs.openSync,
    mkdirSync: ((...args: Parameters<typeof fs.mkdirSync>) => {
      if (state.openFails !== undefined) throw errno(state.openFails);
      return fs.mkdirSync(...args);
    }) as typeof fs.mkdirSync,
    writeSync: writeSync as typeof fs.writeSync,
  };
  return { state, fs: fake };
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ratelimit-fail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function assertStorageError(promise: Promise<unknown>, code: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RateLimitStorageError, String(error));
    assert.equal(error.name, 'RateLimitStorageError');
    assert.match(error.message, code);
    return true;
  });
}

const r = rule('r', '3/minute');

describe('file store: storage failures are RateLimitStorageError', () => {
  test('read-only disk (EROFS on mkdir and open)', async (t) => {
    const { state, fs: fake } = disk();
    state.openFails = 'EROFS';
    const store = createFileStore({ dir: path.join(tempDir(t), 'ratelimit'), fs: fake });
    t.after(() => store.close());
    await assertStorageError(store.consume('k', r, T0), /cannot be written \(EROFS\)/);
    await assertStorageError(store.consume('k', r, T0), /EROFS/);
    state.openFails = undefined;
    assert.equal((await store.consume('k', r, T0)).remaining, 2, 'failed attempts counted nothing');
  });

  test('full disk (ENOSPC on write): nothing counted while full, exact counting once space is back', async (t) => {
    const { state, fs: fake } = disk();
    const store = createFileStore({ dir: tempDir(t), fs: fake });
    t.after(() => store.close());
    assert.equal((await store.consume('k', r, T0)).remaining, 2);
    state.writeFails = 'ENOSPC';
    for (let i = 0; i < 5; i += 1) await assertStorageError(store.consume('k', r, T0), /\(ENOSPC\)/);
    state.writeFails = undefined;
    assert.deepEqual(
      (await Promise.all([1, 2, 3].map(() => store.consume('k', r, T0)))).map((d) => d.allowed),
      [true, true, false],
    );
  });

  test('the real /dev/full behind the journal file', async (t) => {
    if (!fs.existsSync('/dev/full')) {
      t.skip('no /dev/full on this system');
      return;
    }
    const dir = tempDir(t);
    symlinkSync('/dev/full', path.join(dir, `w60-${Math.floor(T0 / 60_000)}.log`));
    const store = createFileStore({ dir });
    t.after(() => store.close());
    await assertStorageError(store.consume('k', r, T0), /\(ENOSPC\)/);
    assert.equal((await store.consume('k', r, T0 + 60_000)).allowed, true, 'the next window is a real file');
  });

  test('a torn (short) write: reported, then at most one more failed request, then exact counts', async (t) => {
    const { state, fs: fake } = disk();
    const dir = tempDir(t);
    const store = createFileStore({ dir, fs: fake });
    const other = createFileStore({ dir }); // another process, reading the same journal
    t.after(() => (store.close(), other.close()));
    const five = rule('r', '5/minute');
    assert.equal((await store.consume('k', five, T0)).allowed, true);
    state.tornWrites = 1;
    await assertStorageError(store.consume('k', five, T0), /short write/);
    let failures = 0;
    const outcomes: boolean[] = [];
    for (let i = 0; i < 8; i += 1) {
      const s = i % 2 === 0 ? other : store;
      try {
        outcomes.push((await s.consume('k', five, T0)).allowed);
      } catch (error) {
        assert.ok(error instanceof RateLimitStorageError);
        failures += 1;
      }
    }
    assert.ok(failures <= 1, `${failures} requests failed after the torn line`);
    assert.equal(outcomes.filter(Boolean).length, 4, `four more admitted (five in all): ${outcomes.join(' ')}`);
  });

  test('at the journal size cap the file stops growing, and counting goes on in memory: no limit opens', async (t) => {
    const dir = tempDir(t);
    let capped = 0;
    const store = createFileStore({ dir, maxFileBytes: 2000, onCapped: () => (capped += 1) });
    t.after(() => store.close());
    const many = rule('r', '1000000/minute');
    for (let i = 0; i < 1000; i += 1) assert.equal((await store.consume(`k${i}`, many, T0)).allowed, true);
    const size = (): number => readdirSync(dir).reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    assert.ok(size() < 2000 + 200, `the journal stopped near its cap (${size()} bytes)`);
    assert.equal(capped, 1, 'told once');
    // A key at its limit is still refused, counted in this process's memory.
    const five = rule('r', '5/minute');
    const decisions = [];
    for (let i = 0; i < 7; i += 1) decisions.push((await store.consume('late', five, T0)).allowed);
    assert.deepEqual(decisions, [true, true, true, true, true, false, false]);
    const before = size();
    for (let i = 0; i < 100; i += 1) await store.consume(`flood-${i}`, many, T0);
    assert.equal(size(), before, 'nothing more written');
  });

});

describe('file store failures through the middleware', () => {
  test('fail open: served, no limit headers, one warning a minute; counting resumes when the disk recovers', async (t) => {
    const { state, fs: fake } = disk();
    const store = createFileStore({ dir: tempDir(t), fs: fake });
    t.after(() => store.close());
    const a = await limitedApp(t, { rateLimit: { default: '5/minute', store } });
    await cheapUser(a, 'alice');
    state.writeFails = 'ENOSPC';
    for (let i = 0; i < 8; i += 1) {
      const res = await from(a, '203.0.113.80', '/login');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit'), null);
    }
    assert.equal((await signIn(a, '203.0.113.80', 'alice', GOOD)).status, 200);
    const warned = a.lines.filter((l) => / WARN /.test(l));
    assert.equal(warned.length, 1, warned.join('\n'));
    assert.match(warned[0]!, /rate limiting is OFF \(failing open\): its storage failed error="the rate-limit storage cannot be written \(ENOSPC\)"/);
    state.writeFails = undefined;
    a.clock.now = T + 1;
    assert.equal((await from(a, '203.0.113.80', '/login')).headers.get('ratelimit'), '"default";r=4;t=40');
  });

  test('fail closed: 503 while the disk is read-only, 200 again once it is writable', async (t) => {
    const { state, fs: fake } = disk();
    state.openFails = 'EROFS';
    const store = createFileStore({ dir: path.join(tempDir(t), 'ratelimit'), fs: fake });
    t.after(() => store.close());
    const a = await limitedApp(t, { rateLimit: { default: '5/minute', store, failMode: 'closed' } });
    for (let i = 0; i < 3; i += 1) {
      const res = await from(a, '203.0.113.81', '/api/me');
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '30');
      assert.equal(((await res.json()) as { error: string }).error, 'unavailable');
    }
    assert.equal(a.lines.filter((l) => / WARN /.test(l)).length, 1);
    state.openFails = undefined;
    const res = await from(a, '203.0.113.81', '/login');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit'), '"default";r=4;t=41');
  });
});
