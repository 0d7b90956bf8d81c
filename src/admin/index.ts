/** The admin API (`/api/admin/...`): signed in, CSRF on changes, and the `admin` role — checked before any route runs. */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { requireRole, requireSession, type SessionDeps } from '../auth/session.ts';
import type { Figures } from '../figures/figures.ts';
import type { CsvImporter } from '../figures/importer.ts';
import type { Limiter } from '../ratelimit/limiter.ts';
import type { Rule } from '../ratelimit/store.ts';
import { adminAuditRoutes } from './audit.ts';
import { adminImportRoutes, auditRefusedImport } from './imports.ts';
import { adminMetricRoutes } from './metrics.ts';
import { adminUserRoutes } from './users.ts';
import { adminDefenceRoutes } from './defences.ts';
import type { RefusalRecorder } from '../bot/refusals.ts';

export { IMPORT_BODY_LIMIT } from './imports.ts';

export interface AdminDeps extends SessionDeps {
  readonly figures: Figures;
  readonly importCsv: CsvImporter;
  readonly clientAddress: ClientAddress;
  /** Per admin: imports rewrite the figures file (RATE_LIMIT_IMPORT). */
  readonly limits?: { readonly limiter: Limiter; readonly import: Rule };
  /** The anti-bot defences' recorder (bot/refusals.ts), flushed before the defences are shown. */
  readonly refusals?: RefusalRecorder;
}

export function adminRoutes(app: Hono<AppEnv>, deps: AdminDeps): void {
  app.use('/api/admin/*', requireSession(deps), requireRole('admin'));
  const { limits } = deps;
  if (limits !== undefined) {
    app.post('/api/admin/imports', async function importLimited(c, next) {
      try {
        await limits.limiter.check(c, limits.import, `user:${c.get('session').user.id}`);
      } catch (error) {
        await auditRefusedImport(deps, c, error);
        throw error;
      }
      await next();
    });
  }
  adminUserRoutes(app, deps);
  adminImportRoutes(app, deps);
  adminAuditRoutes(app, deps);
  adminMetricRoutes(app, deps);
  adminDefenceRoutes(app, { ...deps, now: () => deps.tokens.now() });
}
