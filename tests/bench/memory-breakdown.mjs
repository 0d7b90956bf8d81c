// Where one app process's memory goes (issue 15), run by hand:
//
//   node tests/bench/memory-breakdown.mjs              the table below, one process
//   node tests/bench/memory-breakdown.mjs --gc         also heapUsed after a full GC at each moment
//                                                      (the process runs with --expose-gc; a GC
//                                                      at each moment changes later ones a little)
//   node tests/bench/memory-breakdown.mjs --snapshot   also a heap snapshot at each moment, in
//                                                      tests/artifacts/heap/ (open in Chrome DevTools)
//
// The same visit as the bench's `memory` scenario (tests/bench/memory.mjs: 100,000 records,
// sign-in, the all-time view, a PDF, 200 more views, another PDF and a few idle seconds), with
// tests/bench/memory-probe.cjs preloaded into `node app.js`: at each moment it answers SIGUSR2
// with process.memoryUsage() (heapUsed, external, arrayBuffers), the WebAssembly memories' size
// (sql.js) and smaps_rollup (RSS, anonymous). Prints the table and writes
// tests/artifacts/memory-breakdown.json. Only 127.0.0.1; the server is stopped on every exit path.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from '../../build.mjs';
import { freePort, killAll, sleep, startServer } from './lib.mjs';
import { MEMORY_APP_ENV, MOMENTS, seedMemoryDataDir, walkApp } from './memory.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const flags = new Set(process.argv.slice(2));
for (const flag of flags) if (!['--gc', '--snapshot'].includes(flag)) throw new Error(`unknown option ${flag} (known: --gc --snapshot)`);
const artifact = path.join(root, 'tests/artifacts/memory-breakdown.json');
const snapshots = path.join(root, 'tests/artifacts/heap');

/** As run.mjs: none of the app's own variables, NODE_OPTIONS or npm's may leak into the server. */
const SCRUB = /^(NODE_ENV|NODE_OPTIONS|PORT|BASE_PATH|PASSENGER_BASE_URI|DATA_DIR|SECRET_KEY.*|ACCESS_TOKEN_TTL|REFRESH_TOKEN_TTL|TRUST_PROXY|RATE_LIMIT_.*|WP_.*|BOT_POW|ADMIN_.*|npm_.*)$/i;
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SCRUB.test(name)));
const APP_ENV = { NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('hex'), BASE_PATH: '/', RATE_LIMIT_DEFAULT: '999999999/minute', ...MEMORY_APP_ENV };

const tmp = await mkdtemp(path.join(os.tmpdir(), 'dashboard-memory-'));
const finish = (code) => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => finish(130));
setTimeout(() => {
  console.error('memory-breakdown: still running after 5 minutes: stopping');
  finish(1);
}, 5 * 60_000).unref();

async function start({ dataDir, env = {}, probe = null }) {
  const port = await freePort();
  const args = probe === null ? ['app.js'] : ['--expose-gc', '-r', path.join(here, 'memory-probe.cjs'), 'app.js'];
  return startServer({
    name: 'app',
    command: process.execPath,
    args,
    cwd: root,
    env: { ...baseEnv, ...APP_ENV, ...env, ...(probe === null ? {} : { MEMORY_PROBE_OUT: probe }), PORT: String(port), DATA_DIR: dataDir },
    port,
  });
}

/** Asks the probe for a reading and waits for its line (the handler runs within a turn or two). */
async function reading(server, out, moment) {
  const before = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).length : 0;
  writeFileSync(`${out}.request`, JSON.stringify({ moment, gc: flags.has('--gc'), snapshot: flags.has('--snapshot') ? snapshots : null }));
  process.kill(server.pid, 'SIGUSR2');
  for (let waited = 0; waited < 30_000; waited += 20) {
    const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > before) return JSON.parse(lines.at(-1));
    await sleep(20);
  }
  throw new Error(`the probe did not answer for "${moment}"`);
}

async function main() {
  await buildAll({ quiet: true });
  if (flags.has('--snapshot')) await mkdir(snapshots, { recursive: true });
  const data = await seedMemoryDataDir({ root, tmp, records: 100_000, start });
  const out = path.join(tmp, 'probe.jsonl');
  const server = await start({ dataDir: data.dataDir, probe: out });
  const readings = [];
  try {
    await walkApp(server, data, async (moment) => readings.push(await reading(server, out, moment)));
  } finally {
    await server.stop();
  }

  const MiB = (bytes) => (bytes === undefined ? '—' : (bytes / 1048576).toFixed(1));
  const columns = [
    ['RSS', (r) => r.smapsRss],
    ['anonymous', (r) => r.smapsAnonymous],
    ['heapUsed', (r) => r.heapUsed],
    ['heapTotal', (r) => r.heapTotal],
    ['external', (r) => r.external],
    ['arrayBuffers', (r) => r.arrayBuffers],
    ['WASM memory', (r) => r.wasm],
    ...(flags.has('--gc') ? [['heapUsed after GC', (r) => r.afterGc?.heapUsed]] : []),
    ['anon − heapTotal − external', (r) => r.smapsAnonymous - r.heapTotal - r.external],
  ];
  const header = ['moment (MiB)', ...columns.map(([name]) => name)];
  const lines = readings.map((r) => [r.moment, ...columns.map(([, pick]) => MiB(pick(r)))]);
  const widths = header.map((_, i) => Math.max(...[header, ...lines].map((cells) => cells[i].length)));
  const fmt = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  console.log(`\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}; app: node --expose-gc -r memory-probe.cjs app.js, 100,000 records`);
  console.log(fmt(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const line of lines) console.log(fmt(line));
  console.log('\nWASM memory (sql.js\'s heap: SQLite and its page cache) is counted in external, not in arrayBuffers; the database');
  console.log('files themselves sit in sql.js\'s in-memory file system as JavaScript arrays (arrayBuffers). All of it is anonymous.');
  console.log('"anon − heapTotal − external": native memory outside V8 (malloc arenas: file reads, OpenSSL, compiled code), roughly.');
  if (readings.length !== MOMENTS.length) console.log(`(only ${readings.length} of ${MOMENTS.length} moments read)`);
  await mkdir(path.dirname(artifact), { recursive: true });
  writeFileSync(artifact, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, flags: [...flags], readings }, null, 2)}\n`);
  console.log(`written ${path.relative(root, artifact)}`);
}

main().then(
  () => finish(0),
  (error) => {
    console.error(`memory-breakdown: ${error.stack ?? error.message}`);
    finish(1);
  },
);
