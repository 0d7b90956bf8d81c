/**
 * The defences across real app processes sharing one DATA_DIR (the built release, `node
 * app.js`, as Passenger runs them): a proof-of-work solution spent in one process is refused by
 * the others; an address or range an admin blocks in one process is refused by every process
 * on its very next request, and unblocked likewise; a lockout lifted by an admin lets the person
 * sign in at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { encodeSolution, solveChallenge, type Challenge } from '../../src/bot/pow.ts';
import { processesForTests, releaseCopy, runCli, sharedDataEnv } from '../helpers/process.ts';

const ADMIN = { username: 'root', password: 'processes test password' };
const JSON_POST = { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' };

async function solvedPow(base: string, username: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${base}/api/auth/challenge?username=${encodeURIComponent(username)}`, { headers });
  assert.equal(res.status, 200);
  const solution = solveChallenge((await res.json()) as Challenge);
  assert.ok(solution !== undefined);
  return encodeSolution(solution);
}

async function signIn(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; cookie: string }> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { ...JSON_POST, ...headers }, body: JSON.stringify(body) });
  const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]!).join('; ');
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, cookie };
}

describe('the defences across three processes sharing one DATA_DIR', { timeout: 300_000 }, () => {
  const release = releaseCopy();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-bot-'));
  // TRUST_PROXY=passenger: the test plays Passenger, naming each client's address in X-Forwarded-For.
  const env = { ...sharedDataEnv(dataDir, ADMIN), BOT_POW: 'always', BOT_POW_DIFFICULTY: '5000', BOT_POW_MAX_DIFFICULTY: '40000', TRUST_PROXY: 'passenger' };
  const { bases } = processesForTests(3, { cwd: release.dir, env });
  after(() => {
    release.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a solution spent in one process is refused by the others (pow_invalid, reused)', async () => {
    const pow = await solvedPow(bases[0]!, ADMIN.username);
    const first = await signIn(bases[0]!, { ...ADMIN, pow });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    for (const base of [bases[1]!, bases[2]!, bases[0]!]) {
      const replay = await signIn(base, { ...ADMIN, pow });
      assert.equal(replay.status, 400, base);
      assert.deepEqual([replay.body.error, replay.body.reason], ['pow_invalid', 'reused'], base);
    }
    // Without any: 428 in every process.
    for (const base of bases) assert.equal((await signIn(base, ADMIN)).status, 428);
  });

  test('a script signs in with the CLI\u2019s solution (node dist/cli.cjs pow, as the README shows); junk is refused clearly', async () => {
    const challenge = await (await fetch(`${bases[1]!}/api/auth/challenge?username=${ADMIN.username}`)).text();
    const solved = await runCli(release.dir, ['pow'], challenge);
    assert.equal(solved.code, 0, solved.err);
    const pow = solved.out.trim();
    assert.equal((await signIn(bases[2]!, { ...ADMIN, pow })).status, 200, 'verified by another process than the one that issued it');
    const junk = await runCli(release.dir, ['pow'], '{"algorithm":"MD5"}');
    assert.equal(junk.code, 2);
    assert.match(junk.err, /not a challenge/);
  });

  test('an address and an IPv6 range blocked through one process are refused by every process on the next request; unblocked alike', async () => {
    const admin = await adminSession(bases[0]!);
    const block = async (cidr: string): Promise<number> => {
      const res = await fetch(`${bases[1]!}/api/admin/blocks`, { method: 'POST', headers: { ...JSON_POST, ...admin, 'X-Forwarded-For': '192.0.2.1' }, body: JSON.stringify({ cidr }) });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { block: { id: number } }).block.id;
    };
    const status = (base: string, ip: string): Promise<number> => fetch(`${base}/login`, { headers: { 'X-Forwarded-For': ip } }).then((r) => r.status);
    const everywhere = (ip: string): Promise<number[]> => Promise.all(bases.map((base) => status(base, ip)));
    assert.deepEqual(await everywhere('203.0.113.40'), [200, 200, 200]);
    const v4 = await block('203.0.113.0/24');
    // The very next request to each process: no waiting, no polling.
    assert.deepEqual(await everywhere('203.0.113.40'), [403, 403, 403]);
    const v6 = await block('2001:db8:77::/48');
    assert.deepEqual(await everywhere('2001:db8:77:1::9'), [403, 403, 403]);
    assert.deepEqual(await everywhere('2001:db8:78::9'), [200, 200, 200]);
    for (const id of [v4, v6]) {
      const res = await fetch(`${bases[2]!}/api/admin/blocks/${id}`, { method: 'DELETE', headers: { ...admin, 'Sec-Fetch-Site': 'same-origin', 'X-Forwarded-For': '192.0.2.1' } });
      assert.equal(res.status, 204);
    }
    assert.deepEqual(await everywhere('203.0.113.40'), [200, 200, 200]);
    assert.deepEqual(await everywhere('2001:db8:77:1::9'), [200, 200, 200]);
  });

  test('a lockout lifted through one process lets the person sign in at once through another', async () => {
    const who = { 'X-Forwarded-For': '198.51.100.30' };
    const attempt = async (base: string, password: string): Promise<{ status: number; retryAfter: number }> => {
      const res = await signIn(base, { username: ADMIN.username, password, pow: await solvedPow(base, ADMIN.username, who) }, who);
      const { retryAfter } = res.body;
      return { status: res.status, retryAfter: typeof retryAfter === 'number' ? retryAfter : 0 };
    };
    // Wrong passwords until the lockout asks for a wait of at least 4 s (bot/lockout.ts doubles it
    // with each failure past the fifth; an attempt during the wait is refused and not counted, so
    // a short wait is waited out and the next failure doubles it): then the right password, at
    // once, is refused with time to spare, however slowly this machine solves the work.
    let locked = 0;
    for (let i = 0; locked < 4; i += 1) {
      assert.ok(i < 20, 'locked out within 20 attempts');
      const { status, retryAfter } = await attempt(bases[i % 3]!, 'wrong password');
      assert.ok(status === 401 || status === 429, String(status));
      if (status === 429 && retryAfter < 4) await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      if (status === 429) locked = retryAfter;
    }
    assert.equal((await attempt(bases[0]!, ADMIN.password)).status, 429, 'locked out');
    const admin = await adminSession(bases[2]!);
    const lift = await fetch(`${bases[2]!}/api/admin/lockouts/lift`, { method: 'POST', headers: { ...JSON_POST, ...admin }, body: JSON.stringify({ username: ADMIN.username }) });
    assert.equal(lift.status, 200);
    assert.equal((await attempt(bases[1]!, ADMIN.password)).status, 200, 'signed in at once');
  });
});

/** Cookie and CSRF headers of an admin session (signed in from its own address), its password confirmed (step-up) for the defences. */
async function adminSession(base: string): Promise<Record<string, string>> {
  const who = { 'X-Forwarded-For': '192.0.2.1' };
  const res = await signIn(base, { ...ADMIN, pow: await solvedPow(base, ADMIN.username, who) }, who);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const session = { Cookie: res.cookie, 'X-CSRF-Token': String(res.body.csrfToken) };
  const stepUp = await fetch(`${base}/api/auth/step-up`, { method: 'POST', headers: { ...JSON_POST, ...session, ...who }, body: JSON.stringify({ password: ADMIN.password }) });
  assert.equal(stepUp.status, 200, await stepUp.text());
  return session;
}
