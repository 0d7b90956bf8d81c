/**
 * Three app processes per app behind Apache + Passenger, in both cPanel layouts: at
 * /dashboard beside WordPress, and at the root of a name-based virtual host standing in for
 * the subdomain (Host: dashboard.localhost, no PassengerBaseURI). Everything goes through
 * Apache; which process answered is read from Passenger's `App <pid> output:` log lines.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Apache } from './apache.ts';
import { burstUntilEvery, pidsOf, send, type Reply, type Target } from './client.ts';
import { listProcesses } from './processes.ts';
import { account, appPids, until, cleanUp, extractRelease, install, startOnFreePort, stepper, type Site } from './site.ts';

const SECRET = randomBytes(32).toString('hex');
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const PROCESSES = 3;
/**
 * PassengerMinInstances keeps three processes per app (Passenger spawns them after the first
 * request). Node apps take any number of requests at once, so Passenger's least-busy routing
 * spreads simultaneous requests over the three; nothing else needs forcing.
 */
const THREE = [`PassengerMinInstances ${PROCESSES}`];
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

async function signIn(target: Target, from: string): Promise<{ cookie: string; csrf: string }> {
  const reply = await send(target, '/api/auth/login', {
    method: 'POST',
    from,
    headers: { ...SAME_ORIGIN, 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'boss', password: PASSWORD }),
  });
  assert.equal(reply.status, 200, `${target.label}: sign-in ${reply.body}`);
  return { cookie: reply.cookies.join('; '), csrf: (JSON.parse(reply.body) as { csrfToken: string }).csrfToken };
}

const ms = (from: number): number => Math.round(performance.now() - from);

test('three processes per app through Apache only, at /dashboard and on a subdomain of its own', { timeout: 300_000 }, async (t) => {
  const tmp = account(t);
  if (tmp === undefined) return;
  let apache: Apache | undefined;
  t.after(() => cleanUp(tmp, apache));

  const env = { SECRET_KEY: SECRET, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: PASSWORD, RATE_LIMIT_LOGIN: '5/minute', BOT_POW: 'off' };
  const subPath = install(tmp, { name: 'dashboard', env, passenger: THREE });
  // cPanel's usual subdomain docroot sits inside public_html, under WordPress's .htaccess too.
  const subdomain = install(tmp, { name: 'dashboard.localhost', baseUri: null, env, passenger: THREE });
  assert.ok(!subdomain.vhost.some((line) => line.startsWith('PassengerBaseURI')), 'no PassengerBaseURI at a host\'s root');
  for (const site of [subPath, subdomain]) writeFileSync(path.join(site.appRoot, '.env'), 'ORG_NAME=Release one\n', { mode: 0o644 });
  apache = await startOnFreePort(tmp, { sites: [subPath], hosts: { 'dashboard.localhost': subdomain }, maxPoolSize: 2 * PROCESSES });
  const running = apache;
  const step = stepper(t, apache);
  const layouts: Array<{ target: Target; site: Site }> = [
    { target: { label: '/dashboard', url: apache.url, base: '/dashboard' }, site: subPath },
    { target: { label: 'dashboard.localhost', url: apache.url, host: 'dashboard.localhost', base: '' }, site: subdomain },
  ];

  for (const { target, site } of layouts) {
    let pids: number[] = [];
    await step(`${target.label}: Passenger runs three processes of the app and spreads requests over all of them`, async () => {
      const began = performance.now();
      const first = await send(target, '/healthz');
      assert.equal(first.status, 200, first.body);
      pids = await until('three app processes', 60_000, () => {
        const now = appPids(site);
        return now.length === PROCESSES ? now : undefined;
      });
      // One of them creates the first admin from ADMIN_USERNAME (a scrypt hash) just after start-up.
      await until('the first admin', 10_000, () =>
        running.errorLog().split('\n').some((l) => pids.some((pid) => l.startsWith(`App ${pid} output: `)) && l.includes('created the first admin')) || undefined,
      );
      const replies = await burstUntilEvery(running, new Set(pids), () => send(target, '/healthz'));
      const seen = new Set(replies.map((r) => r.pid));
      assert.deepEqual([...seen].sort((a, b) => a - b), pids, `requests reached ${[...seen].join(', ')}`);
      assert.ok(replies.every((r) => r.status === 200));
      t.diagnostic(`${target.label}: 3 processes up ${ms(began)} ms after the first request; ${replies.length} requests reached pids ${[...seen].join(', ')}`);
    });

    await step(`${target.label}: sign in, sign out, and every process refuses the old access token`, async () => {
      const session = await signIn(target, '127.0.0.2');
      const me = () => send(target, '/api/me', { from: '127.0.0.2', headers: { Cookie: session.cookie } });
      const before = await burstUntilEvery(running, new Set(pids), me);
      assert.ok(before.every((r) => r.status === 200), 'the session works in every process');
      const out = await send(target, '/api/auth/logout', { method: 'POST', from: '127.0.0.2', headers: { ...SAME_ORIGIN, Cookie: session.cookie, 'X-CSRF-Token': session.csrf } });
      assert.equal(out.status, 204, out.body);
      const after = await burstUntilEvery(running, new Set(pids), me);
      for (const r of after) {
        assert.equal(r.status, 401, `pid ${r.pid} accepted a revoked token`);
        assert.match(r.body, /"error":"token_revoked"/);
      }
      assert.deepEqual([...new Set(after.map((r) => r.pid))].sort((a, b) => a - b), pids, 'refused by each of the three');
    });

    await step(`${target.label}: RATE_LIMIT_LOGIN 5/minute admits at most five sign-ins across the three processes`, async () => {
      // Fixed windows aligned to the minute: start the burst well inside one.
      const left = 60 - (Math.floor(Date.now() / 1000) % 60);
      if (left < 10) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200));
      const attempt = (i: number): Promise<Reply> =>
        send(target, '/api/auth/login', {
          method: 'POST',
          from: '127.0.0.3', // a client of its own: nothing else has counted against it
          headers: { ...SAME_ORIGIN, 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: `guess-${i}`, password: 'wrong password' }),
        });
      const replies = await Promise.all(Array.from({ length: 15 }, (_, i) => attempt(i)));
      const pids2 = await pidsOf(running, replies.map((r) => r.id));
      const admitted = replies.filter((r) => r.status !== 429);
      assert.ok(admitted.every((r) => r.status === 401), admitted.map((r) => r.status).join(' '));
      assert.equal(admitted.length, 5, `admitted ${admitted.length} of 15`);
      for (const r of replies.filter((x) => x.status === 429)) assert.match(String(r.headers['retry-after']), /^\d+$/);
      const over = new Set(replies.map((r) => pids2.get(r.id)));
      assert.ok(over.size >= 2, `the burst met ${over.size} process(es)`);
      t.diagnostic(`${target.label}: 15 simultaneous sign-ins over ${over.size} processes: ${admitted.length} admitted, ${replies.length - admitted.length} refused with 429`);
    });

    await step(`${target.label}: touch tmp/restart.txt brings up a newly extracted release within 20 s`, async () => {
      const session = await signIn(target, '127.0.0.4');
      const page = () => send(target, '/', { from: '127.0.0.4', headers: { Cookie: session.cookie } });
      const old = await page();
      assert.equal(old.status, 200);
      assert.ok(old.body.includes('Release one'));
      const oldPids = appPids(site);
      // An upgrade as the admin does it: extract the new release over the app root, then restart.
      extractRelease(site.appRoot);
      writeFileSync(path.join(site.appRoot, '.env'), 'ORG_NAME=Release two\n', { mode: 0o644 });
      mkdirSync(path.join(site.appRoot, 'tmp'), { recursive: true });
      const restart = path.join(site.appRoot, 'tmp', 'restart.txt');
      writeFileSync(restart, '');
      const touched = new Date();
      utimesSync(restart, touched, touched);
      // Passenger looks at restart.txt at most every 10 s (PassengerStatThrottleRate), then
      // spawns: 2-12 s here, so 20 s leaves room for a busy CI machine.
      const began = performance.now();
      let failed = 0;
      let sent = 0;
      const seenAt = await until('the new release', 20_000, async () => {
        const reply = await page();
        sent++;
        if (reply.status !== 200) failed++;
        return reply.body.includes('Release two') ? ms(began) : undefined;
      });
      const fresh = await until('three new processes', 30_000, () => {
        const now = appPids(site);
        return now.length === PROCESSES && now.every((pid) => !oldPids.includes(pid)) ? now : undefined;
      });
      const replies = await burstUntilEvery(running, new Set(fresh), page);
      assert.ok(replies.every((r) => r.status === 200 && r.body.includes('Release two')), 'every process serves the new release');
      assert.equal(failed, 0, `${failed} of ${sent} requests failed during the restart`);
      t.diagnostic(`${target.label}: new release served ${seenAt} ms after touching restart.txt (${sent} requests, ${failed} failed); three new processes ${ms(began)} ms after`);
    });
  }
});
