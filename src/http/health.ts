/**
 * GET /healthz: `200 {"status":"ok"}`, or `503` naming each failing part. Results are kept
 * for a second so that a monitoring storm cannot turn the checks into a disk-thrashing load.
 */
import type { Handler } from 'hono';

export interface HealthCheck {
  /** Stable name of the part, e.g. `data_dir`, `database`. */
  readonly name: string;
  /** Resolves when healthy; rejects with an Error whose message is safe to show (no paths' contents, no secrets). */
  check(): Promise<void>;
}

interface Report {
  readonly ok: boolean;
  readonly body: string;
}

const CACHE_MS = 1000;

export function createHealth(checks: readonly HealthCheck[], now: () => number): Handler {
  let cached: { at: number; report: Promise<Report> } | undefined;

  const run = async (): Promise<Report> => {
    const results = await Promise.all(
      checks.map(async (part) => {
        try {
          await part.check();
          return undefined;
        } catch (error) {
          return { part: part.name, problem: error instanceof Error ? error.message : 'failed' };
        }
      }),
    );
    const failing = results.filter((r) => r !== undefined);
    return failing.length === 0
      ? { ok: true, body: '{"status":"ok"}' }
      : { ok: false, body: JSON.stringify({ status: 'unavailable', error: 'unavailable', failing }) };
  };

  return async function health(c) {
    const t = now();
    if (cached === undefined || t - cached.at >= CACHE_MS) cached = { at: t, report: run() };
    const report = await cached.report;
    return c.body(report.body, report.ok ? 200 : 503, { 'Content-Type': 'application/json; charset=utf-8' });
  };
}
