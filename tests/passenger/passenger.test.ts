/**
 * The release under real Apache + mod_passenger, set up the way an admin does on cPanel: the app
 * root (app.js, package.json, dist/ and nothing else) outside the docroot, the project's
 * .htaccess template in public_html/dashboard/, and WordPress's standard .htaccess in
 * public_html (tests/passenger/site.ts lays the account out).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Apache } from './apache.ts';
import { listProcesses, systemIds } from './processes.ts';
import { account, APP_GROUP, APP_USER, cleanUp, escape, install, logLine, startOnFreePort, stepper, WORDPRESS_MARKER } from './site.ts';

const SECRET = randomBytes(32).toString('hex');
const CANARY = `canary-${randomBytes(8).toString('hex')}`;
const BAD_TTL = 'bogus-ttl-value';
const ADMIN_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
/** The template's fix for WordPress's rules; the `nofix` site shows what happens without it. */
const REWRITE_OFF = /^\s*RewriteEngine Off\n/m;

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

test('the release under Apache + Passenger at /dashboard, beside WordPress, configured by the .htaccess template', { timeout: 90_000 }, async (t) => {
  const tmp = account(t);
  if (tmp === undefined) return;
  const began = performance.now();
  let apache: Apache | undefined;
  t.after(() => cleanUp(tmp, apache));

  const dashboard = install(tmp, { name: 'dashboard', env: { SECRET_KEY: SECRET, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: ADMIN_PASSWORD, ORG_NAME: '한국 회원 협회' } });
  const badconf = install(tmp, { name: 'badconf', env: { SECRET_KEY: SECRET, ACCESS_TOKEN_TTL: BAD_TTL } });
  const unfilled = install(tmp, { name: 'unfilled', env: { SECRET_KEY: SECRET }, unfilled: ['__DATA_DIR__'] });
  const nofix = install(tmp, {
    name: 'nofix',
    env: { SECRET_KEY: SECRET },
    edit: (template) => {
      assert.match(template, REWRITE_OFF, 'the template switches rewriting off');
      return template.replace(REWRITE_OFF, '');
    },
  });
  assert.equal(existsSync(path.join(dashboard.appRoot, 'node_modules')), false);
  assert.deepEqual(
    dashboard.vhost.map((line) => line.split(' ')[0]),
    ['PassengerAppRoot', 'PassengerBaseURI', 'PassengerNodejs', 'PassengerAppType', 'PassengerStartupFile'],
  );
  apache = await startOnFreePort(tmp, { sites: [dashboard, badconf, unfilled, nofix] });
  const started = performance.now();
  const { url } = apache;
  const running = apache;
  const step = stepper(t, apache);

  await step('WordPress is at the docroot: a path of its own goes to its index.php', async () => {
    const page = await get(`${url}/2026/05/hello-world/`);
    assert.equal(page.status, 200);
    assert.ok(page.body.includes(WORDPRESS_MARKER));
  });

  await step('without the template\'s RewriteEngine Off, WordPress swallows every sub-path but the folder itself', async () => {
    const folder = await get(`${url}/nofix/`);
    assert.equal(folder.status, 302, 'the folder itself (a real directory) still reaches the app');
    assert.ok(folder.headers.get('x-request-id'));
    for (const p of ['/nofix/login', '/nofix/healthz', '/nofix/api/me']) {
      const reply = await get(`${url}${p}`);
      assert.ok(reply.body.includes(WORDPRESS_MARKER), `${p} is WordPress's, not the app's (${reply.status})`);
      assert.equal(reply.headers.get('x-request-id'), null, p);
    }
  });

  await step('with it, /dashboard/login, /healthz and /api/... reach the app, not WordPress', async () => {
    const login = await get(`${url}/dashboard/login`);
    assert.equal(login.status, 200);
    assert.match(login.body, /action="\/dashboard\/api\/auth\/login"/);
    const me = await get(`${url}/dashboard/api/me`);
    assert.equal(me.status, 401);
    assert.match(me.body, /"error":"token_missing"/);
    for (const reply of [login, me, await get(`${url}/dashboard/healthz`), await get(`${url}/dashboard/no/such/page`)]) {
      assert.ok(reply.headers.get('x-request-id'));
      assert.ok(!reply.body.includes(WORDPRESS_MARKER));
    }
  });

  await step('GET /dashboard/healthz reaches the app through Apache and Passenger', async () => {
    const health = await get(`${url}/dashboard/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body, '{"status":"ok"}');
    assert.ok(health.headers.get('x-request-id'));
  });

  await step('/dashboard and /dashboard/ both reach the app (not a directory redirect): signed out, it sends you to sign in', async () => {
    for (const p of ['/dashboard', '/dashboard/']) {
      const page = await get(`${url}${p}`);
      assert.equal(page.status, 302, p);
      assert.equal(page.headers.get('location'), '/dashboard/login?next=%2Fdashboard%2F', p);
      assert.ok(page.headers.get('x-request-id'), p);
    }
    const login = await get(`${url}/dashboard/login`);
    assert.equal(login.status, 200);
    assert.ok(login.body.includes('Members\u2019 dashboard'));
    assert.match(login.body, /action="\/dashboard\/api\/auth\/login"/);
  });

  await step('hashed assets are cached for a year, with a strong ETag and 304 revalidation', async () => {
    const manifest = JSON.parse(readFileSync(path.join(dashboard.appRoot, 'dist/public/manifest.json'), 'utf8')) as Record<string, string>;
    const css = manifest['app.css'];
    assert.ok(css, 'the manifest names app.css');
    const asset = await get(`${url}/dashboard/assets/${css}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const etag = asset.headers.get('etag');
    assert.match(etag ?? '', /^"[^"]+"$/, 'a strong ETag');
    const again = await get(`${url}/dashboard/assets/${css}`, { 'If-None-Match': etag ?? '' });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
  });

  // NODE_ENV alone would prove little: Passenger sets it to PassengerAppEnv ("production" by
  // default) anyway. SECRET_KEY (production refuses to start without it) and DATA_DIR only come
  // from the .htaccess SetEnv lines, and the base path from Passenger's PASSENGER_BASE_URI.
  // PassengerNodejs is the node running the tests: .ci/run runs these on Node 22 and 24 too.
  await step('SetEnv reached the app: production headers, DATA_DIR, base and Node version in the start-up line', async () => {
    const health = await get(`${url}/dashboard/healthz`);
    assert.match(health.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    const line = await logLine(running, / INFO listening port=passenger .*base=\/dashboard /);
    assert.match(line, new RegExp(` env=production base=/dashboard data=${escape(dashboard.dataDir)} node=${escape(process.version)}$`));
  });

  await step('an admin signs in, imports a CSV with a Korean category, sees it, and downloads the PDF report', async () => {
    const send = (route: string, init: RequestInit & { headers?: Record<string, string> }) =>
      fetch(`${url}/dashboard${route}`, { ...init, redirect: 'manual', signal: AbortSignal.timeout(30_000), headers: { 'Sec-Fetch-Site': 'same-origin', ...init.headers } });
    // The first admin is created just after start-up (a scrypt hash): wait for it.
    await logLine(running, /created the first admin|created the user "boss"/i, 10_000);
    const login = await send('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'boss', password: ADMIN_PASSWORD }) });
    assert.equal(login.status, 200, await login.clone().text());
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const auth = { Cookie: cookie, 'X-CSRF-Token': csrfToken };
    const csv = 'date,category,metric,value\n2026-05-01,서울 지점,revenue,1200\n2026-05-02,서울 지점,revenue,1300\n';
    const imported = await send('/api/admin/imports?filename=may.csv', { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv });
    assert.equal(imported.status, 201, await imported.clone().text());
    const figures = await send('/api/dashboard/figures?from=2026-05-01&to=2026-05-02', { headers: auth });
    const view = (await figures.json()) as { summary: { total: number }; breakdown: Array<{ category: string }> };
    assert.equal(view.summary.total, 2500);
    assert.equal(view.breakdown[0]?.category, '서울 지점');
    // The report bundle (dist/report-worker.cjs) and the font (dist/fonts) are found from the release.
    const pdf = await send('/api/reports/pdf', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ from: '2026-05-01', to: '2026-05-02' }) });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(pdf.headers.get('content-disposition') ?? '', /^attachment; filename="[a-z-]+_all_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.pdf"; filename\*=UTF-8''/, 'named after the filters');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    assert.ok(bytes.length > 5_000 && bytes.length < 500_000, `${bytes.length} bytes`);
  });

  await step(`the app runs as ${APP_USER}, never as root`, async () => {
    // Passenger names the process "Passenger NodeApp: <app root>" (cut short) and starts it there.
    const apps = listProcesses().filter((p) => p.cwd === dashboard.appRoot && p.state !== 'Z');
    assert.ok(apps.length > 0, 'a process running in the app root');
    assert.ok(apps.every((p) => p.command.startsWith('Passenger NodeApp: ')), JSON.stringify(apps));
    const { uid } = systemIds(APP_USER, APP_GROUP);
    for (const p of apps) assert.equal(p.uid, uid, `pid ${p.pid} runs as uid ${p.uid}`);
  });

  await step('dotfiles in the public folder are refused (the .htaccess holds a secret here)', async () => {
    for (const p of ['/dashboard/.htaccess', '/dashboard/.env', '/dashboard/.git/config']) {
      const reply = await get(`${url}${p}`);
      assert.equal(reply.status, 403, p);
      assert.ok(!reply.body.includes(SECRET), p);
    }
  });

  await step('a bad configuration answers 503 everywhere with a page naming the variable, not its value', async () => {
    for (const p of ['/badconf/healthz', '/badconf/anything', '/badconf/']) {
      const reply = await get(`${url}${p}`);
      assert.equal(reply.status, 503, p);
      assert.match(reply.body, /The dashboard is not configured correctly/, p);
      assert.match(reply.body, /ACCESS_TOKEN_TTL/, p);
      assert.ok(!reply.body.includes(BAD_TTL), `${p} shows the bad value`);
      assert.doesNotMatch(reply.body, /Phusion|Passenger|could not be started/i, `${p} is Passenger's generic error page`);
    }
    await logLine(running, / ERROR configuration: ACCESS_TOKEN_TTL /);
  });

  await step('an unfilled __DATA_DIR__ answers 503 naming DATA_DIR and what to put there; no such folder is made', async () => {
    const reply = await get(`${url}/unfilled/login`);
    assert.equal(reply.status, 503);
    assert.match(reply.body, /<code>DATA_DIR<\/code> \u2014 what to put there: an absolute folder outside public_html and outside the app folder, e\.g\. \/home\/USER\/dashboard-data/);
    assert.ok(!reply.body.includes('__DATA_DIR__'), 'the value is not shown');
    await logLine(running, / ERROR configuration: DATA_DIR still holds the placeholder __DATA_DIR__ /);
    const named = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.name === '__DATA_DIR__' ? [path.join(dir, e.name)] : e.isDirectory() ? named(path.join(dir, e.name)) : []));
    assert.deepEqual(named(tmp), [], 'a folder named __DATA_DIR__');
    assert.equal(existsSync('/__DATA_DIR__'), false);
  });

  await step('request headers and cookies never reach the log; the access line does', async () => {
    const reply = await get(`${url}/dashboard/healthz`, { 'X-Canary': CANARY, Cookie: `canary=${CANARY}-cookie` });
    assert.equal(reply.status, 200);
    const id = reply.headers.get('x-request-id') ?? '';
    assert.ok(id);
    const line = await logLine(running, new RegExp(`id=${escape(id)}(\\s|$)`));
    assert.match(line, /INFO GET \/dashboard\/healthz 200 /);
    const log = running.errorLog();
    assert.ok(!log.includes(CANARY), 'the canary header or cookie was logged');
    assert.ok(!log.includes(SECRET), 'SECRET_KEY was logged');
    assert.doesNotMatch(log, /!~passenger/i, "Passenger's internal headers were logged");
  });

  await step('stopping Apache ends Passenger and the app processes', async () => {
    const killed = await running.stop();
    assert.deepEqual(killed, [], 'every process exited without SIGKILL');
    const left = listProcesses().filter((p) => (p.command.includes(tmp) || p.cwd.startsWith(tmp)) && p.state !== 'Z');
    assert.deepEqual(left, []);
  });

  const ms = (from: number, to: number): string => `${Math.round(to - from)} ms`;
  t.diagnostic(`setup and Apache start ${ms(began, started)}, checks and stop ${ms(started, performance.now())}`);
});
