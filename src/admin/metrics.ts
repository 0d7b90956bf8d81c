/**
 * Admin API: how each metric is written. `GET /api/admin/metrics` lists every metric's unit and
 * decimal places (`set: false` where the data still decides); `PUT /api/admin/metrics/:metric`
 * with `{unit, decimals}` sets them (`null` returns a part to the default). Audited as
 * `metric_format`.
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { readJsonObject } from '../http/body.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import type { Session } from '../auth/session.ts';
import type { Figures } from '../figures/figures.ts';
import { checkDecimals, checkUnit } from '../figures/metric-formats.ts';
import type { Store } from '../store/index.ts';

export interface AdminMetricDeps {
  readonly figures: Figures;
  readonly store: Store;
  readonly clientAddress: ClientAddress;
}

function readUnit(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new AppError('bad_request', { message: 'unit must be text (or null for none).', details: { field: 'unit' } });
  const problem = checkUnit(value.normalize('NFC'));
  if (problem !== undefined) throw new AppError('bad_request', { message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.`, details: { field: 'unit' } });
  return value.normalize('NFC');
}

function readDecimals(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const problem = typeof value === 'number' ? checkDecimals(value) : 'decimals must be a number';
  if (problem !== undefined) throw new AppError('bad_request', { message: `${problem[0]!.toUpperCase()}${problem.slice(1)}.`, details: { field: 'decimals' } });
  return value as number;
}

export function adminMetricRoutes(app: Hono<AppEnv>, deps: AdminMetricDeps): void {
  app.get('/api/admin/metrics', async function metricFormats(c) {
    return c.json({ metrics: await deps.figures.metricFormats() });
  });

  app.put('/api/admin/metrics/:metric', async function setMetricFormat(c) {
    const session = c.get('session') as Session;
    const metric = c.req.param('metric').normalize('NFC');
    const known = (await deps.figures.metricFormats()).some((f) => f.metric === metric);
    if (!known) throw new AppError('not_found', { message: 'There is no such metric in the figures.' });
    const body = await readJsonObject(c);
    const unit = readUnit(body.unit);
    const decimals = readDecimals(body.decimals);
    const format = await deps.figures.setMetricFormat(metric, unit, decimals);
    await deps.store.audit({
      action: 'metric_format',
      outcome: 'success',
      actorId: session.user.id,
      actor: session.user.username,
      ip: deps.clientAddress(c),
      target: metric,
      detail: `unit ${unit === null ? 'none' : JSON.stringify(unit)}, decimals ${decimals ?? 'from the data'}`,
    });
    return c.json({ metric: format });
  });
}
