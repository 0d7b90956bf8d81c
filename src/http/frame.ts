/**
 * The outermost middleware: gives the request its id, catches what the inner layers throw,
 * adds the security headers to every response (errors and 404s included), marks API
 * responses uncacheable, and writes the one access-log line.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log/index.ts';
import type { ErrorRenderer } from './error-response.ts';
import { securityHeaders } from './security-headers.ts';

export interface FrameOptions {
  readonly config: { readonly production: boolean };
  readonly logger: Logger;
  readonly newRequestId: () => string;
  readonly now?: () => number;
  readonly renderError: ErrorRenderer;
}

export function frame(options: FrameOptions): MiddlewareHandler {
  const headers = securityHeaders({ production: options.config.production });
  const now = options.now ?? (() => performance.now());
  const { logger, newRequestId, renderError } = options;

  return async function requestFrame(c, next) {
    const started = now();
    const id = newRequestId();
    c.set('requestId', id);
    try {
      await next();
    } catch (error) {
      c.res = renderError(error, c);
    }
    const out = c.res.headers;
    for (const [name, value] of headers) out.set(name, value);
    out.set('X-Request-Id', id);
    // Private data must not linger in shared or browser caches; static assets opt out explicitly.
    if (!out.has('Cache-Control')) out.set('Cache-Control', 'no-store');
    // Only values we chose: never headers, cookies or the query string (tokens live there).
    logger.info(`${c.req.method} ${rawPath(c.req.url)} ${c.res.status} ${(now() - started).toFixed(1)}ms`, { id });
  };
}

function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf(':') + 3);
  let end = url.length;
  const query = url.indexOf('?', start);
  if (query !== -1) end = query;
  const hash = url.indexOf('#', start);
  if (hash !== -1 && hash < end) end = hash;
  const path = start === -1 ? '/' : url.slice(start, end);
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
