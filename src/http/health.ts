/**
 * GET /healthz: `200 {"status":"ok"}`, or `503` naming each failing part. Results are kept
 * for a second so that a monitoring storm cannot turn the checks into a disk-thrashing load.
 */
import type { Context, Handler } from 'hono';
import { failingParts, type HealthCheck } from '../health/index.ts';

interface Report {
  readonly ok: boolean;
  readonly body: string;
}

const CACHE_MS = 1000;

interface Cached {
  readonly at: number;
  readonly report: Promise<Report>;
  /** The report, once `report` has settled (run() never rejects). */
  settled?: Report;
}

export function createHealth(checks: readonly HealthCheck[], now: () => number): Handler {
  let cached: Cached | undefined;

  const run = async (): Promise<Report> => {
    const failing = await failingParts(checks);
    return failing.length === 0
      ? { ok: true, body: '{"status":"ok"}' }
      : { ok: false, body: JSON.stringify({ status: 'unavailable', error: 'unavailable', failing }) };
  };

  const respond = (c: Context, report: Report): Response =>
    c.body(report.body, report.ok ? 200 : 503, { 'Content-Type': 'application/json; charset=utf-8' });

  // Synchronous while the last report is fresh and settled: the answer leaves in the same turn.
  return function health(c) {
    const t = now();
    if (cached === undefined || t - cached.at >= CACHE_MS) {
      const entry: Cached = { at: t, report: run() };
      void entry.report.then((report) => (entry.settled = report));
      cached = entry;
    }
    const { settled, report } = cached;
    return settled === undefined ? report.then((r) => respond(c, r)) : respond(c, settled);
  };
}
