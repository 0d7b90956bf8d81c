/**
 * Turns anything thrown during a request into the error contract: `{"error": code, "message"}`
 * under /api/, a page elsewhere. Unknown errors become `500 internal_error` with the request
 * id; their message and stack go to the log only, never to the client.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from '../log/index.ts';
import type { AssetUrls } from './html.ts';
import { escapeHtml, renderPage } from './html.ts';
import { AppError, ERRORS, type ErrorCode } from './errors.ts';

export interface ErrorRendererDeps {
  readonly logger: Logger;
  readonly assets: AssetUrls;
  readonly basePath: string;
}

export type ErrorRenderer = (error: unknown, c: Context) => Response;

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Method not allowed',
  413: 'Too large',
  428: 'One more step',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Unavailable',
};

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

export function createErrorRenderer(deps: ErrorRendererDeps): ErrorRenderer {
  return function renderError(error, c) {
    // Set by the frame (frame.ts) on every request.
    const requestId = (c.env as { requestId?: string } | undefined)?.requestId ?? '';
    const appError = toAppError(error);
    if (appError === undefined) {
      deps.logger.error('unhandled error', { id: requestId, error: describe(error) });
    } else if (appError.code === 'unavailable' && appError.cause instanceof Error) {
      // The part that failed (storage, the report's font, the import process) says what in its message.
      deps.logger.warn('service unavailable', { id: requestId, error: appError.cause.message });
    }
    const failure = appError ?? new AppError('internal_error');
    const body: Record<string, unknown> = { error: failure.code, message: failure.message, ...failure.details };
    if (failure.status >= 500) body.requestId = requestId;

    const headers = new Headers(failure.headers);
    if (isApiPath(c.req.path)) {
      headers.set('Content-Type', 'application/json; charset=utf-8');
      return new Response(JSON.stringify(body), { status: failure.status, headers });
    }
    headers.set('Content-Type', 'text/html; charset=utf-8');
    return new Response(errorPage(failure, requestId, deps), { status: failure.status, headers });
  };
}

/**
 * Storage that cannot be reached or written is our outage, not the client's mistake: 503, retry
 * soon. So is every heavy-work slot of the account being taken (jobs/account-slots.ts).
 */
const UNAVAILABLE = new Set(['StoreUnavailableError', 'StoreWriteError', 'LockTimeoutError', 'SlotsBusyError']);

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof Error && UNAVAILABLE.has(error.name)) {
    return new AppError('unavailable', { headers: { 'Retry-After': '5' }, cause: error });
  }
  if (error instanceof HTTPException) {
    // Hono's own middleware throws these; keep the status, use our code and wording.
    const code = codeForStatus(error.status);
    return code === undefined ? undefined : new AppError(code, { cause: error });
  }
  return undefined;
}

function codeForStatus(status: number): ErrorCode | undefined {
  const byStatus: Readonly<Record<number, ErrorCode>> = {
    400: 'bad_request',
    401: 'token_missing',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    413: 'payload_too_large',
    429: 'rate_limited',
    503: 'unavailable',
  };
  return byStatus[status];
}

function errorPage(error: AppError, requestId: string, deps: ErrorRendererDeps): string {
  const title = TITLES[error.status] ?? ERRORS[error.code].message;
  const reference =
    error.status >= 500 ? `<p class="reference">Reference: <code>${escapeHtml(requestId)}</code></p>` : '';
  const body =
    `<main class="message" aria-labelledby="title"><h1 id="title">${escapeHtml(title)}</h1>` +
    `<p>${escapeHtml(error.message)}</p>${reference}` +
    `<p><a href="${escapeHtml(deps.basePath)}/">Back to the dashboard</a></p></main>`;
  return renderPage({ title: `${title} · Dashboard`, body, assets: deps.assets });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
