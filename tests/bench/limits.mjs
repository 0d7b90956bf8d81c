// Rate-limit and signed-in scenarios for `npm run bench` (see scenarios.mjs for the shape):
//
//   consume    the file store's consume() in 1 and in 4 processes (tests/ratelimit/storm-worker.ts,
//              bundled): distinct keys, a limit never reached, so every consume appends; one at
//              a time (an append and a read each) and 50 in flight (a turn's share one of each)
//   api-me     GET /api/me signed in, 10,000 revoked tokens in the database, the default limit on,
//              with the file store, with memory://, and through a build with the limiter taken
//              out (tests/bench/limiter-off.ts), as is and waiting for the end of the turn like
//              the file store, beside bare Hono's GET /healthz
//   login      sign-in latency, sequential (scrypt-dominated)
//   rss        resident memory of a fresh app process after 10,000 /api/me requests
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { NODE_BUNDLE, SERVER_BUNDLE } from '../../build.mjs';
import { load, measured, median, percentile, runWorker, sleep, summarize } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ADMIN = { username: 'bench', password: 'bench-password-0123456789' };
/** Several sign-ins a minute from 127.0.0.1 must not be refused; the default limit stays as run.mjs sets it. */
const SIGN_IN_ENV = { RATE_LIMIT_LOGIN: '100000/minute' };

/** Per run (keyed by ctx.tmp): the worker bundle, the seeded database, the limiter-off release. */
const once = new Map();
function cached(ctx, name, make) {
  const key = `${ctx.tmp}:${name}`;
  if (!once.has(key)) once.set(key, make());
  return once.get(key);
}

// ---------------------------------------------------------------------------------------------
// consume()

export function fileStoreConsume({ name = 'consume', total = 400_000, quickTotal = 100_000, keys = 5000, rounds = 3, quickRounds = 1, goal = 100_000, inFlight = 50 } = {}) {
  return {
    name,
    description: `file store consume(): ${keys.toLocaleString('en-US')} keys a process, limit never reached, 1 and 4 processes, one at a time and ${inFlight} in flight`,
    async run(ctx) {
      const worker = await cached(ctx, 'worker', async () => {
        const outfile = path.join(ctx.tmp, 'storm-worker.cjs');
        await build({ ...NODE_BUNDLE, entryPoints: [path.join(here, '../ratelimit/storm-worker.ts')], outfile });
        return outfile;
      });
      const n = ctx.quick ? quickRounds : rounds;
      const count = ctx.quick ? quickTotal : total;
      // One at a time: every consume alone in its turn of the event loop, an append and a read
      // each (the store's slowest case, and the goal's). In flight: a server's concurrent
      // requests, which share one append and one read per turn (group commit).
      const runs = [
        { processes: 1, inFlight: 1 },
        { processes: 4, inFlight: 1 },
        { processes: 4, inFlight },
      ];
      const rates = runs.map(() => []);
      const bytesPerConsume = [];
      for (let round = 0; round < n; round += 1) {
        for (const i of round % 2 === 0 ? runs.keys() : [...runs.keys()].reverse()) {
          const { processes, inFlight: waiting } = runs[i];
          const dir = path.join(ctx.tmp, `consume-${processes}-${waiting}-${round}`);
          const args = { dir, rule: '999999999/minute', count: count / processes, keys, now: Date.now(), startAt: Date.now() + 300, inFlight: waiting };
          const results = await Promise.all(Array.from({ length: processes }, () => runWorker(worker, args, 'storm worker')));
          const seconds = (Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt))) / 1000;
          rates[i].push(count / seconds);
          if (results.some((r) => r.failed > 0 || r.admitted !== count / processes)) throw new Error(`a worker refused or failed: ${JSON.stringify(results)}`);
          const { size } = statSync(path.join(dir, `w60-${Math.floor(args.now / 60_000)}.log`));
          bytesPerConsume.push(size / count);
          await rm(dir, { recursive: true, force: true });
          ctx.progress(`${name}: round ${round + 1}/${n}  ${processes} process(es), ${waiting} in flight: ${Math.round(count / seconds).toLocaleString('en-US')} consumes/s`);
        }
      }
      return {
        rows: [
          { metric: 'consume(), 1 process, one at a time', unit: 'ops/s', app: summarize(rates[0]), bare: null },
          { metric: 'consume(), 4 processes, one at a time', unit: 'ops/s', app: summarize(rates[1]), bare: null, goal: { op: '>=', value: goal } },
          { metric: `consume(), 4 processes, ${inFlight} in flight each`, unit: 'ops/s', app: summarize(rates[2]), bare: null },
        ],
        details: {
          rounds: n,
          consumesPerRound: count,
          keysPerProcess: keys,
          journalBytesPerConsume: median(bytesPerConsume),
          notes: [`${count.toLocaleString('en-US')} consumes a round, wall time from the first start to the last end; journal ${median(bytesPerConsume).toFixed(1)} bytes a consume`],
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A signed-in app with 10,000 revoked tokens

/** Starts the app once to create the database and its admin, then adds the revocations with sql.js. */
async function seedDatabase(ctx, revoked) {
  const dir = path.join(ctx.tmp, 'seed');
  const server = await ctx.start('app', { dataDir: dir, env: { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password } });
  try {
    const deadline = performance.now() + 15_000;
    while (!server.stdout.tail.includes('created the first admin')) {
      if (performance.now() > deadline) throw new Error(`the admin was not created:\n${server.output()}`);
      await sleep(20);
    }
  } finally {
    await server.stop();
  }
  const initSqlJs = require('sql.js');
  const SQL = await initSqlJs({ locateFile: () => require.resolve('sql.js/dist/sql-wasm.wasm') });
  const file = path.join(dir, 'dashboard.sqlite');
  const db = new SQL.Database(await readFile(file));
  try {
    const farFuture = Math.floor(Date.now() / 1000) + 10 * 365 * 86_400;
    db.run('BEGIN');
    const insert = db.prepare('INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)');
    for (let i = 0; i < revoked; i += 1) insert.run([randomBytes(16).toString('base64url'), farFuture]);
    insert.free();
    db.run('COMMIT');
    const rows = db.exec('SELECT count(*) FROM revoked_tokens')[0].values[0][0];
    if (rows < revoked) throw new Error(`only ${rows} revoked tokens in the database`);
    await writeFile(`${file}.seed`, db.export());
    await rename(`${file}.seed`, file);
  } finally {
    db.close();
  }
  return file;
}

/** A DATA_DIR of its own holding a copy of the seeded database (processes then never reload each other's writes). */
async function seededDataDir(ctx, label) {
  const seed = await cached(ctx, 'seed', () => seedDatabase(ctx, 10_000));
  const dir = path.join(ctx.tmp, `data-${label}-${randomBytes(3).toString('hex')}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await copyFile(seed, path.join(dir, 'dashboard.sqlite'));
  return dir;
}

/** A release folder whose server bundle has the limiter taken out (tests/bench/limiter-off.ts). */
async function limiterOffRelease(ctx) {
  const dir = path.join(ctx.tmp, 'limiter-off');
  await cp(path.join(ctx.root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  for (const file of ['app.js', 'package.json']) await copyFile(path.join(ctx.root, file), path.join(dir, file));
  const stub = path.join(here, 'limiter-off.ts');
  await build({
    ...SERVER_BUNDLE,
    entryPoints: [path.join(ctx.root, 'src/server.ts')],
    outfile: path.join(dir, 'dist', 'server.cjs'),
    plugins: [
      {
        name: 'limiter-off',
        setup(b) {
          b.onResolve({ filter: /ratelimit\/limiter\.ts$/ }, (args) => (args.importer === stub ? undefined : { path: stub }));
        },
      },
    ],
  });
  return dir;
}

/**
 * Signs in; resolves with the Cookie header a browser would then send to `forPath`: only the
 * cookies whose Path covers it (the refresh and device cookies are scoped to /api/auth, so a
 * browser never sends them to /api/me, and neither does the load generator).
 */
async function signIn(server, forPath = '/api/me') {
  const res = await fetch(server.url('/api/auth/login'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
  return res.headers
    .getSetCookie()
    .filter((line) => {
      const scope = /;\s*Path=([^;]*)/i.exec(line)?.[1]?.trim() ?? '/';
      return forPath === scope || forPath.startsWith(scope.endsWith('/') ? scope : `${scope}/`);
    })
    .map((line) => line.split(';')[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** One GET /api/me: must be 200, with the limit's headers exactly when the limiter is meant to be on. */
async function checkMe(server, cookie, limited) {
  const res = await fetch(server.url('/api/me'), { headers: { cookie } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${server.name}: /api/me answered ${res.status}`);
  if ((res.headers.get('ratelimit') !== null) !== limited) throw new Error(`${server.name}: RateLimit header ${limited ? 'missing' : 'present with the limiter off'}`);
}

export function apiMe({ name = 'api-me', connections = 50, durationS = 4, warmupS = 1.5, rounds = 5, quick = { durationS: 1, warmupS: 0.3, rounds: 1 }, goal = 0.5, limiterGoal = 0.85 } = {}) {
  return {
    name,
    description: `GET /api/me signed in, 10,000 revoked tokens, default limit on (file, memory://, limiter out, out at the end of the turn) beside bare GET /healthz: autocannon, ${connections} connections`,
    async run(ctx) {
      const plan = ctx.quick ? { durationS, warmupS, rounds, ...quick } : { durationS, warmupS, rounds };
      const offRoot = await cached(ctx, 'limiter-off', () => limiterOffRelease(ctx));
      const sides = [
        { key: 'file', limited: true, options: { env: SIGN_IN_ENV } },
        { key: 'memory', limited: true, options: { env: { ...SIGN_IN_ENV, RATE_LIMIT_STORAGE: 'memory://' } } },
        { key: 'off', limited: false, options: { env: SIGN_IN_ENV, cwd: offRoot } },
        { key: 'turn', limited: false, options: { env: { ...SIGN_IN_ENV, BENCH_END_OF_TURN: '1' }, cwd: offRoot } },
        { key: 'bare' },
      ];
      const runs = Object.fromEntries(sides.map((s) => [s.key, []]));
      const rss = {};
      try {
        for (const side of sides) {
          if (side.key === 'bare') {
            side.server = await ctx.start('bare');
            side.request = { path: '/healthz' };
            continue;
          }
          side.server = await ctx.start('app', { ...side.options, dataDir: await seededDataDir(ctx, side.key) });
          const cookie = await signIn(side.server);
          await checkMe(side.server, cookie, side.limited);
          side.request = { path: '/api/me', headers: { cookie } };
        }
        const hit = (side, seconds) => {
          const { path: p, ...rest } = side.request;
          return load({ url: side.server.url(p), connections, durationS: seconds, ...rest });
        };
        for (const side of sides) await hit(side, plan.warmupS);
        for (let round = 0; round < plan.rounds; round += 1) {
          // A different order each round: a drift in the machine's speed spreads over every side.
          const order = sides.map((_, i) => sides[(i + round) % sides.length]);
          for (const side of order) {
            runs[side.key].push(await measured(side.server, () => hit(side, plan.durationS)));
          }
          ctx.progress(`${name}: round ${round + 1}/${plan.rounds}  ${sides.map((s) => `${s.key} ${Math.round(runs[s.key].at(-1).rps)} req/s`).join('  ')}`);
        }
        for (const side of sides) rss[side.key] = side.server.rssKiB() / 1024;
      } finally {
        await Promise.all(sides.filter((s) => s.server).map((s) => s.server.stop()));
      }

      const pick = (key, field) => summarize(runs[key].map((r) => r[field]));
      const bad = sides.flatMap((s) => (runs[s.key].some((r) => r.unexpected + r.errors + r.timeouts > 0) ? [`${s.key}: ${JSON.stringify(runs[s.key].map((r) => r.statuses))}`] : []));
      const warning = bad.length > 0 ? bad.join('; ') : undefined;
      // The limiter's share of the server's CPU per request: (with − without) ÷ with, round by
      // round, against the limiter-out build that waits for the end of the turn like the file
      // store: the limiter's own work, not the effect of waiting.
      const cpuShare = runs.file.map((r, i) => ((r.cpuUsPerRequest - runs.turn[i].cpuUsPerRequest) / r.cpuUsPerRequest) * 100);
      const rows = [
        { metric: '/api/me, file store', unit: 'req/s', app: pick('file', 'rps'), bare: pick('bare', 'rps'), goal: { op: '>=', ratio: goal }, warning },
        { metric: '/api/me, memory://', unit: 'req/s', app: pick('memory', 'rps'), bare: pick('bare', 'rps') },
        { metric: '/api/me, limiter out', unit: 'req/s', app: pick('off', 'rps'), bare: pick('bare', 'rps') },
        { metric: '/api/me, limiter out, end of turn', unit: 'req/s', app: pick('turn', 'rps'), bare: pick('bare', 'rps') },
        { metric: 'file store ÷ limiter out', unit: 'req/s', app: pick('file', 'rps'), bare: pick('off', 'rps') },
        { metric: 'file store ÷ limiter out, end of turn', unit: 'req/s', app: pick('file', 'rps'), bare: pick('turn', 'rps'), goal: { op: '>=', ratio: limiterGoal } },
        { metric: 'server CPU/request, file', unit: 'µs', app: pick('file', 'cpuUsPerRequest'), bare: pick('bare', 'cpuUsPerRequest') },
        { metric: 'server CPU/request, memory://', unit: 'µs', app: pick('memory', 'cpuUsPerRequest'), bare: pick('bare', 'cpuUsPerRequest') },
        { metric: 'server CPU/request, limiter out', unit: 'µs', app: pick('off', 'cpuUsPerRequest'), bare: pick('bare', 'cpuUsPerRequest') },
        { metric: 'server CPU/request, out, end of turn', unit: 'µs', app: pick('turn', 'cpuUsPerRequest'), bare: pick('bare', 'cpuUsPerRequest') },
        { metric: 'limiter share of CPU/request (file)', unit: '%', app: summarize(cpuShare), bare: null, goal: { op: '<=', value: 100 * (1 - limiterGoal) } },
        { metric: 'latency p95, file store', unit: 'ms', app: pick('file', 'p95'), bare: pick('bare', 'p95') },
        { metric: 'RSS after the load, file store', unit: 'MiB', app: summarize([rss.file]), bare: summarize([rss.bare]) },
      ];
      return {
        rows,
        details: {
          ...plan,
          connections,
          rss,
          runs,
          notes: [
            'bare = bare Hono GET /healthz (JSON); "limiter out" = the same server bundle with src/ratelimit/limiter.ts replaced by a pass-through (tests/bench/limiter-off.ts);',
            '"end of turn" = that pass-through waiting for the end of the event-loop turn as the file store\'s group commit does (requests then answered together: fewer wake-ups of the client); the goal compares with it, so that it measures the limiter\'s own work;',
            `"file store ÷ limiter out" puts the limiter-out figure in the bare column; RSS: ${Object.entries(rss).map(([k, v]) => `${k} ${v.toFixed(1)} MiB`).join(', ')}`,
          ],
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sign-in latency and memory

export function loginLatency({ name = 'login', logins = 10, quickLogins = 4 } = {}) {
  return {
    name,
    description: `POST /api/auth/login, ${logins} in a row (scrypt ln=14 r=8 p=5), file store, 10,000 revoked tokens`,
    async run(ctx) {
      const server = await ctx.start('app', { env: SIGN_IN_ENV, dataDir: await seededDataDir(ctx, 'login') });
      const times = [];
      try {
        for (let i = 0; i < 2; i += 1) await signIn(server); // first use: sql.js and the dummy hash
        for (let i = 0; i < (ctx.quick ? quickLogins : logins); i += 1) {
          const started = performance.now();
          await signIn(server);
          times.push(performance.now() - started);
        }
      } finally {
        await server.stop();
      }
      return {
        rows: [
          { metric: 'sign-in latency p50', unit: 'ms', app: { ...summarize(times), median: median(times) }, bare: null },
          { metric: 'sign-in latency p95', unit: 'ms', app: { ...summarize(times), median: percentile(times, 95) }, bare: null },
        ],
        details: { rounds: times.length, times },
      };
    },
  };
}

async function hammer(url, headers, amount) {
  const result = await autocannon({ url, connections: 10, amount, headers, timeout: 10 });
  const ok = result['2xx'];
  if (ok !== amount) throw new Error(`${url}: ${ok} of ${amount} requests answered 2xx`);
}

export function residentMemory({ name = 'rss', requests = 10_000, rounds = 3, quickRounds = 1 } = {}) {
  return {
    name,
    description: `resident memory of a fresh process after ${requests.toLocaleString('en-US')} GET /api/me (bare: /healthz)`,
    async run(ctx) {
      const rss = { app: [], bare: [] };
      for (let round = 0; round < (ctx.quick ? quickRounds : rounds); round += 1) {
        const app = await ctx.start('app', { env: SIGN_IN_ENV, dataDir: await seededDataDir(ctx, `rss${round}`) });
        try {
          const cookie = await signIn(app);
          await hammer(app.url('/api/me'), { cookie }, requests);
          rss.app.push(app.rssKiB() / 1024);
        } finally {
          await app.stop();
        }
        const bare = await ctx.start('bare');
        try {
          await hammer(bare.url('/healthz'), {}, requests);
          rss.bare.push(bare.rssKiB() / 1024);
        } finally {
          await bare.stop();
        }
        ctx.progress(`${name}: round ${round + 1}  app ${rss.app.at(-1).toFixed(1)} MiB  bare ${rss.bare.at(-1).toFixed(1)} MiB`);
      }
      return {
        rows: [{ metric: `RSS after ${requests.toLocaleString('en-US')} requests`, unit: 'MiB', app: summarize(rss.app), bare: summarize(rss.bare) }],
        details: { rounds: rss.app.length, rss },
      };
    },
  };
}
