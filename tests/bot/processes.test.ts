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
import { after, before, describe, test } from 'node:test';
import { encodeSolution, solveChallenge, type Challenge } from '../../src/bot/pow.ts';
import { releaseCopy, sharedDataEnv, spawnApp, type AppProcess } from '../helpers/process.ts';

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
  const env = { ...sharedDataEnv(dataDir, ADMIN), BOT_POW: 'always', BOT_POW_DIFFICULTY: '5000', TRUST_PROXY: 'passenger' };
  let apps: AppProcess[] = [];
  let bases: string[] = [];

  before(async () => {
    apps = [0, 1, 2].map(() => spawnApp({ cwd: release.dir, env }));
    bases = await Promise.all(apps.map((app) => app.url()));
    await Promise.any(apps.map((app) => app.waitFor(/created the first admin/, 60_000)));
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
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
});
