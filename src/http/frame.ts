/**
 * The outermost middleware (and the only one on every request): gives the request its id,
 * enforces the body limit, catches what the inner layers throw, adds the security headers to
 * every response (errors and 404s included), marks responses uncacheable unless a route says
 * otherwise, and writes the one access-log line.
 */
import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { createBodyLimit } from './body.ts';
import type { Logger } from '../log/index.ts';
import type { ErrorRenderer } from './error-response.ts';
import { securityHeaders } from './security-headers.ts';

export interface FrameOptions {
  /** Largest request body accepted, in bytes (GET and HEAD carry none and skip the check). */
  readonly bodyLimit: number;
  /** Larger limits for named routes (the CSV import), by path below BASE_PATH. */
  readonly bodyLimits?: Readonly<Record<string, number>>;
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
  const limitBody = createBodyLimit(options.bodyLimit);
  const routeLimits = new Map(Object.entries(options.bodyLimits ?? {}).map(([path, bytes]) => [path, createBodyLimit(bytes)]));

  return async function requestFrame(c, next) {
    const started = now();
    const id = newRequestId();
    c.set('requestId', id);
    // Under Node, the fixed headers go straight onto Node's response: the headers the handler
    // sets are merged over them when the response is written (so a route's own Cache-Control
    // wins), and the handler's response keeps @hono/node-server's fast path. Reading and
    // rewriting c.res.headers instead cost more than routing and handling together.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing !== undefined && typeof outgoing.setHeader === 'function') {
      for (const [name, value] of headers) outgoing.setHeader(name, value);
      outgoing.setHeader('X-Request-Id', id);
      // Private data must not linger in shared or browser caches; static assets opt out explicitly.
      outgoing.setHeader('Cache-Control', 'no-store');
    }
    try {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') await next();
      else await (routeLimits.get(c.req.path) ?? limitBody)(c, next);
    } catch (error) {
      c.res = renderError(error, c);
    }
    if (outgoing === undefined) {
      const out = c.res.headers;
      for (const [name, value] of headers) out.set(name, value);
      out.set('X-Request-Id', id);
      if (!out.has('Cache-Control')) out.set('Cache-Control', 'no-store');
    }
    // Only values we chose: never headers, cookies or the query string (tokens live there).
    logger.access(`${c.req.method} ${rawPath(c.req.url)} ${c.res.status} ${(now() - started).toFixed(1)}ms id=${id}`);
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
