/**
 * How long a wrong password takes here (src/auth/password.ts typicalVerifyMs), which a sign-in
 * the bot gate caught waits for (src/auth/service.ts): a fixed estimate before the process's
 * first hash, then the recent hashes' median; asking for it never waits and costs at most the
 * dummy hash, once. Its own file: it needs a process that has not hashed yet.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, typicalVerifyMs, UNMEASURED_MS, verifyPassword } from '../../src/auth/password.ts';

test('an estimate before the first hash, then what hashes take', async (t) => {
  const started = performance.now();
  assert.equal(typicalVerifyMs(), UNMEASURED_MS, 'nothing measured yet');
  // An unknown user's check: the dummy hash (already begun by the question above) and its verify.
  assert.equal(await verifyPassword('a guess at an unknown user', undefined), false);
  const elapsed = performance.now() - started;
  const first = typicalVerifyMs();
  assert.notEqual(first, UNMEASURED_MS);
  assert.ok(first > 0 && first <= elapsed, `${first} ms, within the ${elapsed} ms the two hashes took`);

  const hash = await hashPassword('correct horse battery staple');
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const at = performance.now();
    assert.equal(await verifyPassword('wrong', hash), false);
    times.push(performance.now() - at);
  }
  const typical = typicalVerifyMs();
  t.diagnostic(`verify: ${times.map((ms) => ms.toFixed(0)).join(' ')} ms; typical ${typical.toFixed(0)} ms`);
  assert.ok(typical >= Math.min(...times) * 0.5 && typical <= Math.max(...times) * 2, 'the median of what was measured');
});
