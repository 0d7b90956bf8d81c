/** `memory://`: counters in this process only. For one process (tests, a single worker); the file store is for Passenger. */
import { decide, windowIndex, windowReset, type Decision, type RateLimitStore, type Rule } from './store.ts';

export function createMemoryStore(): RateLimitStore {
  // "<windowSeconds>:<index>" → key → count; whole windows are dropped once they end.
  const windows = new Map<string, Map<string, number>>();
  let sweptAt = 0;

  const sweep = (now: number): void => {
    if (now - sweptAt < 1000) return;
    sweptAt = now;
    for (const id of windows.keys()) {
      const [seconds, index] = id.split(':').map(Number) as [number, number];
      if (windowReset(index, seconds) <= now) windows.delete(id);
    }
  };

  return {
    async consume(key: string, rule: Rule, now: number): Promise<Decision> {
      sweep(now);
      const counted = `${rule.name}/${key}`;
      const slots = rule.windows.map((w) => {
        const index = windowIndex(now, w.windowSeconds);
        const id = `${w.windowSeconds}:${index}`;
        let counts = windows.get(id);
        if (counts === undefined) windows.set(id, (counts = new Map()));
        return { w, counts, before: counts.get(counted) ?? 0, resetAt: windowReset(index, w.windowSeconds) };
      });
      // A full window refuses without counting anywhere: a refused flood must not use up the
      // other windows, nor grow memory.
      const full = slots.some((s) => s.before >= s.w.limit);
      return decide(
        slots.map((s) => {
          const count = full ? s.before : s.before + 1;
          if (!full) s.counts.set(counted, count);
          return {
            limit: s.w.limit,
            windowSeconds: s.w.windowSeconds,
            remaining: Math.max(0, s.w.limit - count),
            resetAt: s.resetAt,
            allowed: full ? s.before < s.w.limit : true,
          };
        }),
        now,
      );
    },
    close() {
      windows.clear();
    },
  };
}
