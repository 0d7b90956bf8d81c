/**
 * The honeypot and the signed render time on the sign-in form (src/bot/form-token.ts): a filled
 * decoy, a form sent faster than a person could type, and a forged or missing token all get
 * exactly the answer a wrong password gets (a bot learns nothing; as slow as one, too:
 * honeypot-wait.test.ts), and each is logged and audited with its reason; a person's form, sent
 * after the minimum, signs in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addUser, call, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

const MIN_MS = 1000;

/** The sign-in page's form as rendered: its token and the decoy's name. */
async function renderedForm(a: AuthTestApp): Promise<{ token: string; decoy: string }> {
  const html = await (await call(a, '/login')).text();
  const token = /name="form_token" value="([^"]+)"/.exec(html)?.[1];
  const decoy = /<input id="([^"]+)" name="\1" type="text" value="" tabindex="-1" autocomplete="off" data-decoy>/.exec(html)?.[1];
  assert.ok(token !== undefined && decoy !== undefined, 'the form carries a token and a decoy');
  assert.match(html, new RegExp(`<div class="vh" aria-hidden="true"><label for="${decoy}">`), 'the decoy is out of sight and hidden from assistive technology');
  return { token, decoy };
}

const post = (a: AuthTestApp, form: Record<string, string>) => call(a, '/api/auth/login', { form, asPage: false });
const postJson = (a: AuthTestApp, json: Record<string, string>) => call(a, '/api/auth/login', { json, asPage: false });

/** The parts of an answer a client can see, minus what differs per request. */
async function shape(res: Response): Promise<unknown> {
  const headers = [...res.headers].filter(([name]) => !/^(x-request-id|date)$/.test(name));
  return { status: res.status, headers, body: await res.text() };
}

describe('the sign-in form\u2019s honeypot and minimum time', () => {
  test('each render has its own decoy name; a person who waits signs in (form and script)', async (t) => {
    const a = await openApp(t, { bot: { botFormMinMs: MIN_MS } });
    await addUser(a, 'ana');
    const one = await renderedForm(a);
    const two = await renderedForm(a);
    assert.notEqual(one.decoy, two.decoy, 'the decoy\u2019s name changes');
    a.clock.now += 2;
    const res = await post(a, { username: 'ana', password: PASSWORD, form_token: one.token, [one.decoy]: '', next: '/' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    const json = await postJson(a, { username: 'ana', password: PASSWORD, form_token: two.token, [two.decoy]: '' });
    assert.equal(json.status, 200);
    await a.bot.refusals.flush();
    assert.equal((await a.store.listAudit({ action: 'refused' })).length, 0);
  });

  test('a filled decoy, a hurried form, a forged or missing token: the wrong password\u2019s exact answer, logged and audited', async (t) => {
    // Proof of work off: every answer below is compared with a wrong password's, and a wrong
    // password would make the next attempt need work (which is checked before the decoy).
    const a = await openApp(t, { bot: { botFormMinMs: MIN_MS, botPow: 'off' } });
    await addUser(a, 'ana');
    const form = await renderedForm(a);
    a.clock.now += 2;
    const wrongForm = await shape(await post(a, { username: 'ana', password: 'wrong', form_token: form.token, [form.decoy]: '' }));
    const wrongJson = await shape(await postJson(a, { username: 'ana', password: 'wrong', form_token: form.token, [form.decoy]: '' }));

    const filled = await shape(await post(a, { username: 'ana', password: PASSWORD, form_token: form.token, [form.decoy]: 'https://spam.example' }));
    assert.deepEqual(filled, wrongForm, 'filled decoy (form)');
    const filledJson = await shape(await postJson(a, { username: 'ana', password: PASSWORD, form_token: form.token, [form.decoy]: 'x' }));
    assert.deepEqual(filledJson, wrongJson, 'filled decoy (script)');
    const fresh = await renderedForm(a);
    a.clock.now += 0.5; // half a second: no person types a username and password that fast
    assert.deepEqual(await shape(await post(a, { username: 'ana', password: PASSWORD, form_token: fresh.token, [fresh.decoy]: '' })), wrongForm, 'too fast');
    const forged = `${fresh.token.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`;
    a.clock.now += 2;
    assert.deepEqual(await shape(await post(a, { username: 'ana', password: PASSWORD, form_token: forged })), wrongForm, 'forged token');
    // Six failures by now: past the lockout's wait, which a wrong password would meet here too.
    a.clock.now += 1000;
    assert.deepEqual(await shape(await post(a, { username: 'ana', password: PASSWORD })), wrongForm, 'no token');
    const old = await renderedForm(a);
    a.clock.now += 25 * 3600;
    assert.deepEqual(await shape(await post(a, { username: 'ana', password: PASSWORD, form_token: old.token })), wrongForm, 'a day-old form');

    await a.bot.refusals.flush();
    const audit = await a.store.listAudit({ action: 'refused' });
    const times: Record<string, number> = {};
    for (const e of audit) times[e.detail ?? ''] = (times[e.detail ?? ''] ?? 0) + e.times;
    assert.deepEqual(times, { honeypot: 2, too_fast: 1, form_token: 3 });
    assert.ok(audit.every((e) => e.actor === 'ana'));
    assert.equal(a.lines.filter((line) => / refused reason=(honeypot|too_fast|form_token)/.test(line)).length, 6, 'each one logged');
    // None of them was a sign-in; each counted as a failed one, as a wrong password is.
    assert.equal((await a.store.listAudit({ action: 'login', outcome: 'success' })).length, 0);
    assert.equal((await a.store.listAudit({ action: 'login', outcome: 'failure' })).filter((e) => e.detail?.startsWith('refused: ')).length, 6);
    assert.equal(a.pauses.length, 6, 'each one waited as a wrong password would have');
  });

  test('BOT_HONEYPOT=off: no token, no decoy, no check', async (t) => {
    const a = await openApp(t, { bot: { botHoneypot: false } });
    await addUser(a, 'ana');
    const html = await (await call(a, '/login')).text();
    assert.doesNotMatch(html, /form_token|data-decoy/);
    assert.equal((await post(a, { username: 'ana', password: PASSWORD })).status, 303);
  });
});
