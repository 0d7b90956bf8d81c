// The benchmark's scenarios. Each one is `{ name, description, run(ctx) }`, and `run` returns
// `{ rows, details }`: `rows` feed the table (one figure each, app beside bare), `details`
// go to tests/artifacts/bench.json only.
//
// A row: { metric, unit, app: summary, bare: summary | null, goal?: { op: '<=' | '>=', ratio },
//          warning?: string, noRatio?: true }  — `summary` comes from lib.summarize() over the rounds;
// run.mjs adds the ratio app/bare (medians) and whether the goal is met.
//
// ctx (built by run.mjs):
//   ctx.quick                    true with --quick: fewer rounds, shorter runs
//   ctx.start(target, options)   starts 'app' or 'bare' on a fresh port and resolves once it has
//                                answered 200 (options: env, dataDir, readyPath, watchFor)
//   ctx.progress(text)           a progress line on stderr
//   ctx.tmp                      this run's scratch folder (removed at the end)
//
// Adding a scenario: push another factory call onto `scenarios` below. For a request that needs
// a signed-in session, give httpLoad() a `request` function: it runs once against each started
// server (e.g. POST /api/auth/login) and returns the request to hammer, with its headers.
import { load, measured, summarize } from './lib.mjs';
import { apiMe, fileStoreConsume, loginLatency, residentMemory } from './limits.mjs';
import { pdfReport } from './pdf.mjs';
import { dashboardApi } from './dashboard.mjs';
import { memoryScenario } from './memory.mjs';
import { botScenario } from './bot.mjs';

/**
 * Cold start: spawn `node` → first 200 on `path`, app and bare alternately, fresh process each time.
 */
export function coldStart({ name = 'cold-start', path = '/healthz', rounds = 15, quickRounds = 3, goalRatio = 1.2 } = {}) {
  return {
    name,
    description: `spawn node → first 200 from GET ${path} (fresh process, stdout piped and drained)`,
    async run(ctx) {
      const n = ctx.quick ? quickRounds : rounds;
      const targets = ['app', 'bare'];
      // One untimed start of each first: fills the page cache and creates DATA_DIR's files.
      for (const target of targets) await (await ctx.start(target, { readyPath: path })).stop();

      const ready = { app: [], bare: [] };
      const accept = { app: [], bare: [] };
      const rss = { app: [], bare: [] };
      const listening = [];
      for (let round = 0; round < n; round += 1) {
        // ABBA order: a drift in the machine's speed hits both sides alike.
        for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
          const server = await ctx.start(target, { readyPath: path, watchFor: target === 'app' ? ' listening' : undefined });
          try {
            ready[target].push(server.readyMs);
            accept[target].push(server.acceptMs);
            const kib = server.rssKiB();
            if (kib !== null) rss[target].push(kib / 1024);
            if (target === 'app' && server.watchedMs !== null) listening.push(server.watchedMs);
          } finally {
            await server.stop();
          }
        }
        ctx.progress(`${name}: round ${round + 1}/${n}  app ${ready.app.at(-1).toFixed(1)} ms  bare ${ready.bare.at(-1).toFixed(1)} ms`);
      }

      const rows = [
        { metric: 'spawn → first 200', unit: 'ms', app: summarize(ready.app), bare: summarize(ready.bare), goal: { op: '<=', ratio: goalRatio } },
      ];
      rows.push({ metric: '  of which: port accepts', unit: 'ms', app: summarize(accept.app), bare: summarize(accept.bare) });
      const firstRequest = (t) => ready[t].map((ms, i) => ms - accept[t][i]);
      rows.push({ metric: '  of which: first request', unit: 'ms', app: summarize(firstRequest('app')), bare: summarize(firstRequest('bare')) });
      if (listening.length > 0) {
        rows.push({ metric: "  'listening' logged (app)", unit: 'ms', app: summarize(listening), bare: null });
      }
      if (rss.app.length > 0 && rss.bare.length > 0) {
        rows.push({ metric: 'RSS after first 200', unit: 'MiB', app: summarize(rss.app), bare: summarize(rss.bare) });
      }
      return { rows, details: { rounds: n, path } };
    },
  };
}

/**
 * Throughput and latency of one request under concurrent load, app and bare alternately.
 *
 * `request` / `bareRequest`: `{ method?, path, headers?, body?, expectStatus? }`, or an async
 * function `(server, ctx) => that` run once after the server has started (a login, say).
 * `bareRequest: null` measures the app alone (no baseline, no ratio).
 */
export function httpLoad({
  name,
  title = name,
  request,
  bareRequest = request,
  connections = 50,
  pipelining = 1,
  durationS = 5,
  warmupS = 1.5,
  rounds = 5,
  quick = { durationS: 1, warmupS: 0.3, rounds: 1 },
  goalRatio,
  appEnv = {},
  rate,
}) {
  return {
    name,
    description: `${title}: autocannon, ${connections} connections, pipelining ${pipelining}${rate === undefined ? '' : `, ${rate.toLocaleString('en-US')} req/s in all`}`,
    async run(ctx) {
      const plan = ctx.quick ? { durationS, warmupS, rounds, ...quick } : { durationS, warmupS, rounds };
      const sides = bareRequest === null ? ['app'] : ['app', 'bare'];
      const servers = {};
      const requests = {};
      const runs = { app: [], bare: [] };
      try {
        for (const side of sides) {
          servers[side] = await ctx.start(side, side === 'app' ? { env: appEnv } : {});
          const spec = side === 'app' ? request : bareRequest;
          requests[side] = typeof spec === 'function' ? await spec(servers[side], ctx) : spec;
        }
        const hit = (side, seconds) => {
          const { path, ...rest } = requests[side];
          return load({ url: servers[side].url(path), connections, pipelining, durationS: seconds, rate, ...rest });
        };
        for (const side of sides) await hit(side, plan.warmupS);

        for (let round = 0; round < plan.rounds; round += 1) {
          for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
            const server = servers[side];
            const logBefore = server.stdout.bytes;
            const result = await measured(server, () => hit(side, plan.durationS));
            result.stdoutBytes = server.stdout.bytes - logBefore;
            runs[side].push(result);
          }
          const line = sides.map((side) => `${side} ${Math.round(runs[side].at(-1).rps)} req/s`).join('  ');
          ctx.progress(`${name}: round ${round + 1}/${plan.rounds}  ${line}`);
        }
      } finally {
        await Promise.all(Object.values(servers).map((server) => server.stop()));
      }

      const pick = (side, key) => (runs[side].length > 0 ? summarize(runs[side].map((r) => r[key])) : null);
      const warning = problems(runs);
      const rows = [
        {
          metric: 'throughput',
          unit: 'req/s',
          app: pick('app', 'rps'),
          bare: pick('bare', 'rps'),
          goal: goalRatio === undefined ? undefined : { op: '>=', ratio: goalRatio },
          // At a fixed rate both sides serve the same; what differs is the CPU it takes.
          noRatio: rate !== undefined,
          warning,
        },
        { metric: 'server CPU per request', unit: 'µs', app: pick('app', 'cpuUsPerRequest'), bare: pick('bare', 'cpuUsPerRequest') },
        { metric: 'server CPU busy (of 1 core)', unit: '%', app: pick('app', 'serverBusyPercent'), bare: pick('bare', 'serverBusyPercent'), noRatio: true },
        { metric: 'latency p95', unit: 'ms', app: pick('app', 'p95'), bare: pick('bare', 'p95') },
        { metric: 'latency p99', unit: 'ms', app: pick('app', 'p99'), bare: pick('bare', 'p99') },
      ];
      return { rows, details: { ...plan, connections, pipelining, runs } };
    },
  };
}

/** Anything but the expected status, socket errors or timeouts make a throughput figure suspect. */
function problems(runs) {
  const parts = [];
  for (const [side, list] of Object.entries(runs)) {
    const unexpected = list.reduce((sum, r) => sum + r.unexpected, 0);
    const errors = list.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
    if (unexpected > 0) {
      const statuses = {};
      for (const r of list) for (const [code, count] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
      parts.push(`${side} statuses ${JSON.stringify(statuses)}`);
    }
    if (errors > 0) parts.push(`${side} ${errors} socket errors/timeouts`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * What a microsecond of handler work costs under this load on this machine: bare Hono, and bare
 * Hono burning `spins` µs of CPU per request, measured alike. On a 2-vCPU VM the load generator
 * shares the cores: a server slower than the generator finds it asleep and pays to wake it on
 * every response, so added work shows up more than once in CPU per request and more again in
 * throughput. The throughput goals above are ratios of exactly that kind.
 */
export function amplification({ name = 'amplification', spins = [5, 10, 20], connections = 50, durationS = 3, warmupS = 1, rounds = 3, quick = { durationS: 1, warmupS: 0.3, rounds: 1 } } = {}) {
  return {
    name,
    description: `bare GET /healthz burning ${spins.join(', ')} µs of CPU a request, beside bare: autocannon, ${connections} connections`,
    async run(ctx) {
      const plan = ctx.quick ? { durationS, warmupS, rounds, ...quick } : { durationS, warmupS, rounds };
      const levels = [0, ...spins];
      const servers = [];
      const runs = new Map(levels.map((us) => [us, []]));
      try {
        for (const us of levels) servers.push({ us, server: await ctx.start('bare', { env: { BENCH_SPIN_US: String(us) } }) });
        const hit = ({ server }, seconds) => load({ url: server.url('/healthz'), connections, durationS: seconds });
        for (const side of servers) await hit(side, plan.warmupS);
        for (let round = 0; round < plan.rounds; round += 1) {
          const order = servers.map((_, i) => servers[(i + round) % servers.length]);
          for (const side of order) {
            const result = await measured(side.server, () => hit(side, plan.durationS));
            runs.get(side.us).push({ rps: result.rps, cpuUs: result.cpuUsPerRequest });
          }
          ctx.progress(`${name}: round ${round + 1}/${plan.rounds}  ${servers.map((s) => `+${s.us} µs ${Math.round(runs.get(s.us).at(-1).rps)} req/s`).join('  ')}`);
        }
      } finally {
        await Promise.all(servers.map((s) => s.server.stop()));
      }
      const pick = (us, key) => summarize(runs.get(us).map((r) => r[key]));
      const rows = [];
      for (const us of spins) {
        rows.push({ metric: `bare + ${us} µs of work: throughput`, unit: 'req/s', app: pick(us, 'rps'), bare: pick(0, 'rps') });
        rows.push({ metric: `bare + ${us} µs of work: CPU/request`, unit: 'µs', app: pick(us, 'cpuUs'), bare: pick(0, 'cpuUs') });
        // Round by round: (CPU with the work − CPU without) ÷ the work.
        const factor = runs.get(us).map((r, i) => (r.cpuUs - runs.get(0)[i].cpuUs) / us);
        rows.push({ metric: `  CPU added per µs of work`, unit: '×', app: summarize(factor), bare: null });
      }
      return { rows, details: { ...plan, connections, levels, runs: Object.fromEntries(runs) } };
    },
  };
}

export const scenarios = [
  coldStart({ name: 'cold-start', path: '/healthz', rounds: 15, quickRounds: 3, goalRatio: 1.2 }),
  httpLoad({
    name: 'healthz',
    title: 'GET /healthz under load',
    request: { path: '/healthz' },
    connections: 50,
    durationS: 5,
    warmupS: 1.5,
    rounds: 5,
    goalRatio: 0.85,
  }),
  // The usual day of a members' dashboard: far below saturation, most requests alone in their
  // turn of the event loop, so per-turn costs (a log write, a timer) land on each request.
  httpLoad({
    name: 'healthz-steady',
    title: 'GET /healthz at a steady rate',
    request: { path: '/healthz' },
    connections: 10,
    rate: 5000,
    durationS: 4,
    warmupS: 1,
    rounds: 5,
  }),
  amplification({ name: 'amplification', spins: [5, 10, 20] }),
  // Rate limiting and signed-in requests (tests/bench/limits.mjs).
  fileStoreConsume({ name: 'consume', total: 400_000, quickTotal: 100_000, rounds: 3, quickRounds: 1, goal: 100_000 }),
  apiMe({ name: 'api-me', connections: 50, durationS: 4, warmupS: 1.5, rounds: 3, goal: 0.5, limiterGoal: 0.85 }),
  loginLatency({ name: 'login', logins: 10, quickLogins: 4 }),
  residentMemory({ name: 'rss', requests: 10_000, rounds: 3, quickRounds: 1 }),
  // The PDF report (tests/bench/pdf.mjs).
  pdfReport({ name: 'pdf', sizes: [100, 1000], coldRuns: 3, quickColdRuns: 1, rounds: 5, quickRounds: 2, goalMs: 1500 }),
  // The dashboard API over 100,000 records (tests/bench/dashboard.mjs).
  dashboardApi({ name: 'dashboard', records: 100_000, requests: 200, quickRequests: 40, goalMs: 50 }),
  // One process's memory through a member's visit over 100,000 records (tests/bench/memory.mjs); issue 15.
  memoryScenario({ name: 'memory', records: 100_000, views: 200, settleS: 5, rounds: 3, quickRounds: 1, goalRssMiB: 105, goalAnonMiB: 60 }),
  // The anti-bot defences' costs (tests/bench/bot.mjs); issue 18.
  botScenario({ name: 'bot' }),
];
