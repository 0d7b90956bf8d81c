/**
 * The frame around every request: gives it its id, adds the security headers to every response
 * (errors, 404s and static files included), marks responses uncacheable unless a route says
 * otherwise, and writes the one access-log line.
 *
 * It wraps the app's `fetch` instead of being a Hono middleware: a middleware on every route
 * would put every route through Hono's asynchronous middleware chain, and a route with a single
 * synchronous handler (the health check) could no longer answer in the same turn. Errors thrown
 * by routes are Hono's to catch (`app.onError`); the frame sees only finished responses.
 */
import type { Logger } from '../log/index.ts';
import { FramedResponse, fixedHeaders, framingHeaders } from './framed-response.ts';
import { securityHeaders } from './security-headers.ts';

/** What every request's `c.env` carries: the id, and under Node @hono/node-server's request and response. */
export interface FrameBindings {
  requestId: string;
  /** performance.now() when the frame got the request: it had arrived by then (see DatabaseFile.readMemo). */
  receivedAt: number;
  incoming?: unknown;
  outgoing?: unknown;
}

export type Fetch = (request: Request, env?: unknown) => Response | Promise<Response>;
type Handle = (request: Request, env: FrameBindings) => Response | Promise<Response>;

export interface FrameOptions {
  readonly config: { readonly production: boolean };
  readonly logger: Logger;
  readonly newRequestId: () => string;
  readonly now?: () => number;
}

/** `dispatch` hands the request on (to the app, or the part of it that serves the path). */
export function frame(options: FrameOptions, dispatch: (request: Request) => Handle): Fetch {
  const fixed = fixedHeaders(securityHeaders({ production: options.config.production }));
  const now = options.now ?? performance.now.bind(performance);
  const { logger, newRequestId } = options;

  return function framedFetch(request, env) {
    const started = now();
    const id = newRequestId();
    // @hono/node-server's env ({ incoming, outgoing }) is made per request; app.request() in
    // tests passes none.
    const bindings = (env ?? {}) as FrameBindings;
    bindings.requestId = id;
    bindings.receivedAt = options.now === undefined ? started : performance.now();
    // Under Node (server.ts), the headers ride on the response object and are merged into its
    // one writeHead() (see framed-response.ts); elsewhere (app.request() in tests, another
    // server) they are set on the handler's Response.
    const outgoing = bindings.outgoing;
    const framed = outgoing instanceof FramedResponse;
    if (framed) outgoing.frame(fixed, id);

    const finish = (response: Response): Response => {
      if (!framed) {
        const out = response.headers;
        const list = framingHeaders(fixed, id, out.get('Content-Type'), (name) => out.has(name));
        for (let i = 0; i < list.length; i += 2) out.set(list[i]!, list[i + 1]!);
      }
      // Only values we chose: never headers, cookies or the query string (tokens live there).
      logger.access(`${request.method} ${rawPath(request.url)} ${response.status} ${milliseconds(now() - started)}ms id=${id}`);
      return response;
    };

    const response = dispatch(request)(request, bindings);
    return response instanceof Promise ? response.then(finish) : finish(response);
  };
}

/** `12.3`: one decimal, without toFixed() (measurable on the hot path). */
function milliseconds(elapsed: number): string {
  const tenths = Math.max(0, Math.round(elapsed * 10));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
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
