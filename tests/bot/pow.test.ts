/**
 * Proof of work (src/bot/pow.ts, signin.ts): the core's verdicts, then a scripted client over
 * HTTP refused with the right code for every way of not doing the work — none, reused, for
 * another challenge, a tampered maxnumber or signature, a foreign key, expired — and BOT_POW's
 * three modes (adaptive asks only after failures, and more with each).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPow, encodeSolution, solveChallenge, type Challenge, type Solution } from '../../src/bot/pow.ts';
import { powRequired } from '../../src/bot/pow-policy.ts';
import { addUser, assertError, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

const SECRET = 'p'.repeat(64);
const clock = { now: 1_800_000_000 };
const pow = createPow({ secret: SECRET, now: () => clock.now });
const solved = (c: Challenge): Solution => {
  const s = solveChallenge(c);
  assert.ok(s !== undefined);
  return s;
};
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

describe('the proof-of-work core', () => {
  test('a solved challenge passes; every tampering fails with its reason', () => {
    const c = pow.issue(5000);
    assert.equal(c.algorithm, 'SHA-256');
    assert.match(c.salt, /^[0-9a-f]{24}\?expires=\d+&max=5000$/);
    const s = solved(c);
    assert.deepEqual(pow.verify(encodeSolution(s), 5000), { ok: true, challenge: c.challenge, expiresAt: clock.now + 300, maxnumber: 5000 });
    assert.deepEqual(pow.verify(encodeSolution({ ...s, number: s.number + 1 }), 0), { ok: false, reason: 'mismatch' });
    // The difficulty lives in the salt, bound by the hash: lowering it breaks the challenge.
    assert.deepEqual(pow.verify(encodeSolution({ ...s, salt: s.salt.replace('max=5000', 'max=10') }), 0), { ok: false, reason: 'mismatch' });
    assert.deepEqual(pow.verify(b64({ ...s, maxnumber: 10 }), 0), { ok: false, reason: 'malformed' }, 'an echoed maxnumber must be the true one');
    assert.equal(pow.verify(b64({ ...s, maxnumber: 5000 }), 0).ok, true);
    const flipped = s.signature.slice(0, -1) + (s.signature.endsWith('0') ? '1' : '0');
    assert.deepEqual(pow.verify(encodeSolution({ ...s, signature: flipped }), 0), { ok: false, reason: 'signature' });
    const foreign = createPow({ secret: 'q'.repeat(64), now: () => clock.now });
    assert.deepEqual(foreign.verify(encodeSolution(s), 0), { ok: false, reason: 'signature' });
    assert.deepEqual(pow.verify(encodeSolution({ ...s, algorithm: 'SHA-1' }), 0), { ok: false, reason: 'algorithm' });
    assert.deepEqual(pow.verify(encodeSolution(s), 5001), { ok: false, reason: 'too_easy' });
    for (const junk of ['', 'not base64 !', b64('text'), b64({ ...s, number: -1 }), b64({ ...s, number: '5' }), 'x'.repeat(3000)]) {
      assert.deepEqual(pow.verify(junk, 0), { ok: false, reason: 'malformed' }, junk.slice(0, 20));
    }
    clock.now += 300;
    assert.deepEqual(pow.verify(encodeSolution(s), 0), { ok: false, reason: 'expired' });
  });

  test('the policy: off never, always at least the base, adaptive only with cause and doubling per failure up to the max', () => {
    const policy = { base: 1000, max: 8000 };
    const none = { failures: new Map(), now: 100_000 };
    const fails = (n: number, ago = 10) => ({ failures: new Map([['ip:1.2.3.4', { failures: n, lastFailureAt: 100_000 - ago }]]), now: 100_000 });
    assert.equal(powRequired({ ...policy, mode: 'off' }, fails(9)), 0);
    assert.equal(powRequired({ ...policy, mode: 'always' }, none), 1000);
    assert.equal(powRequired({ ...policy, mode: 'adaptive' }, none), 0);
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => powRequired({ ...policy, mode: 'adaptive' }, fails(n))), [1000, 2000, 4000, 8000, 8000]);
    assert.equal(powRequired({ ...policy, mode: 'adaptive' }, fails(3, 16 * 60)), 0, 'old failures ask nothing');
    assert.equal(powRequired({ ...policy, mode: 'adaptive' }, { ...none, rate: { remaining: 2, limit: 5 } }), 1000, 'a fast address');
    assert.equal(powRequired({ ...policy, mode: 'adaptive' }, { ...none, rate: { remaining: 3, limit: 5 } }), 0);
    assert.equal(powRequired({ ...policy, mode: 'adaptive' }, { ...none, suspiciousAgent: true }), 2000, 'a scripting tool\u2019s User-Agent');
  });
});

/** A scripted client: JSON with no help from the test helper (no automatic pow). */
const signIn = (a: AuthTestApp, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call(a, '/api/auth/login', { json: { username: 'ana', password: PASSWORD, ...body }, asPage: false, headers });

async function challenge(a: AuthTestApp, query = '', from?: string): Promise<Challenge> {
  const res = await call(a, `/api/auth/challenge${query}`, from === undefined ? {} : { headers: { 'X-Forwarded-For': from } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return (await res.json()) as Challenge;
}

describe('sign-in with BOT_POW=always, as a script would try it', () => {
  test('none: 428 pow_required; solved: 200; replayed, another challenge\u2019s, tampered, foreign or expired: 400 pow_invalid; each refusal audited', async (t) => {
    const a = await openApp(t, { bot: { botPow: 'always', botPowDifficulty: 3000 } });
    await addUser(a, 'ana');
    const before = await countRows(a, 'refresh_families');
    const required = await assertError(await signIn(a, {}), 428, 'pow_required');
    assert.equal(required.maxnumber, 3000);

    const first = await challenge(a);
    assert.equal(first.maxnumber, 3000);
    const s = solved(first);
    const ok = await signIn(a, { pow: encodeSolution(s) });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(await countRows(a, 'refresh_families'), before + 1);

    const reasons: Array<[string, string, Record<string, unknown>]> = [];
    const refused = async (label: string, pow: string, reason: string): Promise<void> => {
      const body = await assertError(await signIn(a, { pow }), 400, 'pow_invalid', label);
      reasons.push([label, reason, body]);
      assert.equal(body.reason, reason, label);
    };
    await refused('replayed', encodeSolution(s), 'reused');
    const second = solved(await challenge(a));
    const third = await challenge(a);
    await refused('another challenge\u2019s number', encodeSolution({ ...second, challenge: third.challenge, signature: third.signature }), 'mismatch');
    await refused('another challenge\u2019s salt', encodeSolution({ ...second, salt: third.salt }), 'mismatch');
    await refused('tampered maxnumber (in the salt)', encodeSolution({ ...second, salt: second.salt.replace(/max=\d+/, 'max=2') }), 'mismatch');
    await refused('tampered maxnumber (echoed)', b64({ ...second, maxnumber: 2 }), 'malformed');
    await refused('tampered signature', encodeSolution({ ...second, signature: 'f'.repeat(64) }), 'signature');
    const foreign = createPow({ secret: 'f'.repeat(64), now: () => a.clock.now });
    await refused('foreign key', encodeSolution(solved(foreign.issue(3000))), 'signature');
    // Too easy for what is asked: told to fetch a proper one (428), and recorded as a bad proof.
    const ours = createPow({ secret: 's'.repeat(64), now: () => a.clock.now });
    assert.equal((await assertError(await signIn(a, { pow: encodeSolution(solved(ours.issue(100))) }), 428, 'pow_required', 'too easy')).maxnumber, 3000);
    a.clock.now += 301;
    await refused('expired', encodeSolution(second), 'expired');
    assert.equal(await countRows(a, 'refresh_families'), before + 1, 'no refused attempt signed in');

    await a.bot.refusals.flush();
    const audit = await a.store.listAudit({ action: 'refused' });
    const details = audit.map((e) => e.detail).sort();
    assert.deepEqual(details, ['pow_invalid: expired', 'pow_invalid: malformed', 'pow_invalid: mismatch', 'pow_invalid: signature', 'pow_invalid: too_easy', 'pow_missing', 'pow_reused'].sort());
    assert.equal(audit.find((e) => e.detail === 'pow_invalid: mismatch')?.times, 3);
    assert.ok(audit.every((e) => e.actor === 'ana' && e.outcome === 'failure'));
    assert.equal((await a.store.topRefused('user', a.clock.now - 86_400, 5))[0]?.count, 10);
  });
});

describe('BOT_POW=adaptive (the default) and off', () => {
  test('adaptive: the first sign-in needs no work; after a failure it does, harder with each, for that address or username', async (t) => {
    const a = await openApp(t, { bot: { botPow: 'adaptive', botPowDifficulty: 1000, botPowMaxDifficulty: 4000 } });
    await addUser(a, 'ana');
    assert.equal((await signIn(a, {})).status, 200, 'a person with no failures is not asked');
    await assertError(await signIn(a, { password: 'wrong' }), 401, 'invalid_credentials');
    assert.equal((await assertError(await signIn(a, {}), 428, 'pow_required')).maxnumber, 1000);
    assert.equal((await challenge(a, '?username=ana')).maxnumber, 1000);
    // Another address, same username: asked too (the username has failed).
    await assertError(await signIn(a, {}, { 'X-Forwarded-For': '198.51.100.9' }), 428, 'pow_required');
    // Another failure (with work done) doubles it; an easier solution is too easy and asked again.
    const easy = solved(await challenge(a, '?username=ana'));
    await assertError(await signIn(a, { password: 'wrong', pow: encodeSolution(easy) }), 401, 'invalid_credentials');
    // A challenge fetched from an address with no failures is at the base difficulty: too easy now.
    const asked = await assertError(await signIn(a, { pow: encodeSolution(solved(await challenge(a, '', '203.0.113.50'))) }), 428, 'pow_required');
    assert.equal(asked.maxnumber, 2000);
    const hard = await challenge(a, '?username=ana');
    assert.equal(hard.maxnumber, 2000);
    assert.equal((await signIn(a, { pow: encodeSolution(solved(hard)) })).status, 200);
    // A scripting tool's User-Agent is asked even without failures (a weak signal: asked, not refused).
    await addUser(a, 'ben');
    await assertError(await signIn(a, { username: 'ben' }, { 'User-Agent': 'curl/8.5.0', 'X-Forwarded-For': '192.0.2.7' }), 428, 'pow_required');
    const forCurl = await call(a, '/api/auth/challenge?username=ben', { headers: { 'User-Agent': 'curl/8.5.0', 'X-Forwarded-For': '192.0.2.7' } });
    const c = (await forCurl.json()) as Challenge;
    assert.equal(c.maxnumber, 2000);
    assert.equal((await signIn(a, { username: 'ben', pow: encodeSolution(solved(c)) }, { 'User-Agent': 'curl/8.5.0', 'X-Forwarded-For': '192.0.2.7' })).status, 200);
  });

  test('off: never asked, and the challenge route still answers', async (t) => {
    const a = await openApp(t, { bot: { botPow: 'off' } });
    await addUser(a, 'ana');
    for (let i = 0; i < 3; i += 1) await assertError(await signIn(a, { password: 'wrong' }), 401, 'invalid_credentials');
    assert.equal((await signIn(a, {}, { 'User-Agent': 'curl/8' })).status, 200);
  });
});
