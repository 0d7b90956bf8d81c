/**
 * Step-up (src/auth/step-up.ts) over HTTP: the dangerous admin actions answer
 * `403 step_up_required` and change nothing until the admin re-enters their password at
 * POST /api/auth/step-up; the confirmation lasts five minutes, belongs to one sign-in (kept
 * through refresh, ended by sign-out, not shared with another sign-in), holds in every process,
 * and is counted by the sign-in limits and lockout. Other admin actions, and members, are
 * unaffected.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { cookieHeader, type AuthTestApp } from '../helpers/auth-app.ts';
import { addUser, assertError, assertForbidden, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';

interface Signed {
  readonly cookie: string;
  readonly csrf: string;
}

async function withAdmin(t: TestContext, options: Parameters<typeof openApp>[1] = {}): Promise<{ a: AuthTestApp; root: Signed; adminId: number }> {
  const a = await openApp(t, options);
  const adminId = await addUser(a, 'root', { role: 'admin' });
  return { a, root: await a.login('root', PASSWORD), adminId };
}

const stepUp = (a: AuthTestApp, who: Signed, password = PASSWORD, headers: Record<string, string | null> = {}) =>
  call(a, '/api/auth/step-up', { cookie: who.cookie, csrf: who.csrf, json: { password }, headers });

/** Each dangerous action, and how to tell it did (or did not) happen. */
function dangerous(a: AuthTestApp, root: Signed, junId: number) {
  const send = (path: string, method: string, json: unknown = {}) => call(a, path, { method, cookie: root.cookie, csrf: root.csrf, json });
  return [
    { name: 'create an admin', run: () => send('/api/admin/users', 'POST', { username: 'eve', role: 'admin', password: PASSWORD }), done: async () => (await a.store.userByUsername('eve')) !== undefined },
    { name: 'promote to admin', run: () => send(`/api/admin/users/${junId}`, 'PATCH', { role: 'admin' }), done: async () => (await a.store.userById(junId))?.role === 'admin' },
    { name: 'disable', run: () => send(`/api/admin/users/${junId}`, 'PATCH', { disabled: true }), done: async () => (await a.store.userById(junId))?.disabled === true },
    {
      name: 'reset a password',
      run: () => send(`/api/admin/users/${junId}/password`, 'POST', { password: 'a password chosen by someone else' }),
      done: async () => (await a.store.userById(junId))?.sessionVersion !== 1,
    },
    { name: 'sign someone out everywhere', run: () => send(`/api/admin/users/${junId}/logout-all`, 'POST'), done: async () => (await a.store.userById(junId))?.sessionVersion !== 1 },
  ];
}

describe('step-up: the dangerous admin actions', () => {
  test('without a fresh confirmation each answers 403 step_up_required and changes nothing', async (t) => {
    const { a, root } = await withAdmin(t);
    const junId = await addUser(a, 'jun');
    const jun = await a.login('jun', PASSWORD);
    for (const action of dangerous(a, root, junId)) {
      const body = await assertError(await action.run(), 403, 'step_up_required', action.name);
      assert.match(String(body.message), /confirm your password/, action.name);
      assert.equal(await action.done(), false, `${action.name}: the handler did not run`);
    }
    assert.equal((await call(a, '/api/me', { cookie: jun.cookie })).status, 200, 'jun is still signed in');
    await a.login('jun', PASSWORD); // the password is unchanged
    assert.equal(await countRows(a, 'audit_log', "action IN ('user_create', 'user_update', 'user_password', 'logout_all')"), 0);
    // Forbidden, not a sign-in problem: no challenge that would send the page to the sign-in form.
    await assertForbidden(await call(a, `/api/admin/users/${junId}/logout-all`, { method: 'POST', cookie: root.cookie, csrf: root.csrf }), 'step_up_required');
  });

  test('after POST /api/auth/step-up with the password each succeeds, for five minutes', async (t) => {
    const { a, root } = await withAdmin(t);
    const junId = await addUser(a, 'jun');
    const res = await stepUp(a, root);
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getSetCookie(), [], 'no new token: the confirmation lives on the sign-in, server-side');
    assert.equal(((await res.json()) as { stepUpExpiresAt: string }).stepUpExpiresAt, new Date((a.clock.now + 300) * 1000).toISOString());
    assert.equal(await countRows(a, 'audit_log', "action = 'step_up' AND outcome = 'success' AND actor = 'root'"), 1);
    const actions = dangerous(a, root, junId);
    for (const action of actions.slice(0, 3)) {
      const done = await action.run();
      assert.ok(done.status === 200 || done.status === 201, `${action.name}: ${done.status} ${await done.text()}`);
      assert.equal(await action.done(), true, action.name);
    }
    a.clock.now += 299;
    assert.equal((await actions[3]!.run()).status, 204, 'still fresh at 299 s');
    a.clock.now += 2;
    await assertError(await actions[4]!.run(), 403, 'step_up_required', 'expired after 300 s');
    assert.equal(await countRows(a, 'audit_log', "action = 'logout_all'"), 0);
  });

  test('other admin actions, and members, are never asked', async (t) => {
    const { a, root, adminId } = await withAdmin(t);
    const created = await call(a, '/api/admin/users', { cookie: root.cookie, csrf: root.csrf, json: { username: 'mina', role: 'member', password: PASSWORD } });
    assert.equal(created.status, 201, 'creating a member');
    const minaId = ((await created.json()) as { user: { id: number } }).user.id;
    const renamed = await call(a, `/api/admin/users/${minaId}`, { method: 'PATCH', cookie: root.cookie, csrf: root.csrf, json: { displayName: 'Mina K.', disabled: false } });
    assert.equal(renamed.status, 200, 'a name change (and a disabled flag that changes nothing)');
    assert.equal((await a.store.userById(minaId))?.displayName, 'Mina K.');
    const upload = await call(a, '/api/admin/imports?filename=a.csv', { method: 'POST', cookie: root.cookie, csrf: root.csrf, headers: { 'Content-Type': 'text/csv' }, body: 'date,category,metric,value\n2026-03-01,A,revenue,1\n' });
    assert.equal(upload.status, 201, 'an import');
    const mina = await a.login('mina', PASSWORD);
    assert.equal((await call(a, '/api/auth/logout-all', { method: 'POST', cookie: mina.cookie, csrf: mina.csrf })).status, 204, 'a member signs out everywhere');
    assert.equal((await a.store.userById(minaId))?.sessionVersion, 2);
    assert.equal((await call(a, `/api/admin/users/${adminId}/logout-all`, { method: 'POST', cookie: root.cookie, csrf: root.csrf })).status, 204, 'an admin, their own sessions');
    assert.equal((await a.store.userById(adminId))?.sessionVersion, 2);
  });
});

describe('step-up: the defences that hand over or take away access', () => {
  test('lifting a lockout, blocking and unblocking answer 403 step_up_required and change nothing until the password is confirmed', async (t) => {
    const { a, root } = await withAdmin(t);
    await addUser(a, 'ana');
    const admin = { cookie: root.cookie, csrf: root.csrf, headers: { 'X-Forwarded-For': '192.0.2.10' } };
    const made = await a.store.addBlock({ cidr: '203.0.113.0/24', reason: null, createdBy: 'root' }, { action: 'block', outcome: 'success', actor: 'root' });
    const blockId = made!.id;
    const changes = () => countRows(a, 'audit_log', "action IN ('lift_lockout', 'block', 'unblock')");
    const before = await changes();
    for (let i = 0; i < 5; i += 1) await call(a, '/api/auth/login', { json: { username: 'ana', password: 'wrong' }, headers: { 'X-Forwarded-For': '198.51.100.7' } });
    const lockedOut = async () => ((await (await call(a, '/api/admin/defences', admin)).json()) as { lockedOut: unknown[] }).lockedOut.length;
    assert.ok((await lockedOut()) > 0, 'ana is locked out');

    const lift = () => call(a, '/api/admin/lockouts/lift', { ...admin, json: { username: 'ana' } });
    const block = () => call(a, '/api/admin/blocks', { ...admin, json: { cidr: '198.51.100.0/24' } });
    const unblock = () => call(a, `/api/admin/blocks/${blockId}`, { ...admin, method: 'DELETE' });
    for (const [name, run] of [['lift a lockout', lift], ['block', block], ['unblock', unblock]] as const) await assertForbidden(await run(), 'step_up_required', name);
    assert.ok((await lockedOut()) > 0, 'still locked out');
    assert.deepEqual((await a.store.blocks()).map((b) => b.cidr), ['203.0.113.0/24'], 'nothing blocked or unblocked');
    assert.equal(await changes(), before, 'nothing audited as done');
    // Input errors come first: no password asked for a request that would fail anyway.
    await assertError(await call(a, '/api/admin/blocks', { ...admin, json: { cidr: 'not an address' } }), 400, 'bad_request');

    assert.equal((await stepUp(a, root, PASSWORD, admin.headers)).status, 200);
    assert.equal((await lift()).status, 200);
    assert.equal((await block()).status, 201);
    assert.equal((await unblock()).status, 204);
    assert.equal(await lockedOut(), 0);
    assert.deepEqual((await a.store.blocks()).map((b) => b.cidr), ['198.51.100.0/24']);
  });
});

describe('POST /api/auth/step-up', () => {
  test('a wrong password is 401 invalid_credentials, audited, and confirms nothing', async (t) => {
    const { a, root } = await withAdmin(t);
    const junId = await addUser(a, 'jun');
    const wrong = await stepUp(a, root, 'not the password');
    const body = await assertError(wrong, 401, 'invalid_credentials');
    assert.equal(body.message, 'That password is not right.');
    assert.equal(await countRows(a, 'audit_log', "action = 'step_up' AND outcome = 'failure' AND actor = 'root'"), 1);
    await assertError(await dangerous(a, root, junId)[1]!.run(), 403, 'step_up_required');
    assert.equal((await a.store.userById(junId))?.role, 'member');
    await assertError(await call(a, '/api/auth/step-up', { cookie: root.cookie, csrf: root.csrf, json: {} }), 400, 'bad_request', 'no password');
  });

  test('needs a session, the CSRF token and a same-origin request; refused ones record nothing', async (t) => {
    const { a, root } = await withAdmin(t);
    await assertError(await call(a, '/api/auth/step-up', { json: { password: PASSWORD } }), 401, 'token_missing');
    await assertForbidden(await call(a, '/api/auth/step-up', { cookie: root.cookie, json: { password: PASSWORD } }), 'csrf_missing');
    await assertForbidden(await stepUp(a, root, PASSWORD, { 'Sec-Fetch-Site': 'cross-site' }), 'csrf_mismatch');
    await assertForbidden(await stepUp(a, root, PASSWORD, { 'Sec-Fetch-Site': null, Origin: 'https://evil.example', Host: 'localhost' }), 'csrf_mismatch');
    assert.equal(await countRows(a, 'refresh_families', 'step_up_until IS NOT NULL'), 0);
    assert.equal(await countRows(a, 'audit_log', "action = 'step_up'"), 0);
  });

  test('bound to the sign-in: kept through a refresh, not shared with another sign-in, ended by sign-out', async (t) => {
    const { a, root } = await withAdmin(t);
    const junId = await addUser(a, 'jun');
    const other = await a.login('root', PASSWORD);
    assert.equal((await stepUp(a, root)).status, 200);
    await assertError(await dangerous(a, other, junId)[1]!.run(), 403, 'step_up_required', 'another sign-in of the same admin');

    a.clock.now += 60;
    const refreshed = await call(a, '/api/auth/refresh', { method: 'POST', cookie: root.cookie, csrf: root.csrf });
    assert.equal(refreshed.status, 200);
    const renewed = { cookie: cookieHeader(refreshed.headers.getSetCookie()), csrf: root.csrf };
    assert.equal((await dangerous(a, renewed, junId)[1]!.run()).status, 200, 'the renewed session keeps it');

    assert.equal((await call(a, '/api/auth/logout', { method: 'POST', cookie: renewed.cookie, csrf: renewed.csrf })).status, 204);
    assert.equal(await countRows(a, 'refresh_families', 'step_up_until IS NOT NULL'), 0, 'sign-out ends it');
    const again = await a.login('root', PASSWORD);
    await assertError(await dangerous(a, again, junId)[2]!.run(), 403, 'step_up_required', 'a new sign-in starts unconfirmed');
    assert.equal((await a.store.userById(junId))?.disabled, false);
  });

  test('holds in every process: confirmed in one, honoured by another on the same DATA_DIR', async (t) => {
    const { a, root } = await withAdmin(t);
    const b = await openApp(t, { dataDir: a.dataDir });
    b.clock.now = a.clock.now;
    const junId = await addUser(a, 'jun');
    assert.equal((await stepUp(a, root)).status, 200);
    const promoted = await call(b, `/api/admin/users/${junId}`, { method: 'PATCH', cookie: root.cookie, csrf: root.csrf, json: { role: 'admin' } });
    assert.equal(promoted.status, 200);
    assert.equal((await a.store.userById(junId))?.role, 'admin');
  });

  test('counted by the lockout: after five wrong passwords even the right one waits, and so does sign-in', async (t) => {
    const { a, root } = await withAdmin(t);
    for (let i = 0; i < 5; i += 1) await assertError(await stepUp(a, root, `guess ${i}`), 401, 'invalid_credentials', `guess ${i}`);
    const locked = await stepUp(a, root);
    await assertError(locked, 429, 'rate_limited');
    assert.equal(locked.headers.get('retry-after'), '1');
    assert.equal(await countRows(a, 'refresh_families', 'step_up_until IS NOT NULL'), 0);
    const login = await call(a, '/api/auth/login', { json: { username: 'root', password: PASSWORD } });
    await assertError(login, 429, 'rate_limited', 'the same lockout as sign-in');
    a.clock.now += 2;
    assert.equal((await stepUp(a, root)).status, 200, 'the wait over, the right password confirms');
  });

  test('counted by the sign-in limits (RATE_LIMIT_LOGIN per address and per user)', async (t) => {
    const { a, root } = await withAdmin(t, { rateLimit: { login: '3/minute' } });
    for (let i = 0; i < 2; i += 1) assert.equal((await stepUp(a, root)).status, 200, `step-up ${i}`); // the sign-in was the first
    const limited = await stepUp(a, root);
    await assertError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.match(limited.headers.get('ratelimit-policy') ?? '', /"login"/);
  });

  test('a WordPress-linked admin (no dashboard password) is told to confirm through WordPress (tests/http/wordpress-step-up.test.ts)', async (t) => {
    const a = await openApp(t);
    const user = await a.store.createUser({ username: 'wp-admin', role: 'admin', passwordHash: null, displayName: 'WP' });
    await a.store.startSession({ id: 'fam-wp', userId: user.id, csrf: 'csrf-wp', jti: 'r-wp', expiresAt: a.clock.now + 3600 }, { userId: user.id });
    const access = await a.tokens.sign({ sub: String(user.id), csrf: 'csrf-wp', sv: 1, fam: 'fam-wp', type: 'access', jti: 'a-wp' });
    const wp = { cookie: `dash_access=${access.token}`, csrf: 'csrf-wp' };
    assert.equal((await call(a, '/api/me', { cookie: wp.cookie })).status, 200, 'positive control: the forged session is valid');
    const body = await assertError(await stepUp(a, wp, 'anything at all'), 403, 'forbidden');
    assert.equal(body.method, 'wordpress');
    const asked = await assertError(await call(a, '/api/admin/users', { cookie: wp.cookie, csrf: wp.csrf, json: { username: 'eve', role: 'admin', password: PASSWORD } }), 403, 'step_up_required');
    assert.equal(asked.method, 'wordpress', 'the page offers WordPress, not a password box');
    assert.equal(await countRows(a, 'refresh_families', 'step_up_until IS NOT NULL'), 0);
  });
});
