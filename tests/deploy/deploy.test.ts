/**
 * deploy/deploy.sh over real SSH (Debian's sshd on 127.0.0.1, started here) to a throwaway
 * account laid out like cPanel's: public_html/dashboard/ served by a private Apache +
 * mod_passenger whose app root is DEPLOY_PATH/current, DEPLOY_PATH outside public_html, and the
 * data folder outside both. The app runs as that account's user, as on cPanel.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { login, logout, me } from '../helpers/http-session.ts';
import { needSystem } from '../helpers/system.ts';
import { APACHE2CTL, freePort, startApache, type Apache } from '../passenger/apache.ts';
import { listProcesses } from '../passenger/processes.ts';
import { deploySh, projectCopy, requestLoop, type LoadResult, type Run } from './harness.ts';
import { createAccount, removeAccount, SSHD, startSshd, type Account, type SshServer } from './sshd.ts';

const NEED = {
  paths: [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/rsync', APACHE2CTL, '/usr/lib/apache2/modules/mod_passenger.so'],
  packages: ['openssh-server', 'openssh-client', 'rsync', 'apache2', 'libapache2-mod-passenger'],
};
const ADMIN_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const SECRET = randomBytes(32).toString('hex');
/** `node dist/cli.cjs backup --out DIR` that can be made to fail (a file `fail-backup` beside `backups/`). */
const FAKE_BACKUP_CLI = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const [area, ...rest] = process.argv.slice(2);
if (area === 'help') { process.stderr.write('areas: users, figures, backup\\n'); process.exit(0); }
if (area === 'backup') {
  const out = rest[rest.indexOf('--out') + 1];
  if (fs.existsSync(path.join(out, '..', 'fail-backup'))) { process.stderr.write('backup: disk on fire\\n'); process.exit(1); }
  const file = path.join(out, 'backup-' + Date.now() + '.txt');
  fs.writeFileSync(file, fs.readlinkSync(path.join(out, '..', 'current')));
  process.stdout.write('wrote ' + file + '\\n');
} else {
  require('./cli-real.cjs');
}
`;
/** Fails wherever it runs: the smoke start before the switch must refuse it. */
const EXITS_AT_START = "'use strict';\nconsole.error('broken release: exiting at start-up');\nprocess.exit(1);\n";
/**
 * The real app.js, except that it exits under Passenger (which defines the global
 * `PhusionPassenger`; `node app.js` does not): it passes the smoke start, so only the check after
 * the switch can catch it.
 */
function failsOnlyUnderPassenger(appJs: string): string {
  const guard = "if (typeof PhusionPassenger !== 'undefined') {\n  console.error('broken under Passenger: exiting at start-up');\n  process.exit(1);\n}\n";
  assert.ok(appJs.startsWith("'use strict';\n"));
  return appJs.replace("'use strict';\n", `'use strict';\n${guard}`);
}

/** Every path under `dir` with its kind, size and mtime: a dry run must leave this unchanged. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((rel) => {
      const s = lstatSync(path.join(dir, rel));
      return `${rel} ${s.isSymbolicLink() ? `-> ${readlinkSync(path.join(dir, rel))}` : s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
    });
}

function summary(run: Run): string {
  return `exit ${run.code} after ${run.ms} ms\n--- stdout ---\n${run.out}--- stderr ---\n${run.err}`;
}

/** The script's own total ("total time 12.3s"); a refusal prints none, so then the test's. */
function scriptTime(run: Run): string {
  return /total time ([\d.]+s)/.exec(run.out)?.[1] ?? `${(run.ms / 1000).toFixed(1)}s (test's timer)`;
}

/** How long the smoke start took, from the script's step lines ("==> [6] starting ... (at 3.1s)"). */
function smokeTime(run: Run): string {
  const at = [...run.out.matchAll(/^==> \[\d+\] (.*) \(at ([\d.]+)s\)$/gm)];
  const i = at.findIndex((m) => m[1]!.includes('on its own'));
  // A refusal ends the script in that step: then the test's timer (which also counts removing
  // the upload) marks its end.
  const end = at[i + 1]?.[2] ?? /total time ([\d.]+)s/.exec(run.out)?.[1] ?? `${run.ms / 1000}`;
  return i < 0 ? '?' : `${(Number(end) - Number(at[i]![2])).toFixed(1)}s`;
}

test('deploy.sh deploys, switches, rolls back and refuses over real SSH to a cPanel-like account', { timeout: 600_000 }, async (t) => {
  if (!needSystem(t, NEED)) return;
  const tmp = mkdtempSync('/tmp/dashboard-deploy-');
  chmodSync(tmp, 0o755); // Apache (www-data) and the account's user walk through it
  let account: Account | undefined;
  let sshd: SshServer | undefined;
  let apache: Apache | undefined;
  t.after(async () => {
    // sshd first (Apache's stop would otherwise wait for it, as it runs from our folder).
    try {
      await sshd?.stop();
      const killed = (await apache?.stop()) ?? [];
      if (killed.length > 0) process.stderr.write(`deploy test: had to kill ${killed.join(', ')}\n`);
    } finally {
      try {
        if (account !== undefined) await removeAccount(account);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  });

  account = createAccount(tmp);
  const { home, uid, gid } = account;
  const own = (p: string, mode: number): void => {
    chownSync(p, uid, gid);
    chmodSync(p, mode);
  };
  const publicFolder = path.join(home, 'public_html', 'dashboard');
  mkdirSync(publicFolder, { recursive: true });
  own(path.join(home, 'public_html'), 0o755);
  own(publicFolder, 0o755);
  const base = path.join(home, 'dashboard-app'); // DEPLOY_PATH: outside public_html
  const dataDir = path.join(home, 'dashboard-data'); // outside both; the app creates it
  const fakeNode = path.join(home, 'old-node');
  writeFileSync(fakeNode, '#!/bin/sh\necho v18.19.1\n');
  own(fakeNode, 0o755);

  sshd = await startSshd(tmp, account);
  const apacheDir = path.join(tmp, 'apache');
  for (const sub of ['run', 'lock', 'logs', 'passenger', 'spawn', 'buffer']) mkdirSync(path.join(apacheDir, sub), { recursive: true });
  apache = await startApache({
    dir: apacheDir,
    port: await freePort(),
    docroot: path.join(home, 'public_html'),
    user: 'www-data',
    group: 'www-data',
    // The releases belong to the account, so Passenger runs the app as its user (never root).
    appUser: account.user,
    appGroup: account.group,
    scope: tmp,
    directories: {
      [publicFolder]: [
        `PassengerAppRoot "${path.join(base, 'current')}"`,
        'PassengerBaseURI "/dashboard"',
        `PassengerNodejs "${process.execPath}"`,
        'PassengerAppType node',
        'PassengerStartupFile app.js',
      ],
    },
  });
  const running = apache;
  const site = `${apache.url}/dashboard`;
  const project = projectCopy(path.join(tmp, 'project'));
  const localTmp = path.join(tmp, 'local'); // deploy.sh's own temporary folder (ssh's control socket)
  mkdirSync(localTmp);
  const env = {
    DEPLOY_HOST: '127.0.0.1',
    DEPLOY_PORT: String(sshd.port),
    DEPLOY_USER: account.user,
    DEPLOY_PATH: base,
    DEPLOY_URL: site,
    DEPLOY_SSH_OPTS: sshd.clientOptions,
    DEPLOY_NODE: process.execPath,
    DEPLOY_HEALTH_TIMEOUT: '60',
    TMPDIR: localTmp,
  };
  const deploy = (args: readonly string[] = [], extra: Record<string, string> = {}): Promise<Run> => deploySh(project, args, { ...env, ...extra });
  const current = (): string => path.basename(readlinkSync(path.join(base, 'current')));
  const releases = (): string[] => (existsSync(path.join(base, 'releases')) ? readdirSync(path.join(base, 'releases')).sort() : []);
  /** The app processes' release folders (Passenger starts each app in its app root, resolved). */
  const servingFrom = (): string[] => [
    ...new Set(listProcesses().filter((p) => p.uid === uid && p.command.startsWith('Passenger NodeApp')).map((p) => path.basename(p.cwd))),
  ];
  /** What a smoke start could leave behind: its scratch folders, or an app outside Passenger. */
  const smokeLeftovers = (): string[] => [
    ...readdirSync('/tmp')
      .filter((f) => f.startsWith('dashboard-smoke.') && lstatSync(path.join('/tmp', f), { throwIfNoEntry: false })?.uid === uid)
      .map((f) => `/tmp/${f}`),
    ...listProcesses()
      .filter((p) => p.uid === uid && /\bapp\.js\b/.test(p.command) && !p.command.startsWith('Passenger'))
      .map((p) => `process ${p.pid}: ${p.command}`),
  ];
  const numbers: string[] = [];

  /** A subtest; the steps build on each other, so the first failure ends the test. */
  const step = async (name: string, fn: (st: TestContext) => Promise<void>): Promise<void> => {
    let failed = false;
    await t.test(name, async (st) => {
      try {
        await fn(st);
      } catch (error) {
        failed = true;
        process.stderr.write(`\n--- ${name}: tail of Apache's error log ---\n${running.tail(40)}\n---\n`);
        throw error;
      }
    });
    if (failed) throw new Error(`stopped after "${name}" failed`);
  };

  await step('an unreachable SSH server fails at once, saying so', async () => {
    const run = await deploy([], { DEPLOY_PORT: String(await freePort()) });
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, /cannot reach dash\w+@127\.0\.0\.1 over SSH on port \d+/);
    assert.ok(run.ms < 20_000, summary(run));
  });

  await step('a server node older than 20 is refused before anything is uploaded', async () => {
    const run = await deploy([], { DEPLOY_NODE: fakeNode });
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, /the server's node .* is v18\.19\.1; the app needs 20 or later/);
    assert.equal(existsSync(base), false, 'nothing was created on the server');
  });

  await step('no shared/.env on the server: fails early and says what to create', async () => {
    const run = await deploy();
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, new RegExp(`no ${base}/shared/\\.env on the server`));
    assert.match(run.err, /SECRET_KEY=/);
    assert.match(run.err, /DATA_DIR=/);
    assert.equal(existsSync(base), false, 'nothing was created on the server');
  });

  // The maintainer's one-time setup, as the README says: shared/.env, owned by the account, 600.
  for (const dir of [base, path.join(base, 'shared')]) {
    mkdirSync(dir, { recursive: true });
    own(dir, 0o755);
  }
  const sharedEnv = path.join(base, 'shared', '.env');
  writeFileSync(
    sharedEnv,
    [
      'NODE_ENV=production',
      `SECRET_KEY=${SECRET}`,
      `DATA_DIR=${dataDir}`,
      'ADMIN_USERNAME=boss',
      `ADMIN_PASSWORD=${ADMIN_PASSWORD}`,
      // The request loop below is one address asking many times a second.
      'RATE_LIMIT_DEFAULT=100000/minute',
      '',
    ].join('\n'),
  );
  own(sharedEnv, 0o600);

  await step('a nearly full disk is refused before anything is uploaded', async () => {
    const run = await deploy([], { DEPLOY_MIN_FREE_MB: '100000000' });
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, /the server's disk is nearly full: \d+ MB free/);
    assert.deepEqual(releases(), []);
  });

  await step('--dry-run changes nothing on the server', async () => {
    const before = snapshot(base);
    const run = await deploy(['--dry-run']);
    assert.equal(run.code, 0, summary(run));
    assert.match(run.out, /would switch current from nothing to \d{8}T\d{6}Z/);
    assert.deepEqual(snapshot(base), before);
  });

  let first = '';
  await step('release 1 deploys; Apache serves it from DEPLOY_PATH/current as the account user', async () => {
    const run = await deploy();
    assert.equal(run.code, 0, summary(run));
    first = current();
    assert.match(first, /^\d{8}T\d{6}Z$/);
    assert.match(run.out, /skip \(nothing deployed yet\)/);
    assert.equal(readlinkSync(path.join(base, 'releases', first, '.env')), '../../shared/.env');
    const health = await fetch(`${site}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(servingFrom(), [first]);
    const apps = listProcesses().filter((p) => p.command.startsWith('Passenger NodeApp') && p.cwd.startsWith(base));
    assert.ok(apps.length > 0 && apps.every((p) => p.uid === uid), 'the app runs as the account user');
    assert.equal(statSync(dataDir).uid, uid, 'DATA_DIR outside the release, made by the app');
    numbers.push(`first deploy ${scriptTime(run)} (script's timer)`);
  });

  // A signed-in user with data and a revoked session, which every later release must keep.
  const waitForAdmin = async (): Promise<Awaited<ReturnType<typeof login>>> => {
    for (let i = 0; ; i++) {
      try {
        return await login(site, 'boss', ADMIN_PASSWORD);
      } catch (error) {
        if (i >= 50) throw error; // the first admin is made just after start-up (a scrypt hash)
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const session = await waitForAdmin();
  const revoked = await login(site, 'boss', ADMIN_PASSWORD);
  const auth = { Cookie: session.cookie, 'X-CSRF-Token': session.csrf, 'Sec-Fetch-Site': 'same-origin' };
  const survives = async (when: string): Promise<void> => {
    assert.equal((await me(site, session)).status, 200, `${when}: the session still works`);
    assert.deepEqual(await me(site, revoked), { status: 401, error: 'token_revoked' }, `${when}: the revocation holds`);
    const figures = await fetch(`${site}/api/dashboard/figures?from=2026-05-01&to=2026-05-02`, { headers: auth });
    assert.equal(figures.status, 200, when);
    assert.equal(((await figures.json()) as { summary: { total: number } }).summary.total, 2500, `${when}: the data is there`);
  };
  await step('a user signs in, imports figures, and a second session is signed out', async () => {
    const csv = 'date,category,metric,value\n2026-05-01,north,revenue,1200\n2026-05-02,north,revenue,1300\n';
    const imported = await fetch(`${site}/api/admin/imports?filename=may.csv`, { method: 'POST', headers: { ...auth, 'Content-Type': 'text/csv' }, body: csv });
    assert.equal(imported.status, 201, await imported.text());
    assert.equal(await logout(site, revoked), 204);
    await survives('release 1');
  });

  const probes = [
    { url: `${site}/healthz` },
    { url: `${site}/api/me`, headers: { Cookie: session.cookie } },
    { url: `${site}/`, headers: { Cookie: session.cookie } },
  ];
  const underLoad = async (run: () => Promise<Run>): Promise<{ run: Run; load: LoadResult }> => {
    const loop = requestLoop(probes);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = await run();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { run: result, load: await loop.stop() };
  };

  await step('--dry-run with a release live changes nothing either', async () => {
    const before = snapshot(base);
    const run = await deploy(['--dry-run']);
    assert.equal(run.code, 0, summary(run));
    assert.match(run.out, new RegExp(`would switch current from ${first} to`));
    assert.deepEqual(snapshot(base), before);
  });

  let second = '';
  await step('release 2 deploys while requests keep coming; session, data and revocations survive', async () => {
    const { run, load } = await underLoad(() => deploy());
    assert.equal(run.code, 0, summary(run));
    second = current();
    assert.notEqual(second, first);
    assert.equal(path.basename(readlinkSync(path.join(base, 'previous'))), first);
    assert.deepEqual(servingFrom(), [second]);
    assert.match(run.out, /listened on 127\.0\.0\.1 port \d+ and \/healthz answered 200; stopped/);
    assert.deepEqual(smokeLeftovers(), []);
    await survives('release 2');
    numbers.push(`deploy ${scriptTime(run)} (smoke start ${smokeTime(run)}): ${load.failed} of ${load.total} requests failed ${load.failures.join('; ')}`);
    assert.equal(load.failed, 0, JSON.stringify(load));
  });

  await step('--rollback returns to release 1 while requests keep coming', async () => {
    const { run, load } = await underLoad(() => deploy(['--rollback']));
    assert.equal(run.code, 0, summary(run));
    assert.equal(current(), first);
    assert.deepEqual(servingFrom(), [first]);
    await survives('after the rollback');
    numbers.push(`rollback ${scriptTime(run)}: ${load.failed} of ${load.total} requests failed ${load.failures.join('; ')}`);
    assert.equal(load.failed, 0, JSON.stringify(load));
  });

  await step('a release that exits at start-up is refused before the switch: no visitor sees an error', async () => {
    writeFileSync(path.join(project, 'app.js'), EXITS_AT_START);
    const before = releases();
    const live = current();
    const { run, load } = await underLoad(() => deploy());
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, /the release does not start on its own: it exited with status 1 before answering \/healthz/);
    assert.match(run.err, /broken release: exiting at start-up/, 'its output is shown');
    assert.match(run.err, /does not start \(its output is above\), so nothing was switched: \d{8}T\d{6}Z is still live \(the upload was removed\)/);
    assert.doesNotMatch(run.out, /switching current/);
    assert.equal(current(), live);
    assert.deepEqual(servingFrom(), [live], 'Passenger was not restarted');
    assert.deepEqual(releases(), before, 'the upload was removed');
    assert.deepEqual(smokeLeftovers(), []);
    assert.equal(existsSync(path.join(base, '.deploy.lock')), false, 'the lock is released');
    await survives('a release refused before the switch');
    numbers.push(`release exiting at start-up, refused ${scriptTime(run)} (smoke start ${smokeTime(run)}): ${load.failed} of ${load.total} requests failed ${load.failures.join('; ')}`);
    assert.equal(load.failed, 0, JSON.stringify(load));
  });

  await step('a shared .env the app refuses stops the deploy before the switch, showing its lines and no secret', async () => {
    rmSync(path.join(project, 'app.js'));
    projectCopy(project);
    const good = readFileSync(sharedEnv, 'utf8');
    writeFileSync(sharedEnv, `${good}RATE_LIMIT_FAIL=sometimes\n`);
    const before = releases();
    const live = current();
    const run = await deploy();
    writeFileSync(sharedEnv, good);
    assert.equal(run.code, 1, summary(run));
    assert.match(run.err, /configuration: RATE_LIMIT_FAIL must be open or closed/);
    assert.match(run.err, /configuration is invalid: not starting/);
    for (const secret of [SECRET, ADMIN_PASSWORD]) assert.equal(`${run.out}${run.err}`.includes(secret), false, 'no secret printed');
    assert.equal(current(), live);
    assert.deepEqual(releases(), before);
    assert.deepEqual(smokeLeftovers(), []);
    await survives('a .env refused before the switch');
  });

  await step('a release that fails only under Passenger is rolled back by itself; the script fails; the site answers', async () => {
    writeFileSync(path.join(project, 'app.js'), failsOnlyUnderPassenger(readFileSync(path.join(project, 'app.js'), 'utf8')));
    const { run, load } = await underLoad(() => deploy());
    assert.equal(run.code, 1, summary(run));
    assert.match(run.out, /listened on 127\.0\.0\.1 port \d+ and \/healthz answered 200; stopped/, 'it passed the smoke start');
    assert.match(run.out, new RegExp(`deploy FAILED and rolled back: ${first} is live again`));
    assert.equal(current(), first);
    assert.deepEqual(releases(), [first, second], 'the broken release is removed');
    const health = await fetch(`${site}/healthz`);
    assert.equal(health.status, 200);
    await survives('after the automatic rollback');
    numbers.push(`release failing only under Passenger, rolled back ${scriptTime(run)}: ${load.failed} of ${load.total} requests failed ${load.failures.join('; ')}`);
  });

  await step('deploying twice is harmless; old releases go, current and previous stay', async () => {
    rmSync(path.join(project, 'app.js'));
    projectCopy(project);
    const third = await deploy([], { DEPLOY_KEEP: '1', DEPLOY_UPLOAD: 'tar' });
    assert.equal(third.code, 0, summary(third));
    const thirdName = current();
    assert.deepEqual(releases(), [first, thirdName], `release 2 pruned; release 1 kept as previous\n${summary(third)}`);
    const fourth = await deploy([], { DEPLOY_KEEP: '1' });
    assert.equal(fourth.code, 0, summary(fourth));
    assert.deepEqual(releases(), [thirdName, current()]);
    await survives('two more deploys');
    numbers.push(`tar upload deploy ${scriptTime(third)}, rsync deploy ${scriptTime(fourth)}`);
  });

  await step('each deploy backs up the data with the live release\'s `backup` before the switch; a failing backup stops the deploy', async () => {
    const backups = path.join(base, 'backups');
    const real = await deploy();
    assert.equal(real.code, 0, summary(real));
    assert.doesNotMatch(real.err, /no backup taken/);
    const archives = readdirSync(backups).filter((f) => /^dashboard-backup-.+\.tar\.gz$/.test(f));
    assert.ok(archives.length >= 1, summary(real));
    const listed = execFileSync('tar', ['-tzf', path.join(backups, archives.at(-1)!)], { encoding: 'utf8' });
    assert.match(listed, /dashboard\.sqlite/, 'the sign-in database is in it');

    // A release whose `backup` fails (a stand-in with the command's interface) is live next:
    // the deploy after it must stop before the switch.
    const dist = path.join(project, 'dist');
    renameSync(path.join(dist, 'cli.cjs'), path.join(dist, 'cli-real.cjs'));
    writeFileSync(path.join(dist, 'cli.cjs'), FAKE_BACKUP_CLI);
    const withStandIn = await deploy();
    assert.equal(withStandIn.code, 0, summary(withStandIn));
    const live = current();
    const next = await deploy();
    assert.equal(next.code, 0, summary(next));
    const taken = readdirSync(backups).filter((f) => f.startsWith('backup-'));
    assert.equal(taken.length, 1, summary(next));
    assert.equal(readFileSync(path.join(backups, taken[0]!), 'utf8'), `releases/${live}`, 'taken while the old release was live');
    const before = releases();
    const liveNow = current();
    writeFileSync(path.join(base, 'fail-backup'), '');
    const failing = await deploy();
    assert.equal(failing.code, 1, summary(failing));
    assert.match(failing.err, /the backup failed, so nothing was switched/);
    assert.match(failing.err, /backup: disk on fire/);
    assert.equal(current(), liveNow);
    assert.deepEqual(releases(), before, 'the upload was removed');
    assert.equal(existsSync(path.join(base, '.deploy.lock')), false, 'the lock is released');
    await survives('a refused deploy');
  });

  t.diagnostic(numbers.join('\n'));
});
