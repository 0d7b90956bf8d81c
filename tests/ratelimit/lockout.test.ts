/**
 * Sign-in lockout (bot/lockout.ts), apart from request limits (off in these apps): consecutive
 * failures per username and address back off 1 s, 2 s, 4 s … up to 15 minutes, never for good;
 * the answer never says whether the account exists; a success clears the count; failures from
 * elsewhere lock the username only at the much higher per-username threshold; and the state is
 * shared by every process on the same DATA_DIR. Time moves through the app's clock, no sleeping.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authTestApp, type AuthTestApp } from '../helpers/auth-app.ts';
import { call } from '../helpers/auth-http.ts';
import { GOOD, T, cheapUser, from, limitedApp, signIn } from './limits-app.ts';

const LOCKED = 'Too many failed sign-in attempts. Please wait a moment before trying again.';
const WRONG = 'not the password at all';

async function assertLocked(res: Response, retryAfter: number, label = ''): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 429, `${label}: ${text}`);
  assert.equal(res.headers.get('retry-after'), String(retryAfter), label);
  assert.equal(text, JSON.stringify({ error: 'rate_limited', message: LOCKED, retryAfter }), label);
  assert.deepEqual(res.headers.getSetCookie(), [], label);
}

async function assertWrongPassword(res: Response, label = ''): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 401, `${label}: ${text}`);
  assert.equal(JSON.parse(text).error, 'invalid_credentials', label);
}

async function fail(a: AuthTestApp, address: string, username: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await assertWrongPassword(await signIn(a, address, username, WRONG), `${username} failure ${i + 1}`);
}

/** Everything a client sees, but the request id. */
async function visible(res: Response): Promise<{ status: number; body: string; headers: Array<[string, string]> }> {
  const headers = [...res.headers].filter(([name]) => name !== 'x-request-id');
  return { status: res.status, body: await res.text(), headers };
}

describe('sign-in lockout', () => {
  test('after 5 failures: 429 with Retry-After 1, then 2, 4 … capped at 900 s; after each wait the attempt is evaluated', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    await fail(a, '203.0.113.1', 'alice', 5);
    const waits: number[] = [];
    for (let round = 0; round < 12; round += 1) {
      const locked = await signIn(a, '203.0.113.1', 'alice', GOOD);
      const wait = Number(locked.headers.get('retry-after'));
      await assertLocked(locked, wait, `round ${round}`);
      waits.push(wait);
      a.clock.now += wait - 1;
      if (wait > 1) await assertLocked(await signIn(a, '203.0.113.1', 'alice', GOOD), 1, `round ${round}, one second early`);
      a.clock.now += 1;
      // The wait is over: this attempt is evaluated (and fails again, doubling the next wait).
      await assertWrongPassword(await signIn(a, '203.0.113.1', 'alice', WRONG), `round ${round}, after the wait`);
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
    // Never permanent: after the capped wait, the right password signs in ...
    await assertLocked(await signIn(a, '203.0.113.1', 'alice', GOOD), 900);
    a.clock.now += 900;
    assert.equal((await signIn(a, '203.0.113.1', 'alice', GOOD)).status, 200);
    // ... and the count starts again from nothing.
    await fail(a, '203.0.113.1', 'alice', 4);
    await assertWrongPassword(await signIn(a, '203.0.113.1', 'alice', WRONG), 'the fifth failure is still evaluated');
  });

  test('while locked, even the right password is not checked: no scrypt, no audit row, no cookie', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    await fail(a, '203.0.113.2', 'alice', 5);
    const before = (await a.store.listAudit({ action: 'login' })).length;
    await assertLocked(await signIn(a, '203.0.113.2', 'alice', GOOD), 1);
    assert.equal((await a.store.listAudit({ action: 'login' })).length, before);
    assert.equal((await a.store.loginFailures(['pair:alice|203.0.113.2'])).get('pair:alice|203.0.113.2')?.failures, 5);
  });

  test('a plain form post while locked lands on the sign-in page with the generic error', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    await fail(a, '203.0.113.3', 'alice', 5);
    const res = await call(a, '/api/auth/login', { form: { username: 'alice', password: GOOD }, headers: { 'X-Forwarded-For': '203.0.113.3' } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?error=rate_limited');
  });

  test('the answers are identical for an existing and a non-existing username', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    for (let i = 0; i < 6; i += 1) {
      const real = await visible(await signIn(a, '198.51.100.10', 'alice', WRONG));
      const ghost = await visible(await signIn(a, '198.51.100.10', 'ghost', WRONG));
      assert.deepEqual(ghost, real, `attempt ${i + 1}`);
      assert.equal(real.status, i < 5 ? 401 : 429);
    }
  });

  test('a success resets the count', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    await fail(a, '203.0.113.4', 'alice', 4);
    assert.equal((await signIn(a, '203.0.113.4', 'alice', GOOD)).status, 200);
    assert.deepEqual([...(await a.store.loginFailures(['pair:alice|203.0.113.4', 'user:alice']))], []);
    await fail(a, '203.0.113.4', 'alice', 5);
    await assertLocked(await signIn(a, '203.0.113.4', 'alice', GOOD), 1, 'five new failures lock again');
  });

  test('failures from other addresses do not lock the real user out until the per-username threshold (50)', async (t) => {
    const a = await limitedApp(t);
    await cheapUser(a, 'alice');
    // One attacker address is locked after its own five failures ...
    await fail(a, '10.9.9.9', 'alice', 5);
    await assertLocked(await signIn(a, '10.9.9.9', 'alice', GOOD), 1, 'the attacker');
    // ... more failures from 44 other addresses (49 in all): the real user's address is not locked.
    for (let i = 1; i <= 44; i += 1) await fail(a, `10.0.0.${i}`, 'alice', 1);
    await assertWrongPassword(await signIn(a, '192.0.2.1', 'alice', WRONG), 'a typo of the real user: failure 50');
    // Now the username itself backs off, from every address, starting again at 1 s.
    await assertLocked(await signIn(a, '192.0.2.1', 'alice', GOOD), 1, 'the real user');
    await assertLocked(await signIn(a, '10.0.0.200', 'alice', GOOD), 1, 'anyone');
    a.clock.now += 1;
    assert.equal((await signIn(a, '192.0.2.1', 'alice', GOOD)).status, 200, 'never permanent');
  });

  test('lockout state is shared by two app instances on one DATA_DIR', async (t) => {
    const a = await limitedApp(t);
    const b = await authTestApp({ dataDir: a.dataDir });
    t.after(() => b.close());
    b.clock.now = T;
    await cheapUser(a, 'alice');
    await fail(a, '203.0.113.5', 'alice', 3);
    await fail(b, '203.0.113.5', 'alice', 2);
    await assertLocked(await signIn(a, '203.0.113.5', 'alice', GOOD), 1, 'a sees the failures counted by b');
    await assertLocked(await signIn(b, '203.0.113.5', 'alice', GOOD), 1, 'b sees its own and a\'s');
    a.clock.now += 1;
    b.clock.now += 1;
    assert.equal((await signIn(b, '203.0.113.5', 'alice', GOOD)).status, 200);
    // The success in b cleared the count for a as well.
    await fail(a, '203.0.113.5', 'alice', 4);
    await assertWrongPassword(await signIn(a, '203.0.113.5', 'alice', WRONG));
    await assertLocked(await signIn(b, '203.0.113.5', 'alice', GOOD), 1);
  });
});

test('the lockout is keyed by the last X-Forwarded-For entry: spoofed entries do not escape it', async (t) => {
  const a = await limitedApp(t);
  await cheapUser(a, 'alice');
  for (let i = 0; i < 5; i += 1) {
    await assertWrongPassword(await from(a, '203.0.113.6', '/api/auth/login', { spoofed: `10.1.1.${i}`, json: { username: 'alice', password: WRONG } }));
  }
  await assertLocked(await from(a, '203.0.113.6', '/api/auth/login', { spoofed: '10.1.1.99', json: { username: 'alice', password: GOOD } }), 1);
});
