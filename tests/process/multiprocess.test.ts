/**
 * Several real app processes (the built release, `node app.js`) sharing one DATA_DIR, as
 * Passenger runs them: one first admin however many start at once, a sign-out in one process
 * honoured by every other on its very next request, no revocation lost under a storm of
 * concurrent sign-outs, and a process killed with SIGKILL in the middle of a write leaving a
 * valid database with every acknowledged write in it and nothing that blocks the others.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { login, logout, me, pool, type HttpSession } from '../helpers/http-session.ts';
import { releaseCopy, sharedDataEnv, spawnApp, type AppProcess } from '../helpers/process.ts';
import { columnOnDisk } from '../db/fixture.ts';

const ADMIN = 'admin';
const PASSWORD = `pw-${randomBytes(9).toString('base64url')}`;
const DB = 'dashboard.sqlite';

describe('three app processes sharing one DATA_DIR', { timeout: 600_000 }, () => {
  const release = releaseCopy();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-multi-'));
  const dbFile = path.join(dataDir, DB);
  const env = sharedDataEnv(dataDir, { username: ADMIN, password: PASSWORD });
  const everyProcess: AppProcess[] = [];
  const start = (): AppProcess => {
    const app = spawnApp({ cwd: release.dir, env });
    everyProcess.push(app);
    return app;
  };
  let apps: AppProcess[] = [];
  let bases: string[] = [];
  /** Fails with the process's last words if one of the three has died (a fatal error need not log ERROR). */
  const assertAlive = (): void => {
    for (const app of apps) {
      const { exitCode, signalCode, pid } = app.child;
      assert.ok(exitCode === null && signalCode === null, `process ${pid} died (${exitCode ?? signalCode}):\n${app.lines.slice(-30).join('\n')}`);
    }
  };

  before(async () => {
    // All three at once, on an empty DATA_DIR: each tries to create the first admin.
    apps = [start(), start(), start()];
    bases = await Promise.all(apps.map((app) => app.url()));
    await Promise.any(apps.map((app) => app.waitFor(/created the first admin/, 60_000)));
  });

  after(async () => {
    if (process.env.MULTI_DEBUG) for (const app of everyProcess) process.stderr.write(`--- ${app.child.pid} exit=${app.child.exitCode} sig=${app.child.signalCode}\n${app.lines.filter((l) => !/ INFO (GET|POST) /.test(l)).slice(-40).join('\n')}\n`);
    await Promise.all(everyProcess.map((app) => app.stop('SIGKILL')));
    release.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('(a) signed out through B, the access token is refused by A, B and C on their very next request', async () => {
    const session = await login(bases[0]!, ADMIN, PASSWORD);
    for (const base of bases) assert.deepEqual(await me(base, session), { status: 200 }, base);
    assert.equal(await logout(bases[1]!, session), 204);
    const answers = await Promise.all(bases.map((base) => me(base, session)));
    assert.deepEqual(answers, bases.map(() => ({ status: 401, error: 'token_revoked' })));
    assertAlive();
  });

  test('(b) 300 sign-ins, then 300 concurrent sign-outs over the three: every one 204, none lost', async (t) => {
    assertAlive();
    const N = 300;
    let started = performance.now();
    const sessions = await pool(Array.from({ length: N }, (_, i) => i), 8, (i) => login(bases[i % 3]!, ADMIN, PASSWORD));
    const loginMs = performance.now() - started;
    assert.equal(new Set(sessions.map((s) => s.jti)).size, N);
    // Every session works in every process before the storm.
    assert.deepEqual(await pool(sessions, 24, async (s, i) => (await me(bases[(i + 1) % 3]!, s)).status), Array(N).fill(200));

    started = performance.now();
    const statuses = await Promise.all(sessions.map((s, i) => logout(bases[i % 3]!, s)));
    const logoutMs = performance.now() - started;
    assert.deepEqual(statuses, Array(N).fill(204));

    const checks = sessions.flatMap((s) => bases.map((base) => ({ s, base })));
    const refused = await pool(checks, 24, ({ s, base }) => me(base, s));
    const lost = refused.filter((r) => r.status !== 401 || r.error !== 'token_revoked');
    assert.equal(lost.length, 0, `${lost.length} of ${checks.length} checks were not token_revoked: ${JSON.stringify(lost.slice(0, 3))}`);

    const jtis = sessions.map((s) => `'${s.jti}'`).join(',');
    const fams = sessions.map((s) => `'${s.fam}'`).join(',');
    assert.deepEqual(await columnOnDisk(dbFile, `SELECT count(*) FROM revoked_tokens WHERE jti IN (${jtis})`), [N]);
    assert.deepEqual(await columnOnDisk(dbFile, `SELECT count(*) FROM refresh_families WHERE id IN (${fams}) AND revoked_reason = 'logout'`), [N]);
    assert.deepEqual(await columnOnDisk(dbFile, 'PRAGMA integrity_check'), ['ok']);
    t.diagnostic(
      `${N} sign-ins in ${Math.round(loginMs)} ms (${((N * 1000) / loginMs).toFixed(1)}/s, scrypt-bound); ` +
        `${N} concurrent sign-outs in ${Math.round(logoutMs)} ms (${Math.round((N * 1000) / logoutMs)} writes/s over 3 processes)`,
    );
    assertAlive();
  });

  test('reads racing writes in every process: signed-in requests keep getting 200 while others sign out', async (t) => {
    assertAlive();
    const sessions = await pool(Array.from({ length: 60 }, (_, i) => i), 8, (i) => login(bases[i % 3]!, ADMIN, PASSWORD));
    const [leaving, staying] = [sessions.slice(0, 30), sessions.slice(30)];
    let writing = true;
    const reads: number[] = [];
    const readers = pool([0, 1, 2, 3, 4, 5], 6, async (lane) => {
      for (let i = lane; writing; i += 1) reads.push((await me(bases[i % 3]!, staying[i % staying.length]!)).status);
    });
    const started = performance.now();
    const statuses = await pool(leaving, 6, (s, i) => logout(bases[i % 3]!, s));
    const ms = performance.now() - started;
    writing = false;
    await readers;
    assert.deepEqual(statuses, Array(30).fill(204));
    const bad = reads.filter((status) => status !== 200);
    assert.equal(bad.length, 0, `${bad.length} of ${reads.length} reads failed: ${[...new Set(bad)].join(', ')}`);
    t.diagnostic(`${reads.length} reads (all 200) during 30 sign-outs over ${Math.round(ms)} ms`);
    assertAlive();
  });

  test('(c) SIGKILL mid-write during a storm: the file is valid, every acknowledged write is in it, nothing blocks', async (t) => {
    assertAlive();
    const victim = start();
    const victimBase = await victim.url();
    const targets = [bases[0]!, victimBase];
    // Sessions to sign out during the storm, and two kept for the writes after the kill.
    const sessions = await pool(Array.from({ length: 122 }, (_, i) => i), 8, (i) => login(targets[i % 2]!, ADMIN, PASSWORD));
    const [afterKill, onNewProcess] = [sessions.pop()!, sessions.pop()!];

    const acked = { logouts: [] as HttpSession[], logins: [] as HttpSession[] };
    let ackCount = 0;
    let killedAt: number | undefined;
    let survivorAfterKill: number | undefined; // ms from the kill to the survivor's first acknowledged write
    const survivorWrote = (target: string): void => {
      if (killedAt !== undefined && target === bases[0] && survivorAfterKill === undefined) survivorAfterKill = performance.now() - killedAt;
    };
    let onDiskAtKill = '';
    const kill = (why: string): void => {
      if (killedAt !== undefined) return;
      killedAt = performance.now();
      victim.child.kill('SIGKILL');
      onDiskAtKill = `${why}; DATA_DIR then: ${readdirSync(dataDir).filter((n) => n.startsWith(DB)).join(' ')}`;
    };
    // Kill the victim the moment it has a temporary file open: its write is half done, the lock held.
    const watcher: FSWatcher = watch(dataDir, (_event, name) => {
      if (ackCount >= 20 && typeof name === 'string' && name.startsWith(`${DB}.${victim.child.pid}-`)) kill(`saw ${name}`);
    });
    t.after(() => watcher.close());
    const fallback = setTimeout(() => kill('fallback timer'), 15_000);
    t.after(() => clearTimeout(fallback));

    let stormOver = false;
    const signOuts = pool(sessions, 10, async (s, i) => {
      const status = await logout(targets[i % 2]!, s).catch(() => 0);
      if (status === 204) (acked.logouts.push(s), (ackCount += 1), survivorWrote(targets[i % 2]!));
    });
    // Sign-ins keep writing meanwhile (slower: scrypt), until the sign-outs are done.
    const signIns = pool([0, 1], 2, async (lane) => {
      for (let i = 0; !stormOver; i += 1) {
        const s = await login(targets[(lane + i) % 2]!, ADMIN, PASSWORD).catch(() => undefined);
        if (s !== undefined) (acked.logins.push(s), survivorWrote(targets[(lane + i) % 2]!));
      }
    });
    await signOuts;
    const killedMidStorm = killedAt !== undefined;
    stormOver = true;
    await signIns;
    clearTimeout(fallback);
    if (killedAt === undefined) kill('storm over before the victim wrote');
    // Killed while sign-outs were still coming (else the test proves little), and really dead.
    assert.ok(killedMidStorm, `the victim was not killed during the storm (${onDiskAtKill})`);
    assert.equal(await victim.exited, null);
    assert.equal(victim.child.signalCode, 'SIGKILL');

    // The survivor writes at once: no stale lock or temporary file stands in its way.
    let begun = performance.now();
    assert.equal(await logout(bases[0]!, afterKill), 204);
    const survivorMs = performance.now() - begun;
    assert.ok(survivorMs < 5000, `the survivor wrote after ${survivorMs} ms`);
    survivorWrote(bases[0]!);
    assert.ok(survivorAfterKill !== undefined && survivorAfterKill < 5000, `first write by the survivor ${survivorAfterKill} ms after the kill`);
    // So does a process started afresh (Passenger replaces the dead one).
    const fresh = start();
    const freshBase = await fresh.url();
    begun = performance.now();
    assert.equal(await logout(freshBase, onNewProcess), 204);
    const freshMs = performance.now() - begun;
    assert.ok(freshMs < 5000, `the new process wrote after ${freshMs} ms`);
    acked.logouts.push(afterKill, onNewProcess);

    // The file opens and is sound, and holds every write that was acknowledged.
    assert.deepEqual(await columnOnDisk(dbFile, 'PRAGMA integrity_check'), ['ok']);
    const revoked = new Set(await columnOnDisk(dbFile, 'SELECT jti FROM revoked_tokens'));
    const families = new Set(await columnOnDisk(dbFile, 'SELECT id FROM refresh_families'));
    const missingLogouts = acked.logouts.filter((s) => !revoked.has(s.jti));
    const missingLogins = acked.logins.filter((s) => !families.has(s.fam));
    assert.deepEqual(missingLogouts.map((s) => s.jti), [], 'every acknowledged sign-out is stored');
    assert.deepEqual(missingLogins.map((s) => s.fam), [], 'every acknowledged sign-in is stored');
    // And every surviving process honours them.
    const survivors = [bases[0]!, bases[1]!, freshBase];
    const checks = acked.logouts.flatMap((s) => survivors.map((base) => ({ s, base })));
    const answers = await pool(checks, 24, ({ s, base }) => me(base, s));
    assert.equal(answers.filter((a) => a.error !== 'token_revoked').length, 0);
    // The fresh process cleared the dead writer's temporary file, if it left one.
    const leftovers = readdirSync(dataDir).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(leftovers.filter((n) => n.startsWith(`${DB}.${victim.child.pid}-`)), [], 'no temporary file of the dead writer');

    t.diagnostic(
      `killed mid-storm (${onDiskAtKill}); acknowledged before/after: ${acked.logouts.length} sign-outs, ` +
        `${acked.logins.length} sign-ins; survivor's first write acknowledged ${survivorAfterKill?.toFixed(0)} ms after the kill ` +
        `(a write started after the storm: ${survivorMs.toFixed(0)} ms); new process wrote ${freshMs.toFixed(0)} ms after it listened; ` +
        `other leftovers: ${leftovers.join(' ') || 'none'}`,
    );
    assert.ok(ackCount >= 20, 'the victim was killed in the middle of the storm, not before it');
    assertAlive();
  });

  test('exactly one first admin although three processes started at once', async () => {
    assertAlive();
    const lines = everyProcess.slice(0, 3).flatMap((app) => app.lines);
    assert.equal(lines.filter((l) => /created the first admin/.test(l)).length, 1, lines.filter((l) => /admin/.test(l)).join('\n'));
    assert.equal(lines.filter((l) => /could not create the first admin/.test(l)).length, 0);
    assert.deepEqual(await columnOnDisk(dbFile, 'SELECT username FROM users'), [ADMIN]);
    assert.deepEqual(await columnOnDisk(dbFile, "SELECT count(*) FROM audit_log WHERE action = 'user_create'"), [1]);
    const errors = everyProcess.flatMap((app) => app.lines).filter((l) => / ERROR /.test(l));
    assert.deepEqual(errors, [], 'no process logged an error');
  });
});
