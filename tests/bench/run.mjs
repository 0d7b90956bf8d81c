// `npm run bench`: builds dist/, then measures the app (`node app.js`, the real startup file)
// beside a bare Hono + @hono/node-server bundle (tests/bench/bare-hono.ts) started the same way,
// prints a table of medians over interleaved rounds, and writes tests/artifacts/bench.json.
//
//   npm run bench                    every scenario (a few minutes on 2 cores)
//   npm run bench -- --quick         smoke run: fewer rounds, shorter load
//   npm run bench -- healthz         only scenarios whose name contains one of the words
//   npm run bench -- --list          the scenarios' names
//   npm run bench -- --strict        exit 1 when a goal is missed (otherwise only errors fail)
//   npm run bench -- --cpu-prof      run the app under `node --cpu-prof` (figures get slower) and
//                                    print where its CPU went; profiles in tests/artifacts/profiles/
//
// A measuring tool, not a test: a missed goal is reported, not failed, unless --strict.
// Only 127.0.0.1 is ever contacted; every server is a child process that is stopped (and waited
// for) before the run ends, also on Ctrl-C.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildAll, SERVER_BUNDLE } from '../../build.mjs';
import { freePort, judge, killAll, renderTable, startServer } from './lib.mjs';
import { newestProfile, summarizeProfile } from './profile.mjs';
import { scenarios } from './scenarios.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const artifact = path.join(root, 'tests/artifacts/bench.json');

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const names = argv.filter((a) => !a.startsWith('--'));
const known = new Set(['--quick', '--strict', '--list', '--help', '--cpu-prof']);
for (const flag of flags) {
  if (!known.has(flag)) fail(`unknown option ${flag} (known: ${[...known].join(' ')})`);
}
if (flags.has('--help')) {
  console.log('usage: npm run bench [-- [--quick] [--strict] [--cpu-prof] [--list] [SCENARIO...]]');
  process.exit(0);
}
if (flags.has('--list')) {
  for (const s of scenarios) console.log(`${s.name.padEnd(16)} ${s.description}`);
  process.exit(0);
}
const quick = flags.has('--quick');
const cpuProf = flags.has('--cpu-prof');
const profiles = path.join(root, 'tests/artifacts/profiles');
const selected = names.length === 0 ? scenarios : scenarios.filter((s) => names.some((n) => s.name.includes(n)));
if (selected.length === 0) fail(`no scenario matches ${names.join(', ')} (have: ${scenarios.map((s) => s.name).join(', ')})`);

// Bounded in time whatever happens: a hung server or load run cannot keep the run alive.
const LIMIT_MS = (quick ? 2 : 8) * 60_000;
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${LIMIT_MS / 60_000} minutes: stopping`);
  finish(1);
}, LIMIT_MS);
watchdog.unref();

let tmp;
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => finish(130));

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/** Synchronous to the end: nothing else of the run may happen after this (no partial bench.json). */
function finish(code) {
  killAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
}

const progress = (text) => process.stderr.write(`  ${text}\n`);


/** The app's variables (DESIGN.md), NODE_OPTIONS and npm's own: none may leak into a server. */
const SCRUB = /^(NODE_ENV|NODE_OPTIONS|PORT|BASE_PATH|PASSENGER_BASE_URI|DATA_DIR|SECRET_KEY.*|ACCESS_TOKEN_TTL|REFRESH_TOKEN_TTL|TRUST_PROXY|RATE_LIMIT_.*|WP_.*|BOT_.*|DATA_API_.*|ADMIN_.*|npm_.*)$/i;
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUB.test(name)));

/** What the app gets besides PORT and DATA_DIR. */
const APP_ENV = {
  NODE_ENV: 'production',
  SECRET_KEY: randomBytes(32).toString('hex'),
  BASE_PATH: '/',
  // The per-IP limiter still runs on every request (its cost is part of the figure), but a load
  // run from one address must not turn into a measurement of 429s.
  RATE_LIMIT_DEFAULT: '999999999/minute',
};

async function main() {
  const began = new Date();
  const loadAtStart = os.loadavg()[0];
  const t0 = performance.now();
  await buildAll({ quiet: true });
  if (cpuProf) await rm(profiles, { recursive: true, force: true });
  progress(`built dist/ in ${Math.round(performance.now() - t0)} ms`);

  tmp = await mkdtemp(path.join(os.tmpdir(), 'dashboard-bench-'));
  const bare = path.join(tmp, 'bare', 'bare.cjs');
  await build({ ...SERVER_BUNDLE, entryPoints: [path.join(here, 'bare-hono.ts')], outfile: bare });

  const dataDirs = new Map();
  const targets = {
    app: { command: process.execPath, args: ['app.js'], cwd: root, env: APP_ENV },
    bare: { command: process.execPath, args: ['bare.cjs'], cwd: path.dirname(bare), env: { NODE_ENV: 'production' } },
  };
  let nextDir = 0;

  const ctx = {
    quick,
    root,
    /** This run's scratch folder (removed at the end): e.g. a DATA_DIR shared by several app processes. */
    tmp,
    progress,
    /**
     * Starts 'app' or 'bare' on a fresh port; `dataDir` lets several app processes share one;
     * `cwd` runs another release folder (app.js, package.json, dist/) instead of this one.
     */
    async start(target, options = {}) {
      const spec = targets[target];
      if (!spec) throw new Error(`unknown target ${target}`);
      const port = await freePort();
      const env = { ...baseEnv, ...spec.env, ...options.env, PORT: String(port) };
      if (target === 'app') {
        let dir = options.dataDir;
        if (dir === undefined) {
          // One DATA_DIR per scenario, kept across its rounds, as on a real host.
          dir = dataDirs.get(ctx.current) ?? path.join(tmp, `data-${nextDir++}`);
          dataDirs.set(ctx.current, dir);
        }
        await mkdir(dir, { recursive: true, mode: 0o700 });
        env.DATA_DIR = dir;
      }
      let args = spec.args;
      if (cpuProf && target === 'app') {
        // The app leaves through process.exit() on SIGTERM, which is when node writes the profile.
        args = ['--cpu-prof', `--cpu-prof-dir=${path.join(profiles, ctx.current)}`, ...args];
      }
      const cwd = options.cwd ?? spec.cwd;
      return startServer({ name: target, ...spec, cwd, args, env, port, readyPath: options.readyPath, watchFor: options.watchFor });
    },
    current: '',
  };

  const results = [];
  for (const scenario of selected) {
    ctx.current = scenario.name;
    progress(`${scenario.name}: ${scenario.description}`);
    const started = performance.now();
    try {
      const { rows, details } = await scenario.run(ctx);
      for (const row of rows) {
        row.scenario = scenario.name;
        row.ratio = row.app && row.bare && !row.noRatio ? row.app.median / row.bare.median : NaN;
        row.pass = judge(row);
      }
      results.push({ name: scenario.name, description: scenario.description, seconds: (performance.now() - started) / 1000, rows, details });
    } catch (error) {
      progress(`${scenario.name}: FAILED: ${error.message}`);
      results.push({
        name: scenario.name,
        description: scenario.description,
        error: error.message,
        rows: [{ scenario: scenario.name, metric: String(error.message).split('\n')[0].slice(0, 60), unit: '', error: true, ratio: NaN, pass: null }],
      });
    }
  }

  const rows = results.flatMap((r) => r.rows);
  const machine = `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
  const git = gitState();
  console.log('');
  console.log(`bench ${quick ? '(--quick) ' : ''}${cpuProf ? '(--cpu-prof) ' : ''}${began.toISOString()}  ${git.commit}${git.dirty ? ' (uncommitted changes)' : ''}  ${machine}`);
  console.log('app: node app.js (dist/server.cjs), NODE_ENV=production; bare: tests/bench/bare-hono.ts bundled alike');
  console.log('medians over interleaved rounds (ABBA); ratio = app median / bare median\n');
  console.log(renderTable(rows));
  for (const r of results) {
    if (r.details?.runs) console.log(`\n${r.name}: ${r.details.rounds} round(s) × ${r.details.durationS} s, ${r.details.connections} connections (warm-up ${r.details.warmupS} s)`);
    if (r.details?.rounds && !r.details.runs) console.log(`\n${r.name}: ${r.details.rounds} round(s) each`);
    for (const note of r.details?.notes ?? []) console.log(`${r.name}: ${note}`);
    if (r.error) console.log(`\n${r.name} FAILED:\n${r.error}`);
  }
  if (cpuProf) {
    console.log('\n--cpu-prof: the app ran under the profiler, so its figures above are slower than real');
    for (const r of results) {
      const file = newestProfile(path.join(profiles, r.name));
      if (!file) continue;
      console.log(`\n${r.name}: app profile ${path.relative(root, file)} (last process of the scenario)`);
      console.log(summarizeProfile(file).join('\n'));
    }
  }
  if (loadAtStart > os.cpus().length / 2) {
    console.log(`\nnote: the load average was ${loadAtStart.toFixed(2)} when the run started: other work shared the CPUs, so figures`);
    console.log('are noisier than usual; the ratios of interleaved rounds and "server CPU per request" suffer least');
  }
  if (existsSync(path.join(root, '.env'))) {
    console.log('\nnote: .env exists in the app root: app.js loads it, so variables the bench does not set come from it');
  }

  await mkdir(path.dirname(artifact), { recursive: true });
  const json = { startedAt: began.toISOString(), finishedAt: new Date().toISOString(), quick, argv, node: process.version, cpus: os.cpus().length, loadAtStart, loadavg: os.loadavg(), git, appEnv: { ...APP_ENV, SECRET_KEY: '(random)' }, scenarios: results };
  await writeFile(artifact, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwritten ${path.relative(root, artifact)}`);

  const errored = results.some((r) => r.error) || rows.some((r) => r.warning);
  const missed = rows.some((r) => r.pass === false);
  return errored || (missed && flags.has('--strict')) ? 1 : 0;
}

function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

main().then(
  (code) => finish(code),
  (error) => {
    console.error(`bench: ${error.stack ?? error.message}`);
    finish(1);
  },
);
