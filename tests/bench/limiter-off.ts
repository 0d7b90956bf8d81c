/**
 * The bench's "limiter off" build: tests/bench/limits.mjs bundles src/server.ts with every
 * import of src/ratelimit/limiter.ts pointed here, so the app is byte for byte the same except
 * that no request is counted. /api/me through that build, beside the real one, is what the
 * limiter costs. Never part of a release.
 */
import type { Limiter, LimiterDeps } from '../../src/ratelimit/limiter.ts';

export { addressKey } from '../../src/ratelimit/limiter.ts';
export type { Limiter, LimiterDeps } from '../../src/ratelimit/limiter.ts';

export function createLimiter(deps: LimiterDeps): Limiter {
  deps.store.close();
  return {
    check: () => Promise.resolve(undefined),
    middleware: () =>
      async function notLimited(_c, next) {
        await next();
      },
  };
}
