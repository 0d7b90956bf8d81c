/**
 * The cross-process file lock (src/db/lock.ts): mutual exclusion between real processes,
 * recovery from an owner killed with SIGKILL, and the rules for breaking a lock (a live owner
 * never; a dead one, a reused pid, an old foreign or unreadable lock, a stale breaker: yes).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createFileLock, LockTimeoutError, processStart, type LockOwner } from '../../src/db/lock.ts';
import { tempDir } from './fixture.ts';
import { startTogether, startWorker } from './workers.ts';

const HOST = hostname();

function writeLock(file: string, owner: Partial<LockOwner> & { pid: number }): LockOwner {
  const full: LockOwner = { start: processStart(owner.pid), host: HOST, token: `token-${owner.pid}-${Math.random()}`, ...owner };
  writeFileSync(file, JSON.stringify(full));
  return full;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const secondsAgo = (file: string, s: number): void => utimesSync(file, Date.now() / 1000 - s, Date.now() / 1000 - s);
const ownerOf = (file: string): LockOwner => JSON.parse(readFileSync(file, 'utf8')) as LockOwner;

async function assertTimesOut(file: string, options: Parameters<typeof createFileLock>[1], ms = 150): Promise<void> {
  const started = Date.now();
  await assert.rejects(createFileLock(file, { ...options, timeoutMs: ms }).acquire(), (error: unknown) => {
    assert.ok(error instanceof LockTimeoutError, String(error));
    assert.match(error.message, new RegExp(`within ${ms} ms`));
    return true;
  });
  assert.ok(Date.now() - started >= ms - 5, 'it kept trying until the timeout');
}

describe('file lock across real processes', () => {
  test('four processes incrementing a counter file under the lock lose no increment', async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'counter.lock');
    const counter = path.join(dir, 'counter');
    writeFileSync(counter, '0');
    const N = 100;
    const started = performance.now();
    const workers = await startTogether(t, Array.from({ length: 4 }, () => ['count', lock, counter, String(N)]));
    const begun = performance.now();
    const done = await Promise.all(workers.map((w) => w.waitFor(/^done /, 120_000)));
    const ms = performance.now() - begun;
    t.diagnostic(`4 × ${N} locked increments in ${Math.round(ms)} ms (${Math.round((4 * N * 1000) / ms)} acquisitions/s; spawn ${Math.round(begun - started)} ms); ${done.join(' | ')}`);
    assert.equal(readFileSync(counter, 'utf8'), String(4 * N));
    for (const w of workers) assert.deepEqual(await w.exited, { code: 0, signal: null });
    assert.deepEqual(readdirSync(dir).sort(), ['counter'], 'no lock or temporary file left behind');
  });

  test('a lock held by a live process is not broken; killed with SIGKILL, it is recovered within 5 s', async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'db.lock');
    const holder = startWorker(t, ['hold', lock]);
    await holder.waitFor(/^held /);
    assert.equal(ownerOf(lock).pid, holder.pid);

    await assertTimesOut(lock, {}, 500);
    assert.equal(ownerOf(lock).pid, holder.pid, 'still the live owner');

    const killedAt = performance.now();
    holder.child.kill('SIGKILL');
    // No waiting for the exit first: the lock must be recovered however soon we try.
    const held = await createFileLock(lock, { timeoutMs: 5000 }).acquire();
    const ms = performance.now() - killedAt;
    t.diagnostic(`lock of a SIGKILLed owner recovered ${ms.toFixed(1)} ms after the kill`);
    assert.ok(ms < 5000);
    assert.equal(ownerOf(lock).pid, process.pid);
    assert.deepEqual(await holder.exited, { code: null, signal: 'SIGKILL' });
    assert.equal(await held.stillHeld(), true);
    await held.release();
    assert.equal(existsSync(lock), false);
  });
});

describe('file lock: an owner killed but not yet reaped', () => {
  test('a zombie owner (its parent has not called wait) does not block the lock', async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'db.lock');
    // The holder's parent is `sleep`, which never reaps it: once killed it stays a zombie.
    const worker = path.join(__dirname, 'worker.ts');
    const parent = spawn('sh', ['-c', `"${process.execPath}" --import tsx "${worker}" hold "${lock}" & exec sleep 600`], {
      cwd: path.resolve(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const parentExited = new Promise((resolve) => parent.on('exit', resolve));
    t.after(async () => {
      parent.kill('SIGKILL');
      await parentExited;
    });
    const held = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const m = /held pid=(\d+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      setTimeout(() => reject(new Error(`no "held" line: ${out}`)), 60_000).unref();
    });
    const pid = Number(held);
    assert.equal(ownerOf(lock).pid, pid);
    process.kill(pid, 'SIGKILL');
    const killedAt = performance.now();
    for (let i = 0; i < 1000 && !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.match(readFileSync(`/proc/${pid}/stat`, 'utf8'), /\) Z /, 'precondition: the owner is a zombie');
    const ours = await createFileLock(lock, { timeoutMs: 5000 }).acquire();
    t.diagnostic(`recovered ${(performance.now() - killedAt).toFixed(1)} ms after the kill, the owner still a zombie`);
    assert.equal(ownerOf(lock).pid, process.pid);
    await ours.release();
  });
});

describe('file lock: when a lock may be broken', () => {
  test("a lock whose owner pid is alive (this test's own) is never broken", async (t) => {
    const lock = path.join(tempDir(t), 'x.lock');
    const owner = writeLock(lock, { pid: process.pid });
    await assertTimesOut(lock, {});
    assert.deepEqual(ownerOf(lock), owner);
  });

  test('isAlive is what decides for a local owner (injected)', async (t) => {
    const lock = path.join(tempDir(t), 'x.lock');
    const dead = await deadPid();
    writeLock(lock, { pid: dead });
    const asked: number[] = [];
    await assertTimesOut(lock, { isAlive: (o) => (asked.push(o.pid), true) });
    assert.ok(asked.includes(dead));
    const held = await createFileLock(lock, { timeoutMs: 2000, isAlive: () => false }).acquire();
    assert.equal(ownerOf(lock).pid, process.pid);
    await held.release();
  });

  test('a dead owner, or a reused pid (same pid, another start time), is stale', async (t) => {
    const dir = tempDir(t);
    for (const owner of [{ pid: await deadPid() }, { pid: process.pid, start: '1' }]) {
      const lock = path.join(dir, `${owner.pid}.lock`);
      writeLock(lock, owner);
      const held = await createFileLock(lock, { timeoutMs: 2000 }).acquire();
      assert.equal(ownerOf(lock).pid, process.pid);
      assert.notEqual(ownerOf(lock).start, '1');
      await held.release();
    }
  });

  test('a breaker left by a dead process is cleaned up, then the stale lock is broken', async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'x.lock');
    const dead = await deadPid();
    writeLock(lock, { pid: dead });
    writeLock(`${lock}.break`, { pid: dead });
    const started = performance.now();
    const held = await createFileLock(lock, { timeoutMs: 5000 }).acquire();
    t.diagnostic(`recovered in ${(performance.now() - started).toFixed(1)} ms`);
    assert.equal(existsSync(`${lock}.break`), false);
    assert.equal(ownerOf(lock).pid, process.pid);
    await held.release();
    assert.deepEqual(readdirSync(dir), []);
  });

  test("a live process's breaker is respected while fresh and abandoned once older than breakerStaleMs", async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'x.lock');
    writeLock(lock, { pid: await deadPid() });
    writeLock(`${lock}.break`, { pid: process.pid });
    await assertTimesOut(lock, { breakerStaleMs: 60_000 });
    assert.ok(existsSync(`${lock}.break`));
    secondsAgo(`${lock}.break`, 120);
    const held = await createFileLock(lock, { timeoutMs: 5000, breakerStaleMs: 60_000 }).acquire();
    assert.equal(existsSync(`${lock}.break`), false);
    await held.release();
  });

  test('a lock from another host is stale only after foreignStaleMs; an unreadable one after breakerStaleMs', async (t) => {
    const dir = tempDir(t);
    const foreign = path.join(dir, 'foreign.lock');
    writeLock(foreign, { pid: process.pid, host: 'another-host' });
    await assertTimesOut(foreign, { foreignStaleMs: 60_000 });
    secondsAgo(foreign, 61);
    await (await createFileLock(foreign, { timeoutMs: 2000, foreignStaleMs: 60_000 }).acquire()).release();

    const garbled = path.join(dir, 'garbled.lock');
    writeFileSync(garbled, '{"pid": 12'); // as if cut short: our own writes never are (link(2) publishes them whole)
    await assertTimesOut(garbled, { breakerStaleMs: 60_000 });
    secondsAgo(garbled, 61);
    await (await createFileLock(garbled, { timeoutMs: 2000, breakerStaleMs: 60_000 }).acquire()).release();
  });
});

describe('file lock: holding and releasing', () => {
  test('LockTimeoutError while another holder keeps it; acquired once it is released', async (t) => {
    const lock = path.join(tempDir(t), 'x.lock');
    const first = await createFileLock(lock).acquire();
    await assertTimesOut(lock, {}, 200);
    const waiting = createFileLock(lock, { timeoutMs: 10_000 }).acquire();
    await first.release();
    const second = await waiting;
    assert.equal(await second.stillHeld(), true);
    await second.release();
  });

  test('a holder whose lock was taken over sees stillHeld() false, and its release leaves the new lock alone', async (t) => {
    const lock = path.join(tempDir(t), 'x.lock');
    const held = await createFileLock(lock).acquire();
    const usurper = writeLock(lock, { pid: process.pid });
    assert.equal(await held.stillHeld(), false);
    await held.release();
    assert.deepEqual(ownerOf(lock), usurper);
  });

  test('the lock file is published whole and names its owner', async (t) => {
    const dir = tempDir(t);
    const lock = path.join(dir, 'x.lock');
    const held = await createFileLock(lock).acquire();
    const owner = ownerOf(lock);
    assert.equal(owner.pid, process.pid);
    assert.equal(owner.host, HOST);
    assert.equal(owner.start, processStart(process.pid));
    assert.match(owner.token, /^[\w-]{16}$/);
    assert.deepEqual(readdirSync(dir), ['x.lock'], 'no temporary file beside it');
    await held.release();
  });
});
