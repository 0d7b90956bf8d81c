/**
 * The sign-in form's refusals (a filled decoy, a hurried form, a forged token) go down a wrong
 * password's path (src/bot/signin.ts, auth/service.ts login's `caught`): the same answer, the
 * same lockout, and as late — they wait on a timer for the process's typical password check
 * (auth/password.ts typicalVerifyMs), give or take 15 %, instead of hashing, so their speed does
 * not tell a bot it was caught. A person's form and a wrong password do not wait (the hash is
 * the wrong password's wait).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jittered } from '../../src/auth/password.ts';
import { addUser, call, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

const MIN_MS = 1000;

const post = (a: AuthTestApp, form: Record<string, string>) => call(a, '/api/auth/login', { form, asPage: false });

/** A fresh form as the page renders it (the decoy's name changes with each). */
function form(a: AuthTestApp): { token: string; decoy: string } {
  const issued = a.bot.signIn.form();
  assert.ok(issued !== undefined, 'the honeypot is on');
  return { token: issued.token, decoy: issued.decoy };
}

const median = (values: readonly number[]): number => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

describe('the sign-in form\u2019s refusals wait as long as a wrong password', () => {
  test('jitter: 15 % either way', () => {
    assert.equal(jittered(200, () => 0), 170);
    assert.equal(jittered(200, () => 0.5), 200);
    assert.ok(Math.abs(jittered(200, () => 0.999_999) - 230) < 0.001);
  });

  test('a filled decoy, a hurried form, a forged token wait; a person\u2019s form and a wrong password do not', async (t) => {
    const a = await openApp(t, { bot: { botFormMinMs: MIN_MS, botPow: 'off' }, refusalWait: { wrongPasswordMs: () => 200 } });
    await addUser(a, 'ana');
    const refused = async (fields: Record<string, string>, what: string): Promise<void> => {
      const before = a.pauses.length;
      const res = await post(a, { username: 'ana', password: PASSWORD, ...fields });
      assert.equal(res.status, 303, what);
      assert.equal(res.headers.get('location'), '/login?error=invalid_credentials', what);
      assert.equal(a.pauses.length, before + 1, `${what}: one wait`);
      const ms = a.pauses.at(-1)!;
      assert.ok(ms >= 170 && ms <= 230, `${what}: waited ${ms} ms, within 15 % of 200`);
    };

    const filled = form(a);
    a.clock.now += 2;
    await refused({ form_token: filled.token, [filled.decoy]: 'https://spam.example' }, 'filled decoy');
    const hurried = form(a);
    a.clock.now += 0.5;
    await refused({ form_token: hurried.token, [hurried.decoy]: '' }, 'too fast');
    a.clock.now += 2;
    await refused({ form_token: `${hurried.token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}` }, 'forged token');

    const wrong = form(a);
    a.clock.now += 2;
    const res = await post(a, { username: 'ana', password: 'wrong password', form_token: wrong.token, [wrong.decoy]: '' });
    assert.equal(res.headers.get('location'), '/login?error=invalid_credentials');
    const person = form(a);
    a.clock.now += 2;
    const signedIn = await post(a, { username: 'ana', password: PASSWORD, form_token: person.token, [person.decoy]: '', next: '/' });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/');
    assert.equal(a.pauses.length, 3, 'neither the wrong password nor the person waited');

    await a.bot.refusals.flush();
    const audit = await a.store.listAudit({ action: 'refused' });
    assert.deepEqual(audit.map((e) => e.detail).sort(), ['form_token', 'honeypot', 'too_fast']);
  });

  test('under a lockout, a filled decoy meets the 429 a wrong password meets, not a 401 that would give it away', async (t) => {
    const a = await openApp(t, { bot: { botFormMinMs: MIN_MS, botPow: 'off' }, refusalWait: { wrongPasswordMs: () => 200 } });
    await addUser(a, 'ana');
    const attempt = async (fields: Record<string, string>): Promise<Response> => {
      const one = form(a);
      a.clock.now += 2;
      return post(a, { username: 'ana', form_token: one.token, [one.decoy]: '', ...fields });
    };
    // Wrong passwords until the lockout answers.
    let locked: Response | undefined;
    for (let i = 0; i < 20 && locked === undefined; i += 1) {
      const res = await attempt({ password: `wrong ${i}` });
      if (res.headers.get('location') === '/login?error=rate_limited') locked = res;
    }
    assert.ok(locked !== undefined, 'the lockout answered within 20 wrong passwords');
    const pausesBefore = a.pauses.length;
    const one = form(a);
    const decoy = await post(a, { username: 'ana', password: PASSWORD, form_token: one.token, [one.decoy]: 'https://spam.example' });
    assert.equal(decoy.headers.get('location'), '/login?error=rate_limited', 'the decoy meets the lockout too');
    assert.equal(a.pauses.length, pausesBefore, 'and answers at once, as a locked-out wrong password does');
  });

  test('the answer is not sent before the wait is over', async (t) => {
    let release: (() => void) | undefined;
    const a = await openApp(t, {
      bot: { botFormMinMs: MIN_MS, botPow: 'off' },
      refusalWait: { pause: () => new Promise<void>((resolve) => (release = resolve)), wrongPasswordMs: () => 200 },
    });
    await addUser(a, 'ana');
    const filled = form(a);
    a.clock.now += 2;
    let answered = false;
    const pending = post(a, { username: 'ana', password: PASSWORD, form_token: filled.token, [filled.decoy]: 'x' }).then((res) => {
      answered = true;
      return res;
    });
    while (release === undefined) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'still waiting');
    // Counted once the wait is over, as a wrong password is once its hash is done.
    assert.equal((await a.store.listAudit({ action: 'login', outcome: 'failure' })).length, 0);
    release();
    assert.equal((await pending).headers.get('location'), '/login?error=invalid_credentials');
    assert.equal((await a.store.listAudit({ action: 'login', outcome: 'failure' })).length, 1);
  });

  test('measured with the real timer: a filled decoy takes about as long as a wrong password', async (t) => {
    // Proof of work off (a failure would make the next attempt need work); the clock moves on
    // between attempts so that the lockout's backoff never answers 429 instead.
    const a = await openApp(t, { bot: { botFormMinMs: MIN_MS, botPow: 'off' }, refusalWait: { pause: 'real' } });
    await addUser(a, 'ana');
    const timed = async (fields: Record<string, string>): Promise<number> => {
      a.clock.now += 1000;
      const started = performance.now();
      const res = await post(a, { username: 'ana', ...fields });
      await res.arrayBuffer();
      const ms = performance.now() - started;
      assert.equal(res.headers.get('location'), '/login?error=invalid_credentials');
      return ms;
    };
    const wrong: number[] = [];
    const honeypot: number[] = [];
    // Interleaved, so that load from elsewhere on the machine falls on both alike.
    for (let i = 0; i < 7; i += 1) {
      const one = form(a);
      wrong.push(await timed({ password: 'wrong password', form_token: one.token, [one.decoy]: '' }));
      const two = form(a);
      honeypot.push(await timed({ password: PASSWORD, form_token: two.token, [two.decoy]: 'https://spam.example' }));
    }
    const w = median(wrong);
    const h = median(honeypot);
    t.diagnostic(`median of 7: wrong password ${w.toFixed(1)} ms, filled decoy ${h.toFixed(1)} ms (ratio ${(h / w).toFixed(2)})`);
    t.diagnostic(`wrong password: ${wrong.map((ms) => ms.toFixed(0)).join(' ')}; filled decoy: ${honeypot.map((ms) => ms.toFixed(0)).join(' ')}`);
    assert.ok(h >= 0.5 * w, `the decoy's refusal (${h.toFixed(1)} ms) is not much quicker than a wrong password (${w.toFixed(1)} ms)`);
    assert.ok(h <= 3 * w, `the decoy's refusal (${h.toFixed(1)} ms) is not far slower than a wrong password (${w.toFixed(1)} ms)`);
  });
});
