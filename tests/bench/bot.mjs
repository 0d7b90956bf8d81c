// The `bot` scenario for `npm run bench` (issue 18): what the anti-bot defences cost.
//
//   issue / verify     the server's cost to issue a challenge and to verify a solution (src/bot/pow.ts,
//                      bundled and run in this process): µs per operation; goal: verify < 100 µs
//   solve in Node      median time to solve, at the default difficulty (BOT_POW_DIFFICULTY) and
//                      the highest (BOT_POW_MAX_DIFFICULTY), as a script or the CLI would
//   solve in Chromium  the same in Debian's Chromium, by the sign-in page's own worker
//                      (public/pow-worker.ts, loaded from the app under its CSP); goal at the default:
//                      < 300 ms, what a person would wait if they typed faster than the worker
//   sign-in            POST /api/auth/login latency with every defence on (BOT_POW=always, honeypot,
//                      User-Agent signal, blocks), and beside it with proof of work off
//   figures CPU        server CPU per GET /api/dashboard/figures (a repeated view, signed in) with the
//                      data API's defences on (defaults) and off; goal: on ≤ 1.05 × off
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { NODE_BUNDLE } from '../../build.mjs';
import { load, measured, median, summarize } from './lib.mjs';
import { powFor, solve } from './pow-client.mjs';

const require = createRequire(import.meta.url);
const ADMIN = { username: 'bench', password: 'bench-password-0123456789' };
const SECRET = randomBytes(32).toString('hex');
const DEFAULT = 20_000;
const HIGHEST = 250_000;

async function powModule(ctx) {
  const out = path.join(ctx.tmp, 'bot-bench', 'pow.cjs');
  await build({ ...NODE_BUNDLE, entryPoints: [path.join(ctx.root, 'src/bot/pow.ts')], outfile: out });
  return require(out);
}

/** µs per call of `fn`, over `n` calls after a warm-up. */
function perCall(fn, n) {
  for (let i = 0; i < Math.min(1000, n); i += 1) fn(i);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) fn(i);
  return Number(process.hrtime.bigint() - started) / 1000 / n;
}

async function signInOnce(server, withPow) {
  const base = server.url('').replace(/\/$/, '');
  const pow = withPow ? await powFor(base, ADMIN.username) : undefined;
  const started = performance.now();
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/5.0 bench' },
    body: JSON.stringify({ ...ADMIN, ...(pow === undefined ? {} : { pow }) }),
  });
  const body = await res.json();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${JSON.stringify(body)}`);
  return { ms, csrf: body.csrfToken, cookie: res.headers.getSetCookie().map((l) => l.split(';')[0]).filter((p) => !p.endsWith('=')).join('; ') };
}

async function started(ctx, env, dataDir) {
  const server = await ctx.start('app', { env: { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password, RATE_LIMIT_LOGIN: '100000/minute', ...env }, dataDir });
  // The first admin is created just after listening.
  for (let i = 0; i < 50; i += 1) {
    const res = await fetch(server.url('/api/auth/challenge'));
    await res.arrayBuffer();
    if (res.status === 200) break;
  }
  return server;
}

async function chromiumSolves(ctx, server, pow, difficulty, runs) {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    return { skipped: 'playwright-core missing' };
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] }).catch((e) => ({ error: e }));
  if (browser.error) return { skipped: `no Chromium (${browser.error.message.split('\n')[0]})` };
  try {
    const page = await browser.newPage();
    await page.goto(server.url('/login'));
    const times = [];
    const issuer = pow.createPow({ secret: SECRET, now: () => Math.floor(Date.now() / 1000) });
    for (let i = 0; i < runs; i += 1) {
      const challenge = issuer.issue(difficulty);
      const ms = await page.evaluate(
        (c) =>
          new Promise((resolve, reject) => {
            const url = document.querySelector('meta[name="pow-worker"]').content;
            const worker = new Worker(url, { type: 'module' });
            worker.onmessage = (event) => {
              if (typeof event.data.number === 'number') {
                worker.terminate();
                resolve(event.data.ms);
              } else if (event.data.error) reject(new Error(event.data.error));
            };
            worker.onerror = (e) => reject(new Error(e.message));
            worker.postMessage({ challenge: c });
          }),
        challenge,
      );
      times.push(ms);
    }
    return { times };
  } finally {
    await browser.close();
  }
}

export function botScenario({ name = 'bot', nodeRuns = 30, highestRuns = 5, chromiumRuns = 15, chromiumHighestRuns = 3, logins = 10, durationS = 4, rounds = 3 } = {}) {
  return {
    name,
    description: 'anti-bot defences: proof of work issue/verify/solve (Node, Chromium), sign-in with every defence on, data API CPU with its defences on vs off',
    async run(ctx) {
      const quick = ctx.quick;
      const pow = await powModule(ctx);
      const rows = [];
      const notes = [];
      const clock = { now: 1_800_000_000 };
      const core = pow.createPow({ secret: SECRET, now: () => clock.now });

      // Issue and verify, in this process (the server's own code).
      const issueUs = [];
      const verifyUs = [];
      const samples = Array.from({ length: 200 }, () => {
        const c = core.issue(DEFAULT);
        return pow.encodeSolution(pow.solveChallenge(c));
      });
      for (let r = 0; r < 3; r += 1) {
        issueUs.push(perCall(() => core.issue(DEFAULT), quick ? 5000 : 20_000));
        verifyUs.push(perCall((i) => core.verify(samples[i % samples.length], DEFAULT), quick ? 5000 : 20_000));
      }
      if (!samples.every((s) => core.verify(s, DEFAULT).ok)) throw new Error('a solution did not verify');
      rows.push({ metric: 'issue a challenge', unit: 'µs', app: summarize(issueUs), bare: null });
      rows.push({ metric: 'verify a solution', unit: 'µs', app: summarize(verifyUs), bare: null, goal: { op: '<=', value: 100 } });

      // Solving in Node (a script, the CLI).
      const nodeSolve = (difficulty, runs) => {
        const times = [];
        for (let i = 0; i < runs; i += 1) {
          const c = core.issue(difficulty);
          const t0 = performance.now();
          solve(c);
          times.push(performance.now() - t0);
        }
        return times;
      };
      const nodeDefault = nodeSolve(DEFAULT, quick ? 10 : nodeRuns);
      const nodeHighest = nodeSolve(HIGHEST, quick ? 2 : highestRuns);
      rows.push({ metric: `solve in Node, maxnumber ${DEFAULT.toLocaleString('en')}: median`, unit: 'ms', app: summarize(nodeDefault), bare: null });
      rows.push({ metric: `solve in Node, maxnumber ${HIGHEST.toLocaleString('en')}: median`, unit: 'ms', app: summarize(nodeHighest), bare: null });

      // Sign-in with every defence on (BOT_POW=always), then with proof of work off.
      const always = await started(ctx, { BOT_POW: 'always', SECRET_KEY: SECRET }, path.join(ctx.tmp, 'bot-always'));
      let session;
      try {
        const chrome = await chromiumSolves(ctx, always, pow, DEFAULT, quick ? 5 : chromiumRuns);
        if (chrome.skipped) notes.push(`Chromium: skipped (${chrome.skipped})`);
        else rows.push({ metric: `solve in Chromium, maxnumber ${DEFAULT.toLocaleString('en')}: median`, unit: 'ms', app: summarize(chrome.times), bare: null, goal: { op: '<=', value: 300 } });
        const chromeHigh = chrome.skipped ? chrome : await chromiumSolves(ctx, always, pow, HIGHEST, quick ? 1 : chromiumHighestRuns);
        if (!chromeHigh.skipped) rows.push({ metric: `solve in Chromium, maxnumber ${HIGHEST.toLocaleString('en')}: median`, unit: 'ms', app: summarize(chromeHigh.times), bare: null });

        const withPow = [];
        const total = [];
        await signInOnce(always, true); // first use: sql.js, the dummy hash
        for (let i = 0; i < (quick ? 4 : logins); i += 1) {
          const t0 = performance.now();
          const { ms } = await signInOnce(always, true);
          withPow.push(ms);
          total.push(performance.now() - t0);
        }
        rows.push({ metric: 'sign-in, every defence on: POST', unit: 'ms', app: summarize(withPow), bare: null });
        rows.push({ metric: '  with fetching and solving (Node)', unit: 'ms', app: summarize(total), bare: null });
      } finally {
        await always.stop();
      }
      const off = await started(ctx, { BOT_POW: 'off', BOT_HONEYPOT: 'off', BOT_UA_PATTERN: 'off' }, path.join(ctx.tmp, 'bot-off'));
      try {
        await signInOnce(off, false);
        const plain = [];
        for (let i = 0; i < (quick ? 4 : logins); i += 1) plain.push((await signInOnce(off, false)).ms);
        rows.push({ metric: 'sign-in, proof of work off: POST', unit: 'ms', app: summarize(plain), bare: null });
      } finally {
        await off.stop();
      }

      // CPU per figures request: the data API's defences on (defaults, budgets raised out of reach
      // so every request is served) and off.
      const dataDir = path.join(ctx.tmp, 'bot-figures');
      const configs = {
        on: { DATA_API_REQUESTS: '999999999/hour', DATA_API_ROWS: '999999999/hour' },
        // The same-origin checks and the User-Agent signal without the budgets' shared counting.
        checks: { DATA_API_REQUESTS: 'off', DATA_API_ROWS: 'off' },
        off: { DATA_API_REQUESTS: 'off', DATA_API_ROWS: 'off', DATA_API_SAME_ORIGIN: 'off', BOT_UA_PATTERN: 'off' },
      };
      const cpu = { on: [], checks: [], off: [] };
      for (let round = 0; round < (quick ? 1 : rounds); round += 1) {
        for (const side of round % 2 === 0 ? ['on', 'checks', 'off'] : ['off', 'checks', 'on']) {
          const server = await started(ctx, configs[side], dataDir);
          try {
            session = await signInOnce(server, true);
            const url = server.url('/api/dashboard/figures');
            const headers = { cookie: session.cookie, 'X-CSRF-Token': session.csrf, 'Sec-Fetch-Site': 'same-origin', 'User-Agent': 'Mozilla/5.0 bench' };
            await load({ url, headers, connections: 10, durationS: quick ? 0.5 : 1 });
            const result = await measured(server, () => load({ url, headers, connections: 10, durationS: quick ? 1 : durationS }));
            if (result.unexpected > 0) throw new Error(`figures (${side}): ${JSON.stringify(result.statuses)}`);
            cpu[side].push(result.cpuUsPerRequest);
          } finally {
            await server.stop();
          }
        }
        ctx.progress(`${name}: figures CPU round ${round + 1}  on ${cpu.on.at(-1).toFixed(1)} µs  off ${cpu.off.at(-1).toFixed(1)} µs`);
      }
      rows.push({ metric: 'figures CPU/request: defences on', unit: 'µs', app: summarize(cpu.on), bare: null });
      rows.push({ metric: 'figures CPU/request: checks, no budgets', unit: 'µs', app: summarize(cpu.checks), bare: null });
      rows.push({ metric: 'figures CPU/request: defences off', unit: 'µs', app: summarize(cpu.off), bare: null });
      const added = cpu.on.map((v, i) => v / cpu.off[i]);
      rows.push({ metric: '  on ÷ off', unit: '×', app: summarize(added), bare: null, goal: { op: '<=', value: 1.05 } });
      notes.push(`node solving medians: default ${median(nodeDefault).toFixed(1)} ms, highest ${median(nodeHighest).toFixed(0)} ms`);
      notes.push('figures "off": the data API limits, same-origin checks and User-Agent signal off; the blocked-address check (empty list) and X-Robots-Tag stay in both');
      return { rows, details: { notes, issueUs, verifyUs, nodeDefault, nodeHighest, cpu } };
    },
  };
}
