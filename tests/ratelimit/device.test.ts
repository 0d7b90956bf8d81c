/**
 * Device cookies (src/auth/device.ts): the per-username sign-in limit and lockout slow down a
 * guessing campaign spread over many addresses, but must not lock the real user out. A browser
 * that signed in as the user before is counted per device instead; a forged, foreign or
 * tampered device cookie is worth nothing; a stolen one gets only a few tries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuthTestApp } from '../helpers/auth-app.ts';
import { call } from '../helpers/auth-http.ts';
import { GOOD, cheapUser, limitedApp } from './limits-app.ts';

const WRONG = 'not the password at all';

function deviceOf(res: Response): string {
  const line = res.headers.getSetCookie().find((l) => l.startsWith('dash_device='));
  assert.ok(line, 'a device cookie is set on success');
  return line.split(';')[0]!;
}

function attempt(a: AuthTestApp, address: string, username: string, password: string, cookie?: string): Promise<Response> {
  return call(a, '/api/auth/login', { json: { username, password }, headers: { 'X-Forwarded-For': address }, ...(cookie === undefined ? {} : { cookie }) });
}

describe('device cookies', () => {
  test("a campaign from many addresses uses up alice's per-username limit; her own browser still signs in, strangers do not", async (t) => {
    const a = await limitedApp(t, { rateLimit: {} });
    await cheapUser(a, 'alice');
    const home = deviceOf(await attempt(a, '192.0.2.10', 'alice', GOOD));
    a.clock.now += 60; // a new minute: only the campaign counts from here
    for (let i = 1; i <= 5; i += 1) assert.equal((await attempt(a, `198.51.100.${i}`, 'alice', WRONG)).status, 401);
    const stranger = await attempt(a, '198.51.100.6', 'alice', GOOD);
    assert.equal(stranger.status, 429, 'even the right password is refused without the device cookie');
    assert.equal((await attempt(a, '203.0.113.7', 'alice', GOOD)).status, 429, 'alice on a new browser waits too');
    const own = await attempt(a, '192.0.2.10', 'alice', GOOD, home);
    assert.equal(own.status, 200, await own.clone().text());
    assert.equal(deviceOf(own), home, 'the same device cookie, renewed');
  });

  test('a device cookie of another user, a tampered one, two of them or garbage is not trusted', async (t) => {
    const a = await limitedApp(t, { rateLimit: {} });
    await cheapUser(a, 'alice');
    await cheapUser(a, 'bob');
    const bobs = deviceOf(await attempt(a, '192.0.2.20', 'bob', GOOD));
    const alices = deviceOf(await attempt(a, '192.0.2.23', 'alice', GOOD));
    a.clock.now += 60;
    for (let i = 1; i <= 5; i += 1) await attempt(a, `198.51.100.${i}`, 'alice', WRONG);
    const [name, value] = bobs.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const [label, cookie] of [
      ["bob's cookie for alice", bobs],
      ['tampered', tampered],
      // A valid one beside a planted one (cookie tossing): which to believe? Neither.
      ['doubled', `${alices}; ${bobs}`],
      ['garbage', 'dash_device=not.a.valid.cookie'],
    ] as const) {
      assert.equal((await attempt(a, '192.0.2.22', 'alice', GOOD, cookie)).status, 429, label);
    }
    assert.equal((await attempt(a, '192.0.2.23', 'alice', GOOD, alices)).status, 200, 'her own cookie alone still works');
  });

  test('lockout: 50 failures from 50 addresses hold strangers back, not the device holder; a stolen cookie gets five tries', async (t) => {
    const a = await limitedApp(t); // no request limits: the lockout alone
    await cheapUser(a, 'alice');
    const home = deviceOf(await attempt(a, '192.0.2.10', 'alice', GOOD));
    for (let i = 1; i <= 50; i += 1) assert.equal((await attempt(a, `198.51.100.${i}`, 'alice', WRONG)).status, 401, `failure ${i}`);
    const stranger = await attempt(a, '203.0.113.1', 'alice', GOOD);
    assert.equal(stranger.status, 429);
    assert.ok(Number(stranger.headers.get('Retry-After')) >= 1);
    assert.equal((await attempt(a, '192.0.2.10', 'alice', GOOD, home)).status, 200, 'the device holder is counted on her own');

    // The same cookie used by a thief from five addresses: the device's own count backs off.
    for (let i = 1; i <= 5; i += 1) assert.equal((await attempt(a, `203.0.113.${10 + i}`, 'alice', WRONG, home)).status, 401);
    assert.equal((await attempt(a, '203.0.113.20', 'alice', GOOD, home)).status, 429, 'five failures on one device: it waits');
  });
});
