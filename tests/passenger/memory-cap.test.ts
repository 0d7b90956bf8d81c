/**
 * The account's memory cap (issue 15): Apache + mod_passenger with the app's processes (and
 * their PDF and import children) inside a cgroup v1 memory group of 512 MB and a pids group,
 * standing in for a CloudLinux LVE. Four app processes (PassengerMaxPoolSize 4, all kept
 * running), 100,000 records, 20 people at once each signing in, opening the dashboard, viewing
 * every day there is and downloading a PDF, while an admin imports 100,000 rows: no request
 * may fail and the kernel may kill nothing. Prints the group's peak against the limit.
 *
 * MEMORY_CAP_MB=384 npm test -- tests/passenger/memory-cap   tries another cap, MEMORY_CAP_HEAVY=2
 * another HEAVY_JOBS (what holds where is in the README's "Memory and processes").
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { accountGroup, cgroupsAvailable, type AccountGroup } from '../helpers/cgroup.ts';
import { cannotRun } from '../helpers/system.ts';
import type { Apache } from './apache.ts';
import { send, type Reply, type Target } from './client.ts';
import { listProcesses, systemIds } from './processes.ts';
import { account, appPids, until, APP_GROUP, APP_USER, cleanUp, install, startOnFreePort, stepper, type Site } from './site.ts';

const MiB = 1024 * 1024;
const CAP_MB = Number(process.env.MEMORY_CAP_MB ?? 512);
/** HEAVY_JOBS for the app: the default (1) unless MEMORY_CAP_HEAVY says otherwise. */
const HEAVY = process.env.MEMORY_CAP_HEAVY;
const PROCESSES = 4;
const PEOPLE = 20;
const RECORDS = 100_000;
const SECRET = randomBytes(32).toString('hex');
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };
const DAY_MS = 86_400_000;

/** 100,000 records: 20 categories × 5 metrics × 1,000 days from 2023-01-01 (as the bench's). */
function records(count: number, startUtc: number): { text: string; first: string; last: string } {
  const categories = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? `지점 ${i + 1}` : `Branch ${i + 1}`));
  const metrics = ['revenue', 'visitors', 'members', 'orders', 'refunds'];
  const days = Math.ceil(count / (categories.length * metrics.length));
  const lines = ['date,category,metric,value,note'];
  for (let d = 0; d < days; d += 1) {
    const date = new Date(startUtc + d * DAY_MS).toISOString().slice(0, 10);
    for (const category of categories) for (const metric of metrics) lines.push(`${date},${category},${metric},${(d * 7 + category.length * 13 + metric.length) % 100_000},`);
  }
  return { text: `${lines.join('\n')}\n`, first: new Date(startUtc).toISOString().slice(0, 10), last: new Date(startUtc + (days - 1) * DAY_MS).toISOString().slice(0, 10) };
}

/** The CLI as the app's user (the data folder is theirs), standard input given. */
function cli(site: Site, args: readonly string[], input: string): Promise<void> {
  const ids = systemIds(APP_USER, APP_GROUP);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(site.appRoot, 'dist/cli.cjs'), ...args, '--data-dir', site.dataDir], {
      uid: ids.uid,
      gid: ids.gid,
      cwd: site.appRoot,
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (errors += text));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`cli ${args.join(' ')}: exit ${code}: ${errors}`))));
    child.stdin.end(input);
  });
}

const mb = (bytes: number): string => `${(bytes / MiB).toFixed(0)} MiB`;

test(`${PEOPLE} people and an import inside a ${CAP_MB} MB account: nothing fails, nothing is killed`, { timeout: 900_000 }, async (t) => {
  if (!cgroupsAvailable()) {
    cannotRun(t, 'CI requires cgroup v1 memory and pids controllers at /sys/fs/cgroup (run as root)', 'SKIPPED: no cgroup v1 memory/pids controllers');
    return;
  }
  if (process.getuid?.() !== 0) {
    cannotRun(t, 'CI requires root for the cgroup test', 'SKIPPED: the cgroup test needs root');
    return;
  }
  const tmp = account(t);
  if (tmp === undefined) return;
  let apache: Apache | undefined;
  let group: AccountGroup | undefined;
  t.after(async () => {
    try {
      await cleanUp(tmp, apache);
    } finally {
      await group?.remove();
    }
  });

  // LVE's usual process limit counts threads too; a node process has about a dozen.
  group = accountGroup('dashboard-test', { memoryBytes: CAP_MB * MiB, pids: 200 }, systemIds(APP_USER, APP_GROUP));
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  const wrapper = path.join(bin, 'node-in-account');
  writeFileSync(wrapper, group.wrapper(process.execPath));
  chmodSync(wrapper, 0o755);

  const env = { SECRET_KEY: SECRET, RATE_LIMIT_LOGIN: '1000/minute', RATE_LIMIT_PDF: '1000/minute', BOT_POW: 'off', ...(HEAVY === undefined ? {} : { HEAVY_JOBS: HEAVY }) };
  const site = install(tmp, {
    name: 'dashboard',
    env,
    edit: (template) => template.replace('PassengerNodejs "__NODE_BINARY__"', `PassengerNodejs "${wrapper}"`),
    passenger: [`PassengerMinInstances ${PROCESSES}`],
  });
  const data = records(RECORDS, Date.UTC(2023, 0, 1));
  const seeded = path.join(tmp, 'records.csv');
  writeFileSync(seeded, data.text, { mode: 0o644 });
  await cli(site, ['figures', 'import', seeded], '');
  await cli(site, ['users', 'add', 'boss', '--role', 'admin'], `${PASSWORD}\n`);
  for (let i = 1; i <= PEOPLE; i += 1) await cli(site, ['users', 'add', `p${String(i).padStart(2, '0')}`, '--name', `사람 ${i}`], `${PASSWORD}\n`);

  apache = await startOnFreePort(tmp, { sites: [site], maxPoolSize: PROCESSES });
  const step = stepper(t, apache);
  const target: Target = { label: '/dashboard', url: apache.url, base: '/dashboard' };
  const g = group;

  const signIn = async (username: string, from: string): Promise<{ cookie: string; csrf: string; ms: number }> => {
    const started = performance.now();
    const reply = await send(target, '/api/auth/login', { method: 'POST', from, headers: { ...SAME_ORIGIN, 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }), timeoutMs: 120_000 });
    assert.equal(reply.status, 200, `${username}: sign-in ${reply.body.slice(0, 200)}`);
    return { cookie: reply.cookies.join('; '), csrf: (JSON.parse(reply.body) as { csrfToken: string }).csrfToken, ms: performance.now() - started };
  };
  const expect = (reply: Reply, status: number, what: string): Reply => {
    assert.equal(reply.status, status, `${what}: ${reply.body.slice(0, 300)}`);
    return reply;
  };
  const all = `from=${data.first}&to=${data.last}`;

  await step(`${PROCESSES} app processes start inside the account's groups`, async () => {
    await send(target, '/healthz');
    const pids = await until(`${PROCESSES} app processes`, 60_000, () => {
      const found = appPids(site);
      return found.length >= PROCESSES ? found : undefined;
    });
    const members = new Set(g.members());
    for (const pid of pids) {
      assert.ok(members.has(pid), `app process ${pid} is in the memory group`);
      // The template's malloc settings reach the process before it starts (Passenger's SetEnv).
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      assert.ok(environ.includes('MALLOC_MMAP_THRESHOLD_=16384') && environ.includes('MALLOC_ARENA_MAX=2'), `process ${pid} started with the malloc settings`);
      assert.ok(environ.includes('NODE_OPTIONS=--max-semi-space-size=2'), `process ${pid} started with the small V8 nursery`);
    }
  });

  await step('the first figures over 100,000 records from a process that has not opened them yet', async () => {
    const boss = await signIn('boss', '127.0.0.2');
    const started = performance.now();
    expect(await send(target, `/api/dashboard/figures?${all}`, { from: '127.0.0.2', headers: { Cookie: boss.cookie, ...SAME_ORIGIN, 'X-CSRF-Token': boss.csrf } }), 200, 'first figures');
    const figuresMs = performance.now() - started;
    process.stdout.write(`memory-cap: first sign-in ${boss.ms.toFixed(0)} ms, then the all-time figures (first in their process) ${figuresMs.toFixed(0)} ms through Passenger\n`);
  });

  await step(`${PEOPLE} people sign in, view, and download a PDF at once while an admin imports ${RECORDS.toLocaleString('en')} rows`, async () => {
    let peakPids = 0;
    let peakRss = 0;
    const sampler = setInterval(() => {
      const now = g.readings();
      peakPids = Math.max(peakPids, now.pids);
      peakRss = Math.max(peakRss, now.rssBytes);
    }, 100);
    const started = performance.now();
    const person = async (i: number): Promise<number> => {
      const from = `127.0.1.${i}`;
      const me = await signIn(`p${String(i).padStart(2, '0')}`, from);
      const headers = { Cookie: me.cookie };
      // The page's own reads: same-origin, with the CSRF header (the data API's scraping guard).
      const reads = { ...headers, ...SAME_ORIGIN, 'X-CSRF-Token': me.csrf };
      expect(await send(target, '/', { from, headers, timeoutMs: 120_000 }), 200, 'the dashboard page');
      expect(await send(target, `/api/dashboard/figures?${all}`, { from, headers: reads, timeoutMs: 120_000 }), 200, 'the all-time figures');
      expect(await send(target, `/api/dashboard/table?${all}&sort=value&dir=desc&page=1&pageSize=25`, { from, headers: reads, timeoutMs: 120_000 }), 200, 'a table page');
      // The page's default period (90 days, every category): 1,800 rows, 37 pages.
      const ninety = new Date(Date.parse(data.last) - 89 * DAY_MS).toISOString().slice(0, 10);
      const pdf = expect(
        await send(target, '/api/reports/pdf', {
          method: 'POST',
          from,
          headers: { ...headers, ...SAME_ORIGIN, 'X-CSRF-Token': me.csrf, 'Content-Type': 'application/json' },
          body: JSON.stringify({ from: ninety, to: data.last, metric: 'revenue' }),
          timeoutMs: 300_000,
        }),
        200,
        'the PDF',
      );
      assert.match(pdf.body.slice(0, 5), /^%PDF-/);
      return performance.now() - started;
    };
    const importer = async (): Promise<number> => {
      const boss = await signIn('boss', '127.0.0.3');
      const csv = records(RECORDS, Date.UTC(2020, 0, 1)).text;
      expect(
        await send(target, '/api/admin/imports?filename=more.csv', {
          method: 'POST',
          from: '127.0.0.3',
          headers: { Cookie: boss.cookie, ...SAME_ORIGIN, 'X-CSRF-Token': boss.csrf, 'Content-Type': 'text/csv' },
          body: csv,
          timeoutMs: 300_000,
        }),
        201,
        'the import',
      );
      return performance.now() - started;
    };
    let times: number[];
    try {
      times = await Promise.all([importer(), ...Array.from({ length: PEOPLE }, (_, i) => person(i + 1))]);
    } finally {
      clearInterval(sampler);
    }
    const end = g.readings();
    const sorted = times.slice(1).sort((a, b) => a - b);
    process.stdout.write(
      `memory-cap: limit ${CAP_MB} MiB, HEAVY_JOBS ${HEAVY ?? 'default'}; peak ${mb(end.maxUsageBytes)} (${((100 * end.maxUsageBytes) / (CAP_MB * MiB)).toFixed(0)} %), ` +
        `of which anonymous at most ${mb(peakRss)}; now ${mb(end.usageBytes)} (page cache ${mb(end.cacheBytes)}); failcnt ${end.failcnt}; ` +
        `OOM kills ${end.oomKills}; peak tasks ${peakPids} of 200\n` +
        `memory-cap: ${PEOPLE} visits done in median ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(1)} s, last ${(sorted.at(-1)! / 1000).toFixed(1)} s; import done at ${(times[0]! / 1000).toFixed(1)} s\n`,
    );
    assert.equal(end.oomKills, 0, 'no process killed by the memory limit');
    assert.equal(end.underOom, false);
    assert.equal(appPids(site).length >= PROCESSES, true, 'the app processes are all still there');
  });

  // The import and the PDFs ran in children that have ended: the group is back to the apps alone.
  await step('after the burst, the children are gone and the app processes give the memory back', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const pids = appPids(site);
    const processes = listProcesses();
    const extra = g.members().filter((pid) => !pids.includes(pid)).map((pid) => `${pid} ${processes.find((p) => p.pid === pid)?.command ?? '?'}`);
    assert.deepEqual(extra, [], 'no PDF or import child left running');
    const now = g.readings();
    process.stdout.write(`memory-cap: 5 s later: anonymous ${mb(now.rssBytes)} for ${pids.length} processes (${mb(now.rssBytes / pids.length)} each), page cache ${mb(now.cacheBytes)}\n`);
  });
});
