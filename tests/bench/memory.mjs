// The `memory` scenario of `npm run bench` (issue 15; see scenarios.mjs for the shape): one app
// process over 100,000 figure records, its memory read from /proc/PID/smaps_rollup at each
// moment of a member's visit, beside a bare Hono process asked /healthz as many times:
//
//   started                       the first 200 from /healthz
//   after one sign-in             POST /api/auth/login (scrypt; the first database opened)
//   after the all-time view       GET /api/dashboard/figures and /table over every day there is
//   after one PDF                 POST /api/reports/pdf of the page's default view, CSRF from the sign-in
//   after 200 more views          200 × (figures for a new period + a table page)
//   N s after another PDF         one more PDF, then the process left idle for `settleS`
//
// A fresh process per round (a fresh one per moment would measure nothing). The goals (issue 15)
// apply once the process has done all of it: the last two moments.
//
// tests/bench/memory-breakdown.mjs walks the same visit with a probe inside the process
// (heap / external / array buffers / WASM) for finding where the memory goes.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ADMIN, BENCH_DATA_BUDGET, csv } from './dashboard.mjs';
import { sleep, smapsRollup, summarize } from './lib.mjs';
import { powFor } from './pow-client.mjs';

const run = promisify(execFile);
const DAY_MS = 86_400_000;
/** Every request of the walk is bounded: a hung server cannot keep the bench alive. */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * What the .htaccess template sets for every Passenger process, read from the template itself
 * (its `SetEnv MALLOC_…` and `NODE_OPTIONS` lines): glibc gives freed memory back instead of
 * keeping it, and V8 keeps a small nursery (README: "Memory and processes"). Both sides run
 * with it, so the comparison is like for like, and the bench measures what admins install.
 */
export const MALLOC_ENV = templateMemoryEnv();

function templateMemoryEnv() {
  const template = readFileSync(fileURLToPath(new URL('../../.htaccess', import.meta.url)), 'utf8');
  const env = Object.fromEntries([...template.matchAll(/^SetEnv (MALLOC_\w+|NODE_OPTIONS) "?([^"\n]*)"?$/gm)].map((m) => [m[1], m[2]]));
  for (const name of ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_ARENA_MAX', 'NODE_OPTIONS']) {
    if (env[name] === undefined) throw new Error(`.htaccess: no SetEnv ${name} line (the memory settings the bench runs with)`);
  }
  return env;
}
/** Many sign-ins and reports from 127.0.0.1 in one run must not be refused. */
export const MEMORY_APP_ENV = { RATE_LIMIT_LOGIN: '100000/minute', RATE_LIMIT_PDF: '100000/minute', ...BENCH_DATA_BUDGET, ...MALLOC_ENV };

export const MOMENTS = ['started', 'after one sign-in', 'after the all-time view', 'after one PDF', 'after 200 more views', 'after another PDF + idle'];

/**
 * DATA_DIR with `records` figures (imported with the CLI, as the dashboard scenario does) and the
 * admin already created, so no start measured here hashes ADMIN_PASSWORD.
 * @returns {Promise<{ dataDir: string, first: string, days: number, categories: string[], importMs: number }>}
 */
export async function seedMemoryDataDir({ root, tmp, records, start }) {
  const dataDir = path.join(tmp, 'memory-data');
  const data = csv(records);
  const file = path.join(tmp, 'memory-records.csv');
  await writeFile(file, data.text);
  const started = performance.now();
  if (!existsSync(path.join(dataDir, 'figures.sqlite'))) {
    await run(process.execPath, [path.join(root, 'dist/cli.cjs'), 'figures', 'import', file, '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
  }
  const importMs = performance.now() - started;
  const server = await start({ dataDir, env: { ...MEMORY_APP_ENV, ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password } });
  try {
    await signIn(server);
  } finally {
    await server.stop();
  }
  return { dataDir, first: data.first, days: data.days, categories: data.categories, importMs };
}

async function request(server, pathAndQuery, init = {}) {
  const res = await fetch(server.url(pathAndQuery), { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = Buffer.from(await res.arrayBuffer());
  return { res, body };
}

async function ok(server, pathAndQuery, init, expect = 200) {
  const { res, body } = await request(server, pathAndQuery, init);
  if (res.status !== expect) throw new Error(`${init?.method ?? 'GET'} ${pathAndQuery} answered ${res.status}: ${body.toString('utf8').slice(0, 200)}`);
  return { res, body };
}

/** Signs in (retrying while the first admin is being created); resolves with the cookie and CSRF token. */
async function signIn(server) {
  let res;
  let body;
  for (let attempt = 0; attempt < 50; attempt += 1) {
    // With the work done: a 401 while the first admin is being created asks for it (BOT_POW=adaptive).
    const pow = await powFor(server.url('').replace(/\/$/, ''), ADMIN.username);
    ({ res, body } = await request(server, '/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...ADMIN, pow }) }));
    if (res.status !== 401) break;
    await sleep(100);
  }
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
  const { csrfToken } = JSON.parse(body.toString('utf8'));
  const cookie = res.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  return { cookie, csrfToken };
}

/**
 * One member's visit to an app process, calling `at(moment)` at each of MOMENTS (awaited: the
 * process is idle meanwhile). `data` is what seedMemoryDataDir() resolved with.
 * @returns {Promise<{ pdfBytes: number, views: number }>}
 */
export async function walkApp(server, data, at, { views = 200, settleS = 5 } = {}) {
  const day = (n) => new Date(Date.parse(data.first) + n * DAY_MS).toISOString().slice(0, 10);
  const all = `from=${day(0)}&to=${day(data.days - 1)}`;
  await at(MOMENTS[0]);
  const { cookie, csrfToken } = await signIn(server);
  await at(MOMENTS[1]);
  await ok(server, `/api/dashboard/figures?${all}`, { headers: { cookie, 'X-CSRF-Token': csrfToken } });
  await ok(server, `/api/dashboard/table?${all}&sort=date&dir=desc&page=1&pageSize=25`, { headers: { cookie, 'X-CSRF-Token': csrfToken } });
  await at(MOMENTS[2]);
  // The last 90 days of the data, every category (1,800 rows, 37 pages at 100,000 records): the
  // page's default period had the data reached today.
  const pdf = () =>
    ok(server, '/api/reports/pdf', {
      method: 'POST',
      headers: { cookie, 'X-CSRF-Token': csrfToken, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: day(data.days - 90), to: day(data.days - 1), metric: 'revenue' }),
    });
  const { body } = await pdf();
  await at(MOMENTS[3]);
  for (let i = 0; i < views; i += 1) {
    // A different 30–400-day period each time, sometimes one category (as the dashboard scenario).
    const start = (i * 37) % (data.days - 400);
    const category = i % 3 === 0 ? `&category=${encodeURIComponent(data.categories[i % data.categories.length])}` : '';
    await ok(server, `/api/dashboard/figures?from=${day(start)}&to=${day(start + 30 + ((i * 53) % 370))}&metric=revenue${category}`, { headers: { cookie, 'X-CSRF-Token': csrfToken } });
    const sort = ['date', 'value', 'category'][i % 3];
    await ok(server, `/api/dashboard/table?${all}&metric=revenue&sort=${sort}&dir=${i % 2 ? 'asc' : 'desc'}&page=${1 + ((i * 7) % 200)}&pageSize=25`, { headers: { cookie, 'X-CSRF-Token': csrfToken } });
  }
  await at(MOMENTS[4]);
  await pdf();
  await sleep(settleS * 1000);
  await at(MOMENTS[5]);
  return { pdfBytes: body.length, views };
}

/** The bare process asked /healthz as many times as the app is asked at each step, idle as long. */
async function walkBare(server, at, { views = 200, settleS = 5 } = {}) {
  const hit = async (n) => {
    for (let i = 0; i < n; i += 1) await ok(server, '/healthz');
  };
  await at(MOMENTS[0]);
  await hit(1);
  await at(MOMENTS[1]);
  await hit(2);
  await at(MOMENTS[2]);
  await hit(1);
  await at(MOMENTS[3]);
  await hit(2 * views);
  await at(MOMENTS[4]);
  await hit(1);
  await sleep(settleS * 1000);
  await at(MOMENTS[5]);
}

export function memoryScenario({ name = 'memory', records = 100_000, views = 200, settleS = 5, rounds = 3, quickRounds = 1, goalRssMiB = 105, goalAnonMiB = 60 } = {}) {
  return {
    name,
    description: `memory of one app process over ${records.toLocaleString('en-US')} records through sign-in, views and PDFs (smaps_rollup), beside bare Hono`,
    async run(ctx) {
      const data = await seedMemoryDataDir({ root: ctx.root, tmp: ctx.tmp, records, start: (options) => ctx.start('app', options) });
      ctx.progress(`${name}: seeded ${records.toLocaleString('en-US')} records in ${Math.round(data.importMs)} ms`);
      /** side → moment → [smaps_rollup per round] */
      const seen = { app: new Map(MOMENTS.map((m) => [m, []])), bare: new Map(MOMENTS.map((m) => [m, []])) };
      const reader = (side, server) => async (moment) => {
        const rollup = smapsRollup(server.pid);
        if (rollup === null) throw new Error(`/proc/${server.pid}/smaps_rollup cannot be read (Linux only)`);
        seen[side].get(moment).push(rollup);
      };
      const n = ctx.quick ? quickRounds : rounds;
      let walked;
      for (let round = 0; round < n; round += 1) {
        // ABBA order, as elsewhere: a drift of the machine hits both sides alike.
        for (const side of round % 2 === 0 ? ['app', 'bare'] : ['bare', 'app']) {
          const server = side === 'app' ? await ctx.start('app', { dataDir: data.dataDir, env: MEMORY_APP_ENV }) : await ctx.start('bare', { env: MALLOC_ENV });
          try {
            if (side === 'app') walked = await walkApp(server, data, reader('app', server), { views, settleS });
            else await walkBare(server, reader('bare', server), { views, settleS });
          } finally {
            await server.stop();
          }
        }
        const last = (side, m) => (seen[side].get(m).at(-1).rss / 1024).toFixed(0);
        ctx.progress(`${name}: round ${round + 1}/${n}  app RSS ${MOMENTS.map((m) => last('app', m)).join(' → ')} MiB  bare ${last('bare', MOMENTS.at(-1))} MiB`);
      }

      const mib = (side, moment, field) => summarize(seen[side].get(moment).map((r) => r[field] / 1024));
      const judged = new Set(MOMENTS.slice(-2));
      const rows = [];
      for (const moment of MOMENTS) {
        const goal = (value) => (judged.has(moment) ? { op: '<=', value } : undefined);
        rows.push({ metric: `${moment}: RSS`, unit: 'MiB', app: mib('app', moment, 'rss'), bare: mib('bare', moment, 'rss'), goal: goal(goalRssMiB) });
        rows.push({ metric: `${moment}: anonymous`, unit: 'MiB', app: mib('app', moment, 'anonymous'), bare: mib('bare', moment, 'anonymous'), goal: goal(goalAnonMiB) });
      }
      const table = (side) => Object.fromEntries(MOMENTS.map((m) => [m, seen[side].get(m)]));
      return {
        rows,
        details: {
          rounds: n,
          records,
          views,
          settleS,
          pdfBytes: walked?.pdfBytes,
          smapsRollupKiB: { app: table('app'), bare: table('bare') },
          notes: [
            `a fresh app process per round over ${records.toLocaleString('en-US')} records; the PDFs are the data's last 90 days (${data.categories.length} categories, one metric); the goals apply to the last two moments; both sides run with ${Object.entries(MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} as the .htaccess template sets`,
            'anonymous = smaps_rollup Anonymous (heaps, WASM memory, malloc arenas); RSS − anonymous is file-backed (node itself, mapped files)',
          ],
        },
      };
    },
  };
}
