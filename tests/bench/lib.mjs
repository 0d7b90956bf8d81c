// Benchmark helpers: servers as child processes (spawn, wait for the first 200, stop), free
// ports, statistics, an autocannon wrapper and the result table. No test framework: this is a
// measuring tool, and everything in it is bounded in time.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import autocannon from 'autocannon';

const HOST = '127.0.0.1';
/** USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on every Linux this runs on). */
const CLOCK_TICKS = 100;

// ---------------------------------------------------------------------------------------------
// Statistics

/** Percentile with linear interpolation between closest ranks; p in [0, 100]. */
export function percentile(values, p) {
  return sortedPercentile(Float64Array.from(values).sort(), p);
}

function sortedPercentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export const median = (values) => percentile(values, 50);

/**
 * What the table shows of one series of per-round figures.
 * @param {number[]} samples
 */
export function summarize(samples) {
  return {
    n: samples.length,
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    p95: percentile(samples, 95),
    samples: samples.map((v) => Math.round(v * 1000) / 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set();

/** Kills every server still running (SIGKILL): for the exit paths, where waiting is not an option. */
export function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Registers a child process that is not a server (a bench worker) so that killAll() ends it too. */
export function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One GET on a fresh connection. Resolves with the status code (0 when nothing answered:
 * refused, reset, closed early, timed out) and when the connection was accepted (or null).
 * @returns {Promise<{ status: number, connectedAt: number | null }>}
 */
export function probe(port, path, timeoutMs = 2000) {
  return new Promise((resolve) => {
    let settled = false;
    let head = '';
    let connectedAt = null;
    const socket = net.connect({ host: HOST, port });
    const done = (status) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ status, connectedAt });
    };
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => done(0));
    socket.on('connect', () => {
      connectedAt = performance.now();
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      if (match) done(Number(match[1]));
      else if (head.length > 64) done(0);
    });
    socket.on('error', () => done(0));
    socket.on('close', () => done(0));
  });
}

/** Keeps the byte count and the last few KiB of a stream that must be drained. */
function drain(stream) {
  const keep = 8 * 1024;
  const state = { bytes: 0, tail: '' };
  stream.on('data', (chunk) => {
    state.bytes += chunk.length;
    state.tail = (state.tail + chunk.toString('utf8')).slice(-keep);
  });
  return state;
}

/**
 * Spawns a server and waits for its first `200` on `readyPath`, polling with a fresh connection
 * every `pollMs`. The clock starts just before spawn(), so the figure is what a visitor waits
 * for when Passenger starts a process for them: node's own boot, loading the bundle, start-up
 * work, and the first request.
 *
 * stdout and stderr are pipes that are read continuously (as under Passenger), never a terminal.
 *
 * @param {{ name: string, command: string, args: string[], cwd: string, env: Record<string,string>,
 *           port: number, readyPath?: string, timeoutMs?: number, pollMs?: number,
 *           watchFor?: string }} spec
 */
export async function startServer(spec) {
  const { name, command, args, cwd, env, port, readyPath = '/healthz', timeoutMs = 15_000, pollMs = 1 } = spec;
  const started = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const stdout = drain(child.stdout);
  const stderr = drain(child.stderr);

  // `watchFor`: when a line containing this text first appeared on stdout (e.g. "listening").
  let watchedMs = null;
  if (spec.watchFor) {
    const onData = (chunk) => {
      if (chunk.toString('utf8').includes(spec.watchFor)) {
        watchedMs = performance.now() - started;
        child.stdout.off('data', onData);
      }
    };
    child.stdout.on('data', onData);
  }

  let exit = null;
  const closed = new Promise((resolve) => {
    child.once('error', (error) => {
      exit ??= { code: null, signal: null, error: error.message };
      live.delete(child);
      resolve(exit);
    });
    child.once('exit', (code, signal) => {
      exit ??= { code, signal };
      live.delete(child);
    });
    child.once('close', () => resolve(exit));
  });

  const output = () => `${stderr.tail}${stdout.tail}`.trim().split('\n').slice(-15).join('\n');
  const server = {
    name,
    port,
    pid: child.pid,
    child,
    stdout,
    stderr,
    url: (path = '/') => `http://${HOST}:${port}${path}`,
    output,
    /** Resident memory in KiB (Linux), or null. */
    rssKiB() {
      try {
        const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return match ? Number(match[1]) : null;
      } catch {
        return null;
      }
    },
    /** CPU time (user + system) the process has used so far, in ms (Linux), or null. */
    cpuMs() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // fields[11], fields[12]: utime, stime (fields 14 and 15 of proc(5)), in clock ticks.
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
      } catch {
        return null;
      }
    },
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone and its pipes closed. */
    async stop(graceMs = 5000) {
      if (exit === null) {
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await closed;
        clearTimeout(force);
      } else {
        await closed;
      }
      return exit;
    },
    /** spawn → the port first accepted a connection (boot, bundle loaded, listening). */
    acceptMs: NaN,
    /** spawn → first 200. */
    readyMs: NaN,
    /** spawn → `watchFor` first seen on stdout, or null. */
    watchedMs: null,
  };

  const deadline = started + timeoutMs;
  try {
    for (;;) {
      if (exit !== null) throw new Error(`${name} exited before answering (${describeExit(exit)})`);
      const now = performance.now();
      if (now > deadline) throw new Error(`${name} did not answer 200 on ${readyPath} within ${timeoutMs} ms`);
      const { status, connectedAt } = await probe(port, readyPath, Math.max(1, deadline - now));
      if (connectedAt !== null && Number.isNaN(server.acceptMs)) server.acceptMs = connectedAt - started;
      if (status === 200) break;
      await sleep(pollMs);
    }
    // A 200 from a process that has died came from whoever else took the port.
    if (exit !== null) throw new Error(`${name} exited (${describeExit(exit)}): the 200 came from another process on port ${port}`);
  } catch (error) {
    await server.stop(1000);
    await sleep(0);
    const tail = output();
    throw new Error(`${error.message}${tail ? `\n--- last output of ${name} ---\n${tail}` : ''}`);
  }
  server.readyMs = performance.now() - started;
  server.watchedMs = watchedMs;
  return server;
}

function describeExit(exit) {
  if (exit.error) return exit.error;
  return exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`;
}

// ---------------------------------------------------------------------------------------------
// Load (autocannon, in this process: one core drives, the other serves)

/**
 * Runs autocannon against one server and keeps every response's latency for exact percentiles.
 * @param {{ url: string, connections?: number, pipelining?: number, durationS: number,
 *           method?: string, headers?: Record<string,string>, body?: string,
 *           expectStatus?: number, rate?: number }} options
 * `rate`: requests per second in all (autocannon's overallRate); without it, as fast as the server answers.
 */
export async function load(options) {
  const { url, connections = 50, pipelining = 1, durationS, method = 'GET', headers = {}, body, expectStatus = 200, rate } = options;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let unexpected = 0;
  const statuses = {};

  const instance = autocannon({ url, connections, pipelining, duration: durationS, method, headers, body, timeout: 10, ...(rate === undefined ? {} : { overallRate: rate }) });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status !== expectStatus) unexpected += 1;
  });
  // autocannon stops itself after `duration`; this is only the safety net.
  const guard = setTimeout(() => instance.stop(), (durationS + 15) * 1000);
  let result;
  try {
    result = await instance;
  } finally {
    clearTimeout(guard);
  }
  const sorted = latencies.subarray(0, count).sort();
  return {
    rps: result.duration > 0 ? result.requests.total / result.duration : 0,
    requests: result.requests.total,
    durationS: result.duration,
    p50: sortedPercentile(sorted, 50),
    p95: sortedPercentile(sorted, 95),
    p99: sortedPercentile(sorted, 99),
    max: sortedPercentile(sorted, 100),
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected,
    statuses,
  };
}

/**
 * `run()` (a load() against `server`), with the server's CPU per request in µs (unlike req/s,
 * not capped by the load generator sharing the cores) and how busy it was, in % of one core
 * (below ~95 % it was not saturated: starved by other processes, or client-bound).
 */
export async function measured(server, run) {
  const before = server.cpuMs();
  const result = await run();
  const after = server.cpuMs();
  const used = before === null || after === null ? NaN : after - before;
  result.cpuUsPerRequest = result.requests === 0 ? NaN : (used * 1000) / result.requests;
  result.serverBusyPercent = (used * 100) / (result.durationS * 1000);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Output

const UNITS = {
  ms: (v) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`,
  'req/s': (v) => `${Math.round(v).toLocaleString('en-US')} req/s`,
  'µs': (v) => `${v.toFixed(1)} µs`,
  '%': (v) => `${v.toFixed(0)} %`,
  MiB: (v) => `${v.toFixed(1)} MiB`,
  'ops/s': (v) => `${Math.round(v).toLocaleString('en-US')} ops/s`,
  count: (v) => `${Math.round(v)}`,
  '×': (v) => `${v.toFixed(2)}×`,
};

export function formatValue(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return (UNITS[unit] ?? ((v) => `${v} ${unit}`))(value);
}

function formatRange(summary, unit) {
  if (!summary || summary.n < 2) return '';
  const short = (v) => formatValue(v, unit).replace(/ .*$/, '');
  return `${short(summary.min)}–${short(summary.max)}`;
}

/** "≤ 1.20×" / "≥ 0.85×" for a goal on the ratio; "≥ 100,000 ops/s" for one on the app's own figure (`value`). */
export function formatGoal(goal, unit) {
  if (!goal) return '';
  const op = goal.op === '<=' ? '≤' : '≥';
  return goal.value === undefined ? `${op} ${goal.ratio.toFixed(2)}×` : `${op} ${formatValue(goal.value, unit)}`;
}

export function judge(row) {
  if (!row.goal) return null;
  const [figure, target] = row.goal.value === undefined ? [row.ratio, row.goal.ratio] : [row.app?.median, row.goal.value];
  if (!Number.isFinite(figure)) return null;
  return row.goal.op === '<=' ? figure <= target : figure >= target;
}

/**
 * The result table: one line per figure, the app's median and spread beside the bare Hono's,
 * the ratio app/bare, and the goal when there is one.
 */
export function renderTable(rows) {
  const header = ['scenario', 'metric', 'app median', '(min–max)', 'bare median', '(min–max)', 'app/bare', 'goal', 'result'];
  const lines = rows.map((row) => {
    const goal = row.pass === null || row.pass === undefined ? '' : row.pass ? 'ok' : 'MISSED';
    const verdict = row.error ? 'ERROR' : [goal, row.warning ? `CHECK: ${row.warning}` : ''].filter(Boolean).join('; ');
    return [
      row.scenario,
      row.metric,
      formatValue(row.app?.median, row.unit),
      formatRange(row.app, row.unit),
      formatValue(row.bare?.median, row.unit),
      formatRange(row.bare, row.unit),
      Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '',
      formatGoal(row.goal, row.unit),
      verdict,
    ];
  });
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i].length)));
  const right = new Set([2, 4, 6]);
  const fmt = (cells) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [fmt(header), rule, ...lines.map(fmt)].join('\n');
}

/** A bundled worker run with its JSON argument; resolves with the JSON of its last stdout line. */
export function runWorker(worker, args, label = 'worker') {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [worker, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()));
      else reject(new Error(`${label} ended with ${code}: ${err.slice(-500)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Memory (Linux)

const ROLLUP_FIELDS = { Rss: 'rss', Pss: 'pss', Anonymous: 'anonymous', Private_Dirty: 'privateDirty', Shared_Clean: 'sharedClean', Shared_Dirty: 'sharedDirty', Swap: 'swap' };

/**
 * A process's memory from /proc/PID/smaps_rollup, in KiB: `rss`, `anonymous` (what the process
 * itself allocated: heaps, WASM memory, malloc arenas; what a memory cap can never reclaim),
 * `privateDirty`, `shared` (clean + dirty), `pss`, `swap`; null when the file cannot be read.
 * Rss − Anonymous is file-backed (node's binary, mapped files): the kernel may drop it.
 * @param {number} pid
 */
export function smapsRollup(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return null;
  }
  const result = {};
  for (const [, field, kib] of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) {
    if (field in ROLLUP_FIELDS) result[ROLLUP_FIELDS[field]] = Number(kib);
  }
  result.shared = (result.sharedClean ?? 0) + (result.sharedDirty ?? 0);
  return result;
}
