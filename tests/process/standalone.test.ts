/**
 * The built bundle as admins run it: from a folder with only app.js, package.json and dist/
 * (no node_modules), configured by environment and .env, stopped by signals.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { releaseCopy, spawnApp } from '../helpers/process.ts';

const SECRET = randomBytes(32).toString('hex');
const release = releaseCopy();
// Beside the release, as an admin keeps it: production refuses a DATA_DIR inside the app folder.
const dataRoot = `${release.dir}-data`;
after(() => {
  release.remove();
  rmSync(dataRoot, { recursive: true, force: true });
});

function freshDataDir(name: string): string {
  const dir = path.join(dataRoot, `data-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('standalone process', () => {
  test('runs with no node_modules anywhere near it and serves health, pages and assets', async (t) => {
    assert.equal(existsSync(path.join(release.dir, 'node_modules')), false);
    const app = spawnApp({ cwd: release.dir, env: { NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: freshDataDir('run'), NODE_PATH: '' } });
    t.after(() => app.stop());
    const base = await app.url();
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), '{"status":"ok"}');
    assert.equal(health.headers.get('strict-transport-security'), 'max-age=31536000');
    const page = await (await fetch(`${base}/`)).text();
    const css = /href="(\/assets\/app-[A-Z0-9]{8}\.css)"/.exec(page)?.[1];
    assert.ok(css);
    const asset = await fetch(`${base}${css}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    await app.waitFor(/INFO GET \/assets\/app-\w+\.css 200 /);
  });

  test('a sign-in sent the moment the app listens waits for the first admin from ADMIN_USERNAME', async (t) => {
    const env = { NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: freshDataDir('startup'), ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'a long enough password' };
    const app = spawnApp({ cwd: release.dir, env });
    t.after(() => app.stop());
    const base = await app.url();
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'boss', password: env.ADMIN_PASSWORD }),
    });
    // The audit reproduced 401 invalid_credentials here: the admin did not exist yet.
    assert.equal(login.status, 200, await login.text());
    assert.equal(app.lines.filter((line) => /created the first admin/.test(line)).length, 1);
  });

  test('run standalone, a client\'s X-Forwarded-For does not choose its rate-limit bucket (no proxy trusted by default)', async (t) => {
    const env = { NODE_ENV: 'production', SECRET_KEY: SECRET, DATA_DIR: freshDataDir('xff'), RATE_LIMIT_DEFAULT: '3/minute' };
    const app = spawnApp({ cwd: release.dir, env });
    t.after(() => app.stop());
    const base = await app.url();
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i += 1) {
      const res = await fetch(`${base}/login`, { headers: { 'X-Forwarded-For': `198.51.100.${i}` } });
      statuses.push(res.status);
    }
    // Each spoofed address used to get a fresh bucket of its own: five 200s.
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  test('the Origin check follows PUBLIC_URL; without it and with no proxy (TRUST_PROXY=none) the scheme must match too', async (t) => {
    const signIn = (base: string, origin: string) =>
      fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body: JSON.stringify({ username: 'nobody', password: 'not a password at all' }),
      });
    const code = async (res: Response): Promise<string> => `${res.status} ${((await res.json()) as { error: string }).error}`;
    const env = { NODE_ENV: 'production', SECRET_KEY: SECRET, TRUST_PROXY: 'none' };
    const withPublic = spawnApp({ cwd: release.dir, env: { ...env, DATA_DIR: freshDataDir('origin-public'), PUBLIC_URL: 'https://dashboard.example.org' } });
    const direct = spawnApp({ cwd: release.dir, env: { ...env, DATA_DIR: freshDataDir('origin-direct') } });
    t.after(() => Promise.all([withPublic.stop(), direct.stop()]));
    const [publicBase, directBase] = await Promise.all([withPublic.url(), direct.url()]);
    // 401: the Origin check passed and the (unknown) credentials were judged; 403: refused before.
    assert.equal(await code(await signIn(publicBase, 'https://dashboard.example.org')), '401 invalid_credentials');
    assert.equal(await code(await signIn(publicBase, publicBase)), '403 csrf_mismatch', 'its own address is not the public one');
    assert.equal(await code(await signIn(directBase, directBase)), '401 invalid_credentials');
    assert.equal(await code(await signIn(directBase, directBase.replace('http:', 'https:'))), '403 csrf_mismatch', 'https:// on a plain-http connection');
  });

  test('reads .env from the app root; variables already set win over it', async (t) => {
    writeFileSync(path.join(release.dir, '.env'), `BASE_PATH=/members\nSECRET_KEY=${SECRET}\nNODE_ENV=production\nDATA_DIR=./data-env\n`);
    t.after(() => writeFileSync(path.join(release.dir, '.env'), ''));
    const app = spawnApp({ cwd: release.dir, env: { NODE_ENV: 'development' } });
    t.after(() => app.stop());
    const base = await app.url();
    assert.equal((await fetch(`${base}/members/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/healthz`)).status, 404);
    const line = await app.waitFor(/listening/);
    assert.match(line, /env=development base=\/members data=\S+data-env/);
  });

  test('a bad configuration exits 1 with one clear line per problem and no stack trace', async () => {
    const app = spawnApp({
      cwd: release.dir,
      env: { NODE_ENV: 'production', SECRET_KEY: 'too-short-secret', ACCESS_TOKEN_TTL: 'bogus', DATA_DIR: freshDataDir('bad') },
    });
    assert.equal(await app.exited, 1);
    const problems = app.lines.filter((l) => /ERROR configuration: [A-Z_]+ /.test(l));
    assert.deepEqual(problems.map((l) => /configuration: ([A-Z_]+)/.exec(l)![1]).sort(), ['ACCESS_TOKEN_TTL', 'SECRET_KEY']);
    const all = app.lines.join('\n');
    assert.doesNotMatch(all, /too-short-secret/);
    assert.doesNotMatch(all, /\n\s+at /);
  });

  test('an unfilled placeholder in DATA_DIR exits 1 naming it, and creates no folder called __DATA_DIR__', async () => {
    const app = spawnApp({ cwd: release.dir, env: { NODE_ENV: 'development', DATA_DIR: '__DATA_DIR__' } });
    assert.equal(await app.exited, 1);
    assert.ok(app.lines.some((l) => /ERROR configuration: DATA_DIR still holds the placeholder __DATA_DIR__ /.test(l)), app.lines.join('\n'));
    assert.equal(existsSync(path.join(release.dir, '__DATA_DIR__')), false);
  });

  test('development without SECRET_KEY generates one into DATA_DIR (0600), says so once, and reuses it', async () => {
    const dataDir = freshDataDir('dev');
    const first = spawnApp({ cwd: release.dir, env: { DATA_DIR: dataDir } });
    await first.url();
    await first.stop();
    const file = path.join(dataDir, 'dev-secret.key');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, 'utf8');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(first.lines.filter((l) => /generated a development secret/.test(l)).length, 1);
    assert.ok(!first.lines.join('\n').includes(key), 'the secret itself is never logged');

    const second = spawnApp({ cwd: release.dir, env: { DATA_DIR: dataDir } });
    await second.url();
    await second.stop();
    assert.equal(second.lines.filter((l) => /generated/.test(l)).length, 0);
    assert.equal(readFileSync(file, 'utf8'), key);
  });

  test('health is 503 naming DATA_DIR when it cannot be written', async (t) => {
    const notADir = path.join(release.dir, 'a-file');
    writeFileSync(notADir, 'x');
    const app = spawnApp({ cwd: release.dir, env: { SECRET_KEY: SECRET, DATA_DIR: notADir } });
    t.after(() => app.stop());
    const res = await fetch(`${await app.url()}/healthz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { failing: Array<{ part: string; problem: string }> };
    const dataDir = body.failing.find((f) => f.part === 'data_dir');
    assert.match(dataDir?.problem ?? '', /DATA_DIR is not writable \(ENOTDIR\)/);
    // Both databases live in DATA_DIR, so they are reported too; the built assets and the report files are fine.
    assert.deepEqual(body.failing.map((f) => f.part).sort(), ['data_dir', 'database', 'figures']);
  });

  test("a request's access line reaches stdout within a second while the app runs on; the last ones before a stop too", async (t) => {
    const app = spawnApp({ cwd: release.dir, env: { SECRET_KEY: SECRET, DATA_DIR: freshDataDir('log') } });
    t.after(() => app.stop());
    const base = await app.url();
    const id = (await fetch(`${base}/healthz`)).headers.get('x-request-id') ?? 'missing';
    const line = await app.waitFor(new RegExp(` id=${id}$`), 1000);
    assert.match(line, /^\S+Z INFO GET \/healthz 200 \d+\.\dms id=/);
    assert.equal(app.child.exitCode, null, 'still running');
    // Answered just before SIGTERM: held lines are written on the way out.
    const last = (await fetch(`${base}/healthz`)).headers.get('x-request-id') ?? 'missing';
    assert.equal(await app.stop(), 0);
    assert.ok(app.lines.some((l) => l.endsWith(` id=${last}`)), `no access line for ${last}`);
  });

  test('SIGTERM and SIGINT stop it cleanly, with idle keep-alive connections open', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const app = spawnApp({ cwd: release.dir, env: { SECRET_KEY: SECRET, DATA_DIR: freshDataDir('stop') } });
      const base = await app.url();
      // Keep-alive: the connection stays open after the response.
      await fetch(`${base}/healthz`, { headers: { Connection: 'keep-alive' } });
      assert.equal(await app.stop(signal), 0, signal);
      // Timed by the app's own log, from the signal's handler to the server's close: a machine
      // under load slows the signal and the exit, not this. A connection the close waited for
      // (the keep-alive one, were it not closed as idle) would hold it for seconds.
      const at = (pattern: RegExp): number => Date.parse(app.lines.find((l) => pattern.test(l))?.split(' ')[0] ?? 'none');
      const closeMs = at(/ INFO stopped/) - at(/ INFO shutting down/);
      assert.ok(closeMs >= 0 && closeMs < 2500, `${signal}: the server closed in ${closeMs} ms\n${app.lines.join('\n')}`);
    }
  });
});

describe('under Passenger (simulated PhusionPassenger global)', () => {
  test('a bad configuration serves 503 on every path naming the variables, never their values', async (t) => {
    const preload = path.join(release.dir, 'fake-passenger.js');
    writeFileSync(preload, "globalThis.PhusionPassenger = { on() {} };\n");
    const app = spawnApp({
      cwd: release.dir,
      preload: [preload],
      env: { PORT: '0', NODE_ENV: 'production', SECRET_KEY: 'secret-value-too-short', REFRESH_TOKEN_TTL: 'forever-and-ever' },
    });
    t.after(() => app.stop());
    await app.waitFor(/answering 503/);
    assert.equal(app.child.exitCode, null, 'it stays up');
    // The 503 server does not log a port; find it from the OS.
    const port = await listeningPort(app.child.pid!);
    for (const p of ['/', '/healthz', '/api/me', '/anything/at/all']) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      assert.equal(res.status, 503, p);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const html = await res.text();
      assert.match(html, /not configured correctly/);
      assert.match(html, /<code>SECRET_KEY<\/code>/);
      assert.match(html, /<code>REFRESH_TOKEN_TTL<\/code>/);
      assert.doesNotMatch(html, /secret-value|forever/);
    }
  });
});

async function listeningPort(pid: number): Promise<number> {
  // /proc/net/tcp{,6} lists listening sockets by inode; /proc/PID/fd links name the inodes.
  const { readdirSync, readlinkSync } = await import('node:fs');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const inodes = new Set(
      readdirSync(`/proc/${pid}/fd`)
        .map((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } })
        .map((l) => /socket:\[(\d+)\]/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined),
    );
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = row.trim().split(/\s+/);
        if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) return parseInt(cols[1]!.split(':')[1]!, 16);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no listening socket found');
}
