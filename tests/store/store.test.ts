/**
 * The store's intents (src/store/index.ts) over a real database file, with an injected clock
 * (seconds), and openStore's health check. Two openStore calls on one DATA_DIR stand in for
 * two processes where the point is an atomic intent racing another.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { createMemoryLogger } from '../../src/log/index.ts';
import { insertAudit, insertFailure } from '../../src/store/audit.ts';
import { StoreUnavailableError, UserExistsError, type DatabaseFile, type NewUser, type Store } from '../../src/store/index.ts';
import { revokeFamily, revokeJti } from '../../src/store/sessions.ts';
import { DATABASE_FILE, openStore } from '../../src/store/open.ts';
import { columnOnDisk, tempDir, WASM } from '../db/fixture.ts';

const T0 = 1_800_000_000;

interface Opened {
  readonly store: Store;
  readonly clock: { now: number };
  readonly lines: string[];
  readonly health: ReturnType<typeof openStore>['health'];
  readonly file: string;
  readonly db: DatabaseFile;
}

function open(t: TestContext, dataDir: string, options: { wasmPath?: string; clock?: { now: number } } = {}): Opened {
  const clock = options.clock ?? { now: T0 };
  const logger = createMemoryLogger();
  const opened = openStore({ dataDir, wasmPath: options.wasmPath ?? WASM, logger, now: () => clock.now });
  t.after(() => opened.file.close());
  return { store: opened.store, clock, lines: logger.lines, health: opened.health, file: path.join(dataDir, DATABASE_FILE), db: opened.file };
}

const member = (username: string): NewUser => ({ username, role: 'member', passwordHash: null });

async function withSession(s: Store, family = 'fam-1', jti = 'r1'): Promise<number> {
  const user = await s.createUser(member(`user-${family}`));
  await s.startSession({ id: family, userId: user.id, csrf: `csrf-${family}`, jti, expiresAt: T0 + 14 * 86_400 }, { userId: user.id });
  return user.id;
}

describe('store: users', () => {
  test('usernames are unique case-insensitively (and across compatibility forms); the spelling is kept', async (t) => {
    const { store, file } = open(t, tempDir(t));
    const alice = await store.createUser(member('Alice'), { action: 'user_create', actor: 'test', outcome: 'success' });
    for (const twin of ['alice', 'ALICE', 'Ａｌｉｃｅ']) {
      await assert.rejects(store.createUser(member(twin)), UserExistsError, twin);
    }
    assert.equal((await store.userByUsername('aLiCe'))?.id, alice.id);
    assert.equal((await store.userByUsername('aLiCe'))?.username, 'Alice');
    assert.equal(await store.countUsers(), 1);
    assert.equal('passwordHash' in alice, false, 'what leaves the store has no hash');
    assert.deepEqual(await columnOnDisk(file, "SELECT target FROM audit_log WHERE action = 'user_create'"), ['Alice'], 'one audit row, only for the success');
  });

  test('createFirstUser creates the first user only once, even when two processes race', async (t) => {
    const dir = tempDir(t);
    const a = open(t, dir);
    const b = open(t, dir);
    const results = await Promise.all([
      a.store.createFirstUser({ ...member('root-a'), role: 'admin' }),
      b.store.createFirstUser({ ...member('root-b'), role: 'admin' }),
      a.store.createFirstUser({ ...member('root-c'), role: 'admin' }),
    ]);
    assert.equal(results.filter((r) => r !== undefined).length, 1, JSON.stringify(results));
    assert.equal(await a.store.countUsers(), 1);
    assert.equal(await b.store.countUsers(), 1);
    assert.equal(await a.store.createFirstUser(member('later')), undefined);
    assert.deepEqual(await columnOnDisk(a.file, 'SELECT count(*) FROM users'), [1]);
  });

  test('updateUser with endSessions bumps the session version and ends every sign-in', async (t) => {
    const { store, clock } = open(t, tempDir(t));
    const id = await withSession(store, 'f1');
    await store.startSession({ id: 'f2', userId: id, csrf: 'c', jti: 'r2', expiresAt: T0 + 1000 }, { userId: id });
    clock.now += 5;
    const updated = await store.updateUser(id, { endSessions: true, displayName: 'New Name' });
    assert.equal(updated?.sessionVersion, 2);
    assert.equal(updated?.displayName, 'New Name');
    for (const family of ['f1', 'f2']) assert.equal((await store.sessionState(id, 'any', family))?.familyRevoked, true, family);
    assert.equal(await store.updateUser(9999, { displayName: 'x' }), undefined);
  });
});

describe('store: sessions', () => {
  test('rotateSession: rotated, then grace for the previous token, then reuse revokes the family, then revoked', async (t) => {
    const { store, clock, file } = open(t, tempDir(t));
    const userId = await withSession(store, 'fam', 'r1');
    const rotate = (presentedJti: string, newJti: string) =>
      store.rotateSession({ familyId: 'fam', userId, presentedJti, newJti, expiresAt: clock.now + 1000, now: clock.now, graceSeconds: 30 }, (outcome) =>
        outcome.kind === 'reuse' ? { action: 'refresh_reuse', outcome: 'alarm', actorId: userId } : undefined,
      );

    clock.now += 60;
    assert.deepEqual(await rotate('r1', 'r2'), { kind: 'rotated', csrf: 'csrf-fam' });
    clock.now += 30; // the last second of the grace window
    assert.deepEqual(await rotate('r1', 'r3'), { kind: 'grace', csrf: 'csrf-fam', currentJti: 'r2', expiresAt: T0 + 60 + 1000 });
    assert.equal((await store.sessionState(userId, 'a', 'fam'))?.familyRevoked, false);
    clock.now += 1; // past it: the old token again means it was stolen
    assert.deepEqual(await rotate('r1', 'r4'), { kind: 'reuse' });
    assert.equal((await store.sessionState(userId, 'a', 'fam'))?.familyRevoked, true);
    assert.deepEqual(await rotate('r2', 'r5'), { kind: 'revoked' }, 'even the current token is dead now');
    assert.deepEqual(await columnOnDisk(file, "SELECT revoked_reason FROM refresh_families WHERE id = 'fam'"), ['reuse']);
    assert.deepEqual(await columnOnDisk(file, "SELECT count(*) FROM audit_log WHERE action = 'refresh_reuse'"), [1]);
  });

  test('rotateSession answers revoked for an unknown family, another user, or an expired family', async (t) => {
    const { store, clock } = open(t, tempDir(t));
    const userId = await withSession(store, 'fam', 'r1');
    const base = { familyId: 'fam', userId, presentedJti: 'r1', newJti: 'n', expiresAt: T0 + 10, now: T0, graceSeconds: 30 };
    const none = () => undefined;
    assert.deepEqual(await store.rotateSession({ ...base, familyId: 'nope' }, none), { kind: 'revoked' });
    assert.deepEqual(await store.rotateSession({ ...base, userId: userId + 1 }, none), { kind: 'revoked' });
    clock.now = T0 + 14 * 86_400;
    assert.deepEqual(await store.rotateSession({ ...base, now: clock.now }, none), { kind: 'revoked' });
  });

  test('two processes rotating the same refresh token at once: exactly one rotates, the other gets the grace answer', async (t) => {
    const dir = tempDir(t);
    const clock = { now: T0 };
    const a = open(t, dir, { clock });
    const b = open(t, dir, { clock });
    const userId = await withSession(a.store, 'fam', 'r1');
    const request = (store: Store, newJti: string) =>
      store.rotateSession({ familyId: 'fam', userId, presentedJti: 'r1', newJti, expiresAt: T0 + 1000, now: T0, graceSeconds: 30 }, () => undefined);
    const outcomes = await Promise.all([request(a.store, 'from-a'), request(b.store, 'from-b')]);
    assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['grace', 'rotated']);
    const winner = outcomes[0]!.kind === 'rotated' ? 'from-a' : 'from-b';
    const grace = outcomes.find((o) => o.kind === 'grace') as { currentJti: string };
    assert.equal(grace.currentJti, winner);
    assert.deepEqual(await columnOnDisk(a.file, "SELECT current_jti, previous_jti FROM refresh_families WHERE id = 'fam'"), [winner]);
  });

  test('endSession revokes the access token id and the family; a revocation is seen by another process at once', async (t) => {
    const dir = tempDir(t);
    const clock = { now: T0 };
    const a = open(t, dir, { clock });
    const b = open(t, dir, { clock });
    const userId = await withSession(a.store, 'fam', 'r1');
    const before = await b.store.sessionState(userId, 'access-1', 'fam');
    assert.deepEqual(
      { id: before?.user.id, username: before?.user.username, sessionVersion: before?.user.sessionVersion, jti: before?.jtiRevoked, family: before?.familyRevoked },
      { id: userId, username: 'user-fam', sessionVersion: 1, jti: false, family: false },
    );
    assert.equal('passwordHash' in (before?.user ?? {}), false, 'the session check hands out no hash');
    await a.store.endSession({ familyId: 'fam', accessJti: 'access-1', accessExpiresAt: T0 + 900 });
    const after = await b.store.sessionState(userId, 'access-1', 'fam');
    assert.equal(after?.jtiRevoked, true);
    assert.equal(after?.familyRevoked, true);
    // An access token that has expired anyway is not worth a row.
    await a.store.endSession({ familyId: 'fam', accessJti: 'access-old', accessExpiresAt: T0 - 1 });
    assert.deepEqual(await columnOnDisk(a.file, 'SELECT jti FROM revoked_tokens'), ['access-1']);
  });

  test('endAllSessions bumps the session version; an unknown user changes nothing', async (t) => {
    const { store } = open(t, tempDir(t));
    const userId = await withSession(store, 'fam', 'r1');
    assert.equal((await store.endAllSessions(userId))?.sessionVersion, 2);
    assert.equal((await store.sessionState(userId, 'x', 'fam'))?.user.sessionVersion, 2);
    assert.equal(await store.endAllSessions(userId + 100), undefined);
  });

  test('confirmStepUp: bound to one live sign-in, seen by another process at once, gone with the sign-in', async (t) => {
    const dir = tempDir(t);
    const clock = { now: T0 };
    const a = open(t, dir, { clock });
    const b = open(t, dir, { clock });
    const userId = await withSession(a.store, 'fam', 'r1');
    await a.store.startSession({ id: 'fam-2', userId, csrf: 'c2', jti: 'r2', expiresAt: T0 + 86_400 }, { userId });
    assert.equal((await b.store.sessionState(userId, 'x', 'fam'))?.stepUpUntil, null, 'never confirmed');

    const audit = { action: 'step_up', actorId: userId, outcome: 'success' } as const;
    assert.equal(await a.store.confirmStepUp({ familyId: 'fam', userId, until: T0 + 300 }, audit), true);
    assert.equal((await b.store.sessionState(userId, 'x', 'fam'))?.stepUpUntil, T0 + 300, 'another process sees it');
    assert.equal((await b.store.sessionState(userId, 'x', 'fam-2'))?.stepUpUntil, null, 'the other sign-in is not confirmed');
    assert.equal(await a.store.confirmStepUp({ familyId: 'fam', userId: userId + 100, until: T0 + 300 }), false, 'not on someone else\'s sign-in');

    await a.store.endSession({ familyId: 'fam' });
    assert.equal((await b.store.sessionState(userId, 'x', 'fam'))?.stepUpUntil, null, 'sign-out ends it');
    assert.equal(await a.store.confirmStepUp({ familyId: 'fam', userId, until: T0 + 300 }, audit), false, 'an ended sign-in cannot be confirmed');
    assert.equal(await a.store.confirmStepUp({ familyId: 'fam-2', userId, until: T0 + 300 }), true);
    await a.store.endAllSessions(userId);
    assert.deepEqual(await columnOnDisk(a.file, 'SELECT count(*) FROM refresh_families WHERE step_up_until IS NOT NULL'), [0], 'sign out everywhere ends it');
    assert.deepEqual(await columnOnDisk(a.file, "SELECT count(*) FROM audit_log WHERE action = 'step_up'"), [1], 'audited only when recorded');
  });
});

describe('store: purge', () => {
  test('purge removes expired revocations, ended families and old audit entries, and keeps live ones', async (t) => {
    const { store, clock, file, db } = open(t, tempDir(t));
    const user = await store.createUser(member('u'));
    const family = (id: string, expiresAt: number) => store.startSession({ id, userId: user.id, csrf: 'c', jti: `j-${id}`, expiresAt }, { userId: user.id });
    const DAY = 86_400;
    await family('live', T0 + 10 * DAY);
    await family('expired', T0 + 100);
    await family('revoked-long-ago', T0 + 10 * DAY);
    await family('revoked-recently', T0 + 10 * DAY);
    await store.endSession({ familyId: 'revoked-long-ago', accessJti: 'expired-jti', accessExpiresAt: T0 + 900 });
    // Later events written straight to the file: a store write after a jump in time would start
    // the periodic purge itself and spoil the counts below.
    const later = T0 + 2 * DAY;
    await db.write((q) => {
      revokeFamily(q, 'revoked-recently', later - 3600, 'logout');
      revokeJti(q, 'live-jti', later + 900);
      insertAudit(q, { action: 'old', outcome: 'success' }, T0);
      insertAudit(q, { action: 'recent', outcome: 'success' }, later);
    });

    clock.now = later;
    const first = await store.purge();
    assert.deepEqual({ revocations: first.revocations, families: first.families, audit: first.audit }, { revocations: 1, families: 2, audit: 0 });
    assert.deepEqual(await columnOnDisk(file, 'SELECT jti FROM revoked_tokens'), ['live-jti']);
    assert.deepEqual(await columnOnDisk(file, 'SELECT id FROM refresh_families ORDER BY id'), ['live', 'revoked-recently']);

    clock.now = T0 + 401 * DAY; // audit entries are kept 400 days
    const second = await store.purge();
    assert.deepEqual({ revocations: second.revocations, families: second.families, audit: second.audit }, { revocations: 1, families: 2, audit: 1 });
    assert.deepEqual(await columnOnDisk(file, 'SELECT action FROM audit_log'), ['recent']);
  });

  test('failed sign-ins: at most 500 rows a day, one more row counting the rest, and kept 30 days, not 400', async (t) => {
    const { store, clock, file, db } = open(t, tempDir(t));
    const fail = (i: number) => ({ action: 'login', actor: `guess-${i}`, ip: `192.0.2.${i % 250}`, outcome: 'failure' as const, detail: 'bad credentials' });
    // Written straight to the file, as recordLoginFailure does, without the periodic purge.
    await db.write((q) => {
      for (let i = 0; i < 600; i += 1) insertFailure(q, fail(i), T0 + i);
      insertAudit(q, { action: 'user_create', outcome: 'success' }, T0);
    });
    const rows = await columnOnDisk(file, "SELECT times FROM audit_log WHERE action = 'login' ORDER BY id");
    assert.equal(rows.length, 501);
    assert.deepEqual(rows.slice(-2), [1, 100], 'the 501st row counts the 100 past the cap');
    const listed = await store.listAudit({ action: 'login', limit: 1 });
    assert.equal(listed[0]?.times, 100);
    assert.match(listed[0]?.detail ?? '', /counted here, not listed/);

    await db.write((q) => insertFailure(q, fail(1), T0 + 86_400)); // the next day has room again
    assert.equal((await columnOnDisk(file, "SELECT count(*) FROM audit_log WHERE action = 'login'"))[0], 502);

    clock.now = T0 + 32 * 86_400;
    assert.equal((await store.purge()).audit, 502);
    assert.deepEqual(await columnOnDisk(file, 'SELECT action FROM audit_log'), ['user_create'], 'other entries stay their 400 days');
  });

  test('ordinary writes run the purge every ten minutes, without a timer', async (t) => {
    const { store, clock, file } = open(t, tempDir(t));
    await withSession(store, 'fam', 'r1');
    await store.endSession({ familyId: 'fam', accessJti: 'short', accessExpiresAt: T0 + 60 });
    clock.now = T0 + 599;
    await store.audit({ action: 'tick', outcome: 'success' });
    assert.deepEqual(await columnOnDisk(file, 'SELECT jti FROM revoked_tokens'), ['short'], 'not yet');
    clock.now = T0 + 600;
    await store.audit({ action: 'tick', outcome: 'success' });
    // The purge follows the write that triggered it; the next write queues behind it.
    await store.audit({ action: 'tock', outcome: 'success' });
    assert.deepEqual(await columnOnDisk(file, 'SELECT count(*) FROM revoked_tokens'), [0]);
  });
});

describe('openStore: health check', () => {
  test('healthy: passes without loading the database (a probe must not cost the lazy start)', async (t) => {
    const dir = tempDir(t);
    const { health, lines } = open(t, dir);
    await health.check();
    assert.equal(lines.filter((l) => /database opened/.test(l)).length, 0);
  });

  test('names a missing WASM file', async (t) => {
    const dir = tempDir(t);
    const { health, store } = open(t, dir, { wasmPath: path.join(dir, 'missing.wasm') });
    await assert.rejects(health.check(), /SQLite WASM file \(dist\/sql-wasm\.wasm\) is missing or unreadable/);
    await assert.rejects(store.ready(), StoreUnavailableError);
  });

  test('names a database file that cannot be read', async (t) => {
    const dir = tempDir(t);
    const dbPath = path.join(dir, DATABASE_FILE);
    // A symlink loop fails access() even for root (who ignores file modes).
    symlinkSync(dbPath, dbPath);
    const { health, store } = open(t, dir);
    await assert.rejects(health.check(), /database file is not readable and writable \(ELOOP\)/);
    await assert.rejects(store.ready(), (error: unknown) => error instanceof StoreUnavailableError && /cannot read the database file \(ELOOP\)/.test(error.message));
    if (process.getuid?.() !== 0) {
      const other = tempDir(t);
      writeFileSync(path.join(other, DATABASE_FILE), '');
      chmodSync(path.join(other, DATABASE_FILE), 0o000);
      await assert.rejects(open(t, other).health.check(), /not readable and writable \(EACCES\)/);
    }
  });

  test('names a damaged file before anything opens it (by its header), and the reason the last open failed', async (t) => {
    const dir = tempDir(t);
    writeFileSync(path.join(dir, DATABASE_FILE), randomBytes(4096));
    const { health, store } = open(t, dir);
    await assert.rejects(health.check(), /database file is damaged \(it is not an SQLite database\)/);
    await assert.rejects(store.ready(), StoreUnavailableError);
    await assert.rejects(health.check(), /damaged/);
  });

  test('a file damaged after this process opened it: health fails as requests do, and both heal when a good file is back', async (t) => {
    const dir = tempDir(t);
    const { health, store, file } = open(t, dir);
    await store.createUser(member('alice'));
    await health.check();
    const good = readFileSync(file);

    // The audit's case: replaced with garbage, every sign-in answered 503 and health said 200.
    writeFileSync(`${file}.tmp`, 'this is not a database, it is a text file of some length'.repeat(100));
    renameSync(`${file}.tmp`, file);
    await assert.rejects(health.check(), /database file is damaged/);
    await assert.rejects(store.userByUsername('alice'), StoreUnavailableError);

    // A valid header over damaged pages: only loading tells, and health then says what requests met.
    const torn = Buffer.from(good);
    torn.fill(0xab, 100);
    writeFileSync(`${file}.tmp`, torn);
    renameSync(`${file}.tmp`, file);
    await health.check();
    await assert.rejects(store.userByUsername('alice'), StoreUnavailableError);
    await assert.rejects(health.check(), /damaged/);

    writeFileSync(`${file}.tmp`, good);
    renameSync(`${file}.tmp`, file);
    await health.check(); // a changed file: the old failure no longer speaks for it
    assert.equal((await store.userByUsername('alice'))?.username, 'alice');
    await health.check();
  });
});
