/**
 * One process of a storm against the file store, for the multi-process tests and the bench
 * (bundled with esbuild, so it starts in milliseconds and needs no tsx).
 *
 * argv[2] is JSON: { dir, rule, count, keys, now?, startAt?, probe?, inFlight? }
 *   rule     Flask-Limiter notation, e.g. "100/minute"
 *   keys     "one" (every consume on key "hot") or N (keys k<pid>-0 … k<pid>-(N-1), in turn)
 *   now      a fixed epoch-ms time for every consume (default: Date.now() once, before the storm)
 *   startAt  epoch ms to wait for, so that several processes start together
 *   probe    first consume the key "probe-<pid>", so a test can find this process's lines
 *   inFlight consumes waiting at once (default 1: each alone in its turn of the event loop, the
 *            store's slowest case; a server under load has many, which share one append)
 * Prints one JSON line: { pid, admitted, refused, failed, firstMs, ms, startedAt, endedAt }.
 * Prints "storming" (on stderr) just before the first consume of the storm.
 */
import { parseRate } from '../../src/config/index.ts';
import { createFileStore } from '../../src/ratelimit/file-store.ts';

export interface StormArgs {
  readonly dir: string;
  readonly rule: string;
  readonly count: number;
  readonly keys: 'one' | number;
  readonly now?: number;
  readonly startAt?: number;
  readonly probe?: boolean;
  readonly inFlight?: number;
}

export interface StormResult {
  readonly pid: number;
  readonly admitted: number;
  readonly refused: number;
  /** Consumes that threw (storage errors). */
  readonly failed: number;
  /** The first consume of this process: opening and reading the journal as it stands. */
  readonly firstMs: number;
  readonly ms: number;
  /** Epoch ms (fractional): when the storm started and ended. */
  readonly startedAt: number;
  readonly endedAt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as StormArgs;
  const parsed = parseRate(args.rule);
  if (!parsed.ok) throw new Error(parsed.error);
  const rule = { name: 'storm', windows: parsed.value };
  const store = createFileStore({ dir: args.dir });
  const keyCount = args.keys === 'one' ? 1 : args.keys;
  const keys = Array.from({ length: keyCount }, (_, i) => (args.keys === 'one' ? 'hot' : `k${process.pid}-${i}`));
  if (args.startAt !== undefined) {
    while (Date.now() < args.startAt - 20) await sleep(5);
    while (Date.now() < args.startAt); // the last few ms busy, for a tight common start
  }
  const now = args.now ?? Date.now();
  const first = performance.now();
  let firstMs = NaN;
  if (args.probe === true) {
    await store.consume(`probe-${process.pid}`, rule, now);
    firstMs = performance.now() - first;
  }
  process.stderr.write('storming\n');
  let admitted = 0;
  let failed = 0;
  const startedAt = performance.timeOrigin + performance.now();
  const started = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < args.count; i = next++) {
      try {
        if ((await store.consume(keys[i % keyCount]!, rule, now)).allowed) admitted += 1;
      } catch {
        failed += 1;
      }
      if (i === 0 && Number.isNaN(firstMs)) firstMs = performance.now() - first;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, args.inFlight ?? 1) }, lane));
  const ms = performance.now() - started;
  store.close();
  const result: StormResult = {
    pid: process.pid,
    admitted,
    refused: args.count - admitted - failed,
    failed,
    firstMs,
    ms,
    startedAt,
    endedAt: startedAt + ms,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
