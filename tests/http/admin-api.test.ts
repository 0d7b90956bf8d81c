/**
 * The admin API over HTTP: only admins get in (members 403, strangers 401, and the handler
 * never runs); accounts; CSV imports (line-numbered problems, all or nothing, re-import
 * replaces, body limit); the audit log with filters and cursor paging.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { addUser, assertError, call, countRows, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

async function withAdmin(t: TestContext): Promise<{ a: AuthTestApp; cookie: string; csrf: string; adminId: number }> {
  const a = await openApp(t);
  const adminId = await addUser(a, 'root', { role: 'admin', displayName: 'Root Admin' });
  const { cookie, csrf } = await a.login('root', PASSWORD);
  return { a, cookie, csrf, adminId };
}

const CSV = ['date,category,metric,value,note', '2026-03-01,서울 지점,revenue,100,', '2026-03-02,서울 지점,revenue,"1,5",', '2026-03-02,Online,revenue,20,"a note, with a comma"'].join('\n');
const GOOD = ['\ufeffdate;category;metric;value', '2026-03-01;서울 지점;revenue;100', '2026-03-02;서울 지점;revenue;150,5', '2026-03-02;Online;revenue;20'].join('\r\n');

const upload = (a: AuthTestApp, cookie: string, csrf: string | undefined, body: string, filename = 'march.csv', type = 'text/csv') =>
  call(a, `/api/admin/imports?filename=${encodeURIComponent(filename)}`, {
    method: 'POST',
    cookie,
    ...(csrf === undefined ? {} : { csrf }),
    headers: { 'Content-Type': type },
    body,
  });

describe('admin API access', () => {
  test('members get 403 forbidden and strangers 401 on every admin route; nothing is changed', async (t) => {
    const { a } = await withAdmin(t);
    await addUser(a, 'mina');
    const member = await a.login('mina', PASSWORD);
    for (const [method, route] of [
      ['GET', '/api/admin/users'],
      ['GET', '/api/admin/imports'],
      ['GET', '/api/admin/audit'],
      ['POST', '/api/admin/users'],
      ['PATCH', '/api/admin/users/1'],
      ['POST', '/api/admin/users/1/logout-all'],
      ['GET', '/api/admin/nothing-here'],
    ] as const) {
      await assertError(await call(a, route, { method, cookie: member.cookie, csrf: member.csrf, json: method === 'GET' ? undefined : {} }), 403, 'forbidden', `${method} ${route}`);
      await assertError(await call(a, route, { method }), 401, 'token_missing', `${method} ${route}`);
    }
    await assertError(await upload(a, member.cookie, member.csrf, GOOD), 403, 'forbidden');
    assert.equal(await a.figures.count(), 0);
  });
});

describe('admin users', () => {
  test('list, create (then sign in), duplicate 409, weak password 400, no CSRF 403', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    const created = await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'jun', displayName: 'Jun Park', email: 'jun@example.org', role: 'member', password: PASSWORD } });
    assert.equal(created.status, 201);
    const { user } = (await created.json()) as { user: Record<string, unknown> };
    assert.equal(user.username, 'jun');
    assert.equal(user.role, 'member');
    assert.equal('passwordHash' in user, false);
    await a.login('jun', PASSWORD);
    const list = (await (await call(a, '/api/admin/users', { cookie })).json()) as { users: Array<{ username: string }> };
    assert.deepEqual(list.users.map((u) => u.username).sort(), ['jun', 'root']);

    const dup = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'JUN', password: PASSWORD } }), 409, 'conflict');
    assert.equal(dup.field, 'username');
    const weak = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'bo', password: 'short' } }), 400, 'bad_request');
    assert.equal(weak.field, 'password');
    const badName = await assertError(await call(a, '/api/admin/users', { cookie, csrf, json: { username: 'a b', password: PASSWORD } }), 400, 'bad_request');
    assert.equal(badName.field, 'username');
    await assertError(await call(a, '/api/admin/users', { cookie, json: { username: 'eve', password: PASSWORD } }), 403, 'csrf_missing');
    assert.equal(await a.store.userByUsername('eve'), undefined);
    assert.equal(await countRows(a, 'audit_log', "action = 'user_create' AND actor = 'root' AND target = 'jun'"), 1);
  });

  test('role, disable (ends their sessions now), reset password, sign out everywhere; never oneself', async (t) => {
    const { a, cookie, csrf, adminId } = await withAdmin(t);
    const junId = await addUser(a, 'jun');
    let jun = await a.login('jun', PASSWORD);
    // These hand over or take away access: a fresh password confirmation first (tests/http/step-up.test.ts).
    assert.equal((await call(a, '/api/auth/step-up', { cookie, csrf, json: { password: PASSWORD } })).status, 200);

    const promoted = await call(a, `/api/admin/users/${junId}`, { method: 'PATCH', cookie, csrf, json: { role: 'admin', displayName: 'Jun P.' } });
    assert.equal(promoted.status, 200);
    assert.deepEqual(((await promoted.json()) as { user: { role: string; displayName: string } }).user.role, 'admin');

    const self = await assertError(await call(a, `/api/admin/users/${adminId}`, { method: 'PATCH', cookie, csrf, json: { role: 'member' } }), 400, 'bad_request');
    assert.equal(self.field, 'role');
    assert.equal((await assertError(await call(a, `/api/admin/users/${adminId}`, { method: 'PATCH', cookie, csrf, json: { disabled: true } }), 400, 'bad_request')).field, 'disabled');
    await assertError(await call(a, '/api/admin/users/999', { method: 'PATCH', cookie, csrf, json: { disabled: true } }), 404, 'not_found');
    await assertError(await call(a, `/api/admin/users/${junId}`, { method: 'PATCH', cookie, csrf, json: {} }), 400, 'bad_request');

    assert.equal((await call(a, `/api/admin/users/${junId}`, { method: 'PATCH', cookie, csrf, json: { disabled: true } })).status, 200);
    await assertError(await call(a, '/api/me', { cookie: jun.cookie }), 401, 'token_revoked');
    await call(a, `/api/admin/users/${junId}`, { method: 'PATCH', cookie, csrf, json: { disabled: false } });

    jun = await a.login('jun', PASSWORD);
    const NEW = 'a brand new passphrase';
    assert.equal((await call(a, `/api/admin/users/${junId}/password`, { cookie, csrf, json: { password: NEW } })).status, 204);
    await assertError(await call(a, '/api/me', { cookie: jun.cookie }), 401, 'token_revoked');
    await assert.rejects(a.login('jun', PASSWORD));
    jun = await a.login('jun', NEW);

    assert.equal((await call(a, `/api/admin/users/${junId}/logout-all`, { method: 'POST', cookie, csrf })).status, 204);
    await assertError(await call(a, '/api/me', { cookie: jun.cookie }), 401, 'token_revoked');
    assert.equal((await call(a, '/api/me', { cookie })).status, 200, 'the admin stays signed in');
    assert.equal(await countRows(a, 'audit_log', "actor = 'root' AND action IN ('user_update', 'user_password', 'logout_all')"), 5);
  });
});

describe('admin imports', () => {
  test('a CSV upload imports (BOM, semicolons, decimal comma), shows in the figures, the history and the audit log', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    const res = await upload(a, cookie, csrf, GOOD);
    assert.equal(res.status, 201);
    const { import: summary } = (await res.json()) as { import: Record<string, unknown> };
    assert.equal(summary.rows, 3);
    assert.equal(summary.replaced, 0);
    assert.equal(summary.filename, 'march.csv');
    assert.deepEqual([summary.from, summary.to, summary.actor], ['2026-03-01', '2026-03-02', 'root']);
    const view = (await (await call(a, '/api/dashboard/figures?from=2026-03-01&to=2026-03-02', { cookie, csrf })).json()) as { summary: { total: number }; options: { categories: string[] } };
    assert.equal(view.summary.total, 270.5);
    assert.deepEqual(view.options.categories, ['Online', '서울 지점']);
    const history = (await (await call(a, '/api/admin/imports', { cookie })).json()) as { imports: Array<{ rows: number }> };
    assert.equal(history.imports.length, 1);
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import' AND outcome = 'success' AND target = 'march.csv'"), 1);
  });

  test('a file with bad lines changes nothing and names every line; re-importing the same period replaces it', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    assert.equal((await upload(a, cookie, csrf, GOOD)).status, 201);
    const bad = [CSV, '2026-02-30,Online,revenue,5,', '2026-03-04,,revenue,5,', '2026-03-05,Online,revenue,lots,'].join('\n');
    const body = await assertError(await upload(a, cookie, csrf, bad, 'bad.csv'), 400, 'bad_request');
    assert.equal(body.field, 'file');
    assert.equal(body.problemCount, 4);
    assert.deepEqual((body.problems as Array<{ line: number }>).map((p) => p.line), [3, 5, 6, 7]);
    for (const problem of body.problems as Array<{ reason: string }>) assert.ok(problem.reason.length > 5, problem.reason);
    assert.equal(await a.figures.count(), 3, 'nothing changed');
    assert.equal(await countRows(a, 'audit_log', "action = 'data_import' AND outcome = 'failure'"), 1);

    const again = await upload(a, cookie, csrf, GOOD.replace('150,5', '151'));
    assert.equal(again.status, 201);
    assert.equal(((await again.json()) as { import: { replaced: number } }).import.replaced, 3);
    assert.equal(await a.figures.count(), 3, 'replaced, not doubled');
  });

  test('a form upload (no JavaScript) works; a wrong type is 400; a body over 20 MiB is 413 and changes nothing', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    const form = new FormData();
    form.set('file', new File([GOOD], 'form.csv', { type: 'text/csv' }));
    form.set('csrf_token', csrf);
    const res = await a.app.request('/api/admin/imports', { method: 'POST', body: form, headers: { Cookie: cookie, 'Sec-Fetch-Site': 'same-origin' } });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(((await res.json()) as { import: { filename: string } }).import.filename, 'form.csv');
    await assertError(await upload(a, cookie, csrf, '{}', 'x.json', 'application/json'), 400, 'bad_request');
    const huge = `${GOOD}\n${'2026-04-01,Online,revenue,1,'.padEnd(100, 'x')}\n`.repeat(Math.ceil((21 * 1024 * 1024) / 130));
    await assertError(await upload(a, cookie, csrf, huge, 'huge.csv'), 413, 'payload_too_large');
    assert.equal(await a.figures.count(), 3);
  });
});

describe('admin audit log', () => {
  test('newest first, filtered by action and outcome, paged with a cursor; a bad outcome is 400', async (t) => {
    const { a, cookie } = await withAdmin(t);
    for (let i = 0; i < 3; i += 1) await assert.rejects(a.login('root', 'wrong password!!'));
    const all = (await (await call(a, '/api/admin/audit?limit=2', { cookie })).json()) as { entries: Array<{ id: number; action: string }>; next: number | null };
    assert.equal(all.entries.length, 2);
    assert.ok(all.entries[0]!.id > all.entries[1]!.id);
    assert.equal(all.next, all.entries[1]!.id);
    const older = (await (await call(a, `/api/admin/audit?limit=2&before=${all.next}`, { cookie })).json()) as { entries: Array<{ id: number }> };
    assert.ok(older.entries.every((e) => e.id < all.next!));
    const failures = (await (await call(a, '/api/admin/audit?outcome=failure', { cookie })).json()) as { entries: Array<{ outcome: string; actorId?: unknown }>; next: null };
    assert.equal(failures.entries.length, 3);
    assert.ok(failures.entries.every((e) => e.outcome === 'failure' && !('actorId' in e)));
    assert.equal(failures.next, null);
    const body = await assertError(await call(a, '/api/admin/audit?outcome=maybe', { cookie }), 400, 'bad_request');
    assert.equal(body.field, 'outcome');
    assert.equal((await assertError(await call(a, '/api/admin/audit?limit=9999', { cookie }), 400, 'bad_request')).field, 'limit');
  });

  test('a sign-out names who signed out, and the actor filter finds it', async (t) => {
    const { a, cookie } = await withAdmin(t);
    await addUser(a, 'mina');
    const mina = await a.login('mina', PASSWORD);
    assert.equal((await call(a, '/api/auth/logout', { method: 'POST', cookie: mina.cookie, csrf: mina.csrf })).status, 204);
    type Entries = { entries: Array<{ action: string; actor: string | null }> };
    const logouts = (await (await call(a, '/api/admin/audit?action=logout', { cookie })).json()) as Entries;
    assert.deepEqual(logouts.entries.map((e) => e.actor), ['mina']);
    const byMina = (await (await call(a, '/api/admin/audit?actor=mina', { cookie })).json()) as Entries;
    assert.ok(byMina.entries.some((e) => e.action === 'logout'));
  });
});
