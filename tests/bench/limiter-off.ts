/**
 * The bench's "limiter off" build: tests/bench/limits.mjs bundles src/server.ts with every
 * import of src/ratelimit/limiter.ts pointed here, so the app is byte for byte the same except
 * that no request is counted. /api/me through that build, beside the real one, is what the
 * limiter costs. Never part of a release.
 */
import type { Limiter, LimiterDeps } from '../../src/ratelimit/limiter.ts';

export { addressKey } from '../../src/ratelimit/limiter.ts';
export type { Limiter, LimiterDeps } from '../../src/ratelimit/limiter.ts';

// BENCH_END_OF_TURN=1: every request waits for the end of its turn of the event loop, as the
// file store's group commit makes it wait, so that "with" and "without" differ by the limiter's
// own work only (waiting alone changes how the turn's responses leave: see limits.mjs).
const endOfTurn = process.env.BENCH_END_OF_TURN === '1';
let waiting: Array<() => void> = [];
const release = (): void => {
  const batch = waiting;
  waiting = [];
  for (const resume of batch) resume();
};
const turnEnd = (): Promise<void> =>
  new Promise((resolve) => {
    if (waiting.push(resolve) === 1) setImmediate(release);
  });

export function createLimiter(deps: LimiterDeps): Limiter {
  deps.store.close();
  return {
    check: () => Promise.resolve(undefined),
    count: () => Promise.resolve(undefined),
    middleware: () =>
      async function notLimited(_c, next) {
        if (endOfTurn) await turnEnd();
        await next();
      },
  };
}
