/**
 * Admin control of the defences over HTTP (src/admin/defences.ts): the last day's top refused
 * addresses and accounts with their reasons, the accounts locked out now, lifting a lockout (the
 * person signs in at once), blocking and unblocking an address or range (IPv4 and IPv6), each
 * change audited; members cannot; an admin cannot block their own address.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { parseCidr } from '../../src/bot/cidr.ts';
import { addUser, assertError, call, openApp, PASSWORD } from '../helpers/auth-http.ts';
import type { AuthTestApp } from '../helpers/auth-app.ts';

const ADMIN_IP = '192.0.2.10';
const from = (ip: string) => ({ 'X-Forwarded-For': ip });

async function withAdmin(t: TestContext): Promise<{ a: AuthTestApp; cookie: string; csrf: string }> {
  const a = await openApp(t, { bot: { botPow: 'off' } });
  await addUser(a, 'root', { role: 'admin' });
  await addUser(a, 'ana');
  const { cookie, csrf } = await a.login('root', PASSWORD);
  // Lifting a lockout, blocking and unblocking need a fresh password (auth/step-up.ts); the
  // refusals without one are in tests/http/step-up.test.ts.
  assert.equal((await call(a, '/api/auth/step-up', { cookie, csrf, json: { password: PASSWORD }, headers: from(ADMIN_IP) })).status, 200);
  return { a, cookie, csrf };
}

describe('CIDR parsing', () => {
  test('IPv4 and IPv6 addresses and ranges, normalised; junk refused', () => {
    assert.equal(parseCidr('203.0.113.9/24')?.text, '203.0.113.0/24');
    assert.equal(parseCidr('203.0.113.9')?.text, '203.0.113.9/32');
    assert.equal(parseCidr('::ffff:203.0.113.9')?.text, '203.0.113.9/32');
    assert.equal(parseCidr('2001:DB8:0:0:1::1/32')?.text, '2001:db8::/32');
    assert.equal(parseCidr('2001:db8::1')?.text, '2001:db8::1/128');
    assert.equal(parseCidr('::/0')?.text, '::/0');
    for (const junk of ['', '1.2.3', '1.2.3.4/33', '2001:db8::/129', 'example.org', '1.2.3.4/x', '10.0.0.0/-1']) assert.equal(parseCidr(junk), undefined, junk);
  });
});

describe('admin: the defences', () => {
  test('refused over the last day, top addresses and accounts with reasons; locked out now; lift a lockout and she signs in at once', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    const wrong = (ip: string, username = 'ana') => call(a, '/api/auth/login', { json: { username, password: 'wrong' }, headers: from(ip) });
    for (let i = 0; i < 5; i += 1) await assertError(await wrong('198.51.100.7'), 401, 'invalid_credentials');
    // Refusals: a filled decoy from one address, three cross-site reads from another.
    const form = a.bot.signIn.form()!;
    await call(a, '/api/auth/login', { form: { username: 'ben', password: 'x', form_token: form.token, [form.decoy]: 'x' }, asPage: false, headers: from('203.0.113.5') });
    await call(a, '/api/auth/login', { form: { username: 'ben', password: 'x' }, asPage: false, headers: from('203.0.113.5') });
    for (let i = 0; i < 3; i += 1) {
      await call(a, '/api/dashboard/figures', { cookie, csrf, headers: { ...from(ADMIN_IP), 'Sec-Fetch-Site': 'cross-site' } });
    }
    const view = (await (await call(a, '/api/admin/defences', { cookie })).json()) as Record<string, any>; // any: JSON
    assert.deepEqual(
      view.refused.addresses.map((r: any) => [r.subject, r.count, r.reasons]), // any: JSON
      [
        [ADMIN_IP, 3, { cross_site: 3 }],
        ['203.0.113.5', 2, { honeypot: 1, form_token: 1 }],
      ],
    );
    assert.deepEqual(
      view.refused.accounts.map((r: any) => [r.subject, r.count]), // any: JSON
      [
        ['root', 3],
        ['ben', 2],
      ],
    );
    assert.deepEqual(view.lockedOut.map((l: any) => [l.username, l.address, l.failures]), [['ana', '198.51.100.7', 5]]); // any: JSON
    await assertError(await call(a, '/api/auth/login', { json: { username: 'ana', password: PASSWORD }, headers: from('198.51.100.7') }), 429, 'rate_limited');

    const lift = await call(a, '/api/admin/lockouts/lift', { cookie, csrf, json: { username: 'ANA' } });
    assert.equal(lift.status, 200);
    assert.ok(((await lift.json()) as { cleared: number }).cleared >= 2);
    const after = (await (await call(a, '/api/admin/defences', { cookie })).json()) as { lockedOut: unknown[] };
    assert.deepEqual(after.lockedOut, []);
    assert.equal((await call(a, '/api/auth/login', { json: { username: 'ana', password: PASSWORD }, headers: from('198.51.100.7') })).status, 200, 'signs in at once');
    const audit = await a.store.listAudit({ action: 'lift_lockout' });
    assert.deepEqual(audit.map((e) => [e.actor, e.target]), [['root', 'ANA']]);
    await assertError(await call(a, '/api/admin/lockouts/lift', { cookie, csrf, json: {} }), 400, 'bad_request');
  });

  test('block and unblock an address or range, IPv4 and IPv6: refused at once, audited; not one\u2019s own; members cannot', async (t) => {
    const { a, cookie, csrf } = await withAdmin(t);
    const admin = { cookie, csrf, headers: from(ADMIN_IP) };
    const block = (cidr: string, reason?: string) => call(a, '/api/admin/blocks', { ...admin, json: { cidr, ...(reason === undefined ? {} : { reason }) } });
    const v4 = await block('203.0.113.77/24', 'scraping');
    assert.equal(v4.status, 201);
    const made = ((await v4.json()) as { block: { id: number; cidr: string } }).block;
    assert.equal(made.cidr, '203.0.113.0/24');
    const v6 = await block('2001:db8:abcd::/48');
    assert.equal(v6.status, 201);
    await assertError(await block('203.0.113.0/24'), 409, 'conflict');
    await assertError(await block('not an address'), 400, 'bad_request');
    const own = await assertError(await block('192.0.2.0/24'), 400, 'bad_request');
    assert.match(String(own.message), /your own address/);

    for (const ip of ['203.0.113.1', '203.0.113.254', '2001:db8:abcd:12::5', '::ffff:203.0.113.9']) {
      const res = await call(a, '/login', { headers: from(ip) });
      assert.equal(res.status, 403, ip);
      const api = await assertError(await call(a, '/api/auth/challenge', { headers: from(ip) }), 403, 'forbidden', ip);
      assert.match(String(api.message), /blocked/);
    }
    for (const ip of ['203.0.114.1', '2001:db8:abce::1', ADMIN_IP]) assert.equal((await call(a, '/login', { headers: from(ip) })).status, 200, ip);
    // Health checks and assets are not blocked (monitoring must see the app).
    assert.equal((await call(a, '/healthz', { headers: from('203.0.113.1') })).status, 200);

    const listed = (await (await call(a, '/api/admin/defences', admin)).json()) as { blocks: Array<{ cidr: string; reason: string | null; createdBy: string }> };
    assert.deepEqual(listed.blocks.map((b) => [b.cidr, b.reason, b.createdBy]), [
      ['203.0.113.0/24', 'scraping', 'root'],
      ['2001:db8:abcd::/48', null, 'root'],
    ]);
    assert.equal((await call(a, `/api/admin/blocks/${made.id}`, { ...admin, method: 'DELETE' })).status, 204);
    assert.equal((await call(a, '/login', { headers: from('203.0.113.1') })).status, 200, 'unblocked at once');
    await assertError(await call(a, `/api/admin/blocks/${made.id}`, { ...admin, method: 'DELETE' }), 404, 'not_found');
    const audit = await a.store.listAudit({ actor: 'root' });
    assert.deepEqual(
      audit.filter((e) => e.action === 'block' || e.action === 'unblock').map((e) => [e.action, e.target]),
      [
        ['unblock', '203.0.113.0/24'],
        ['block', '2001:db8:abcd::/48'],
        ['block', '203.0.113.0/24'],
      ],
    );
    await a.bot.refusals.flush();
    assert.ok((await a.store.listAudit({ action: 'refused' })).some((e) => e.detail === 'blocked: 203.0.113.0/24'));

    const member = await a.login('ana', PASSWORD);
    await assertError(await call(a, '/api/admin/blocks', { cookie: member.cookie, csrf: member.csrf, json: { cidr: '198.51.100.0/24' } }), 403, 'forbidden');
    await assertError(await call(a, '/api/admin/defences', { cookie: member.cookie }), 403, 'forbidden');
  });
});
