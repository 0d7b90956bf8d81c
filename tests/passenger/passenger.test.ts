/**
 * The release under real Apache + mod_passenger, set up the way an admin does on cPanel: the app
 * root (app.js, package.json, dist/ and nothing else) outside the docroot, and the project's
 * .htaccess template in public_html/dashboard/. Stock Passenger refuses the CloudLinux block's
 * directives in .htaccess, so those few move to the vhost; SetEnv and the denials stay.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { ROOT } from '../helpers/process.ts';
import { needSystem } from '../helpers/system.ts';
import { APACHE2CTL, freePort, splitHtaccess, startApache, type Apache } from './apache.ts';
import { listProcesses, systemIds } from './processes.ts';

const APACHE_USER = 'www-data';
/** Passenger never runs an app as root: with root-owned files it uses PassengerDefaultUser. */
const APP_USER = 'nobody';
const APP_GROUP = 'nogroup';
const SECRET = randomBytes(32).toString('hex');
const CANARY = `canary-${randomBytes(8).toString('hex')}`;
const BAD_TTL = 'bogus-ttl-value';
const ADMIN_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const CLOUDLINUX_BLOCK = /# DO NOT REMOVE\. CLOUDLINUX PASSENGER CONFIGURATION BEGIN\n((?:Passenger\w+ .+\n){5})# DO NOT REMOVE\. CLOUDLINUX PASSENGER CONFIGURATION END\n/;

interface Site {
  readonly appRoot: string;
  readonly dataDir: string;
  /** public_html/<name>: holds only the .htaccess. */
  readonly folder: string;
  /** The directives stock Passenger wants in the vhost rather than in .htaccess. */
  readonly vhost: readonly string[];
}

/** One app as an admin installs it: a release copy, a DATA_DIR, and the filled-in .htaccess. */
function install(tmp: string, name: string, extraEnv: Readonly<Record<string, string>>): Site {
  const appRoot = path.join(tmp, 'apps', name);
  for (const entry of ['app.js', 'package.json', 'dist']) cpSync(path.join(ROOT, entry), path.join(appRoot, entry), { recursive: true });
  const dataDir = path.join(tmp, 'data', name);
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(dataDir, { mode: 0o700 });
  const app = systemIds(APP_USER, APP_GROUP);
  chownSync(dataDir, app.uid, app.gid);

  const template = readFileSync(path.join(ROOT, '.htaccess'), 'utf8');
  assert.match(template, CLOUDLINUX_BLOCK, 'the template holds the CloudLinux block exactly as cPanel writes it');
  const filled = template
    .replaceAll('__APP_ROOT__', appRoot)
    .replaceAll('__BASE_URI__', `/${name}`)
    .replaceAll('__NODE_BINARY__', process.execPath)
    .replaceAll('__DATA_DIR__', dataDir);
  assert.doesNotMatch(filled, /__[A-Z_]+__/, 'every placeholder is filled in');
  const { htaccess, vhost } = splitHtaccess(filled);
  const folder = path.join(tmp, 'public_html', name);
  mkdirSync(folder, { recursive: true });
  const setEnv = Object.entries(extraEnv).map(([key, value]) => `SetEnv ${key} "${value}"\n`).join('');
  writeFileSync(path.join(folder, '.htaccess'), `${htaccess}\n# Added by the test\n${setEnv}`, { mode: 0o644 });
  return { appRoot, dataDir, folder, vhost };
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Polls the error log until a line matches; Passenger forwards the app's output a bit later. */
async function logLine(apache: Apache, pattern: RegExp, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = apache.errorLog().split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() >= deadline) throw new Error(`no line matching ${pattern} in Apache's error log`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Starts Apache on a free port, trying another if a different program took it meanwhile. */
async function startOnFreePort(tmp: string, sites: readonly Site[]): Promise<Apache> {
  const dir = path.join(tmp, 'apache');
  for (const sub of ['run', 'lock', 'logs', 'passenger', 'spawn', 'buffer']) mkdirSync(path.join(dir, sub), { recursive: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await startApache({
        dir,
        port: await freePort(),
        docroot: path.join(tmp, 'public_html'),
        user: APACHE_USER,
        group: APACHE_USER,
        appUser: APP_USER,
        appGroup: APP_GROUP,
        scope: tmp,
        directories: Object.fromEntries(sites.map((s) => [s.folder, s.vhost])),
      });
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

test('the release under Apache + Passenger at /dashboard, configured by the .htaccess template', { timeout: 90_000 }, async (t) => {
  const need = { paths: [APACHE2CTL, '/usr/lib/apache2/modules/mod_passenger.so'], packages: ['apache2', 'libapache2-mod-passenger'] };
  if (!needSystem(t, need)) return;
  const began = performance.now();
  const tmp = mkdtempSync('/tmp/dashboard-passenger-');
  chmodSync(tmp, 0o755); // Apache (www-data) and the app (nobody) walk through it
  let apache: Apache | undefined;
  t.after(async () => {
    try {
      const killed = (await apache?.stop()) ?? [];
      if (killed.length > 0) process.stderr.write(`passenger test: had to kill ${killed.join(', ')}\n`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  const dashboard = install(tmp, 'dashboard', { SECRET_KEY: SECRET, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: ADMIN_PASSWORD, ORG_NAME: '한국 회원 협회' });
  const badconf = install(tmp, 'badconf', { SECRET_KEY: SECRET, ACCESS_TOKEN_TTL: BAD_TTL });
  assert.equal(existsSync(path.join(dashboard.appRoot, 'node_modules')), false);
  assert.deepEqual(
    dashboard.vhost.map((line) => line.split(' ')[0]),
    ['PassengerAppRoot', 'PassengerBaseURI', 'PassengerNodejs', 'PassengerAppType', 'PassengerStartupFile'],
  );
  apache = await startOnFreePort(tmp, [dashboard, badconf]);
  const started = performance.now();
  const { url } = apache;
  const running = apache;

  /** A subtest that prints the error log's tail when it fails. */
  const step = (name: string, fn: (st: TestContext) => Promise<void>): Promise<void> =>
    t.test(name, async (st) => {
      try {
        await fn(st);
      } catch (error) {
        process.stderr.write(`\n--- ${name}: tail of ${running.errorLogPath} ---\n${running.tail()}\n---\n`);
        throw error;
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
  await step('SetEnv reached the app: production headers, DATA_DIR and base in the start-up line', async () => {
    const health = await get(`${url}/dashboard/healthz`);
    assert.match(health.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
    const line = await logLine(running, / INFO listening port=passenger /);
    assert.match(line, new RegExp(` env=production base=/dashboard data=${escape(dashboard.dataDir)} `));
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
    // The report bundle (dist/report.cjs) and the font (dist/fonts) are found from the release.
    const pdf = await send('/api/reports/pdf', { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ from: '2026-05-01', to: '2026-05-02' }) });
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.match(pdf.headers.get('content-disposition') ?? '', /^attachment; filename="dashboard-report-\d{4}-\d{2}-\d{2}\.pdf"$/);
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
