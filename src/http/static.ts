/**
 * GET /assets/<file>: built browser files, with a strong ETag, `304` on a match, and a
 * year-long immutable cache for content-hashed names (a new build means new names).
 */
import type { Hono } from 'hono';
import type { AssetStore } from './assets.ts';
import { AppError } from './errors.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'public, max-age=0, must-revalidate';

// any: accepts the app whatever its Env type; only get() is used.
export function staticRoutes(app: Hono<any>, assets: AssetStore): void {
  app.get('/assets/:file', async function serveAsset(c) {
    const asset = await assets.get(c.req.param('file'));
    if (asset === undefined) throw new AppError('not_found');
    const headers: Record<string, string> = {
      ETag: asset.etag,
      'Cache-Control': asset.immutable ? IMMUTABLE : REVALIDATE,
    };
    if (matches(c.req.header('If-None-Match'), asset.etag)) return c.body(null, 304, headers);
    headers['Content-Type'] = asset.contentType;
    headers['Content-Length'] = String(asset.body.byteLength);
    return c.body(asset.body, 200, headers);
  });
}

function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
