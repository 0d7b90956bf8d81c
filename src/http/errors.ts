/**
 * The one table of error codes (DESIGN.md's contract): status and the message a person reads.
 * Handlers throw `AppError(code)`; `onError` turns it into JSON under /api/ and a page elsewhere.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request could not be understood.' },
  invalid_credentials: { status: 401, message: 'The username or password is not right.' },
  token_missing: { status: 401, message: 'Please sign in.' },
  token_invalid: { status: 401, message: 'Your session is not valid. Please sign in again.' },
  token_expired: { status: 401, message: 'Your session has expired.' },
  token_revoked: { status: 401, message: 'Your session has ended. Please sign in again.' },
  pow_invalid: { status: 400, message: 'The anti-robot check did not pass. Please try again.' },
  csrf_missing: { status: 403, message: 'The security token is missing. Reload the page and try again.' },
  csrf_mismatch: { status: 403, message: 'The security token does not match. Reload the page and try again.' },
  forbidden: { status: 403, message: 'You do not have access to this.' },
  // Not a 401: the session is fine, and signing in again is not what is asked (auth/step-up.ts).
  step_up_required: { status: 403, message: 'Please confirm your password to do this: it changes who can use the dashboard.' },
  not_found: { status: 404, message: 'There is nothing here.' },
  conflict: { status: 409, message: 'That conflicts with something that already exists.' },
  method_not_allowed: { status: 405, message: 'This address does not accept that method.' },
  payload_too_large: { status: 413, message: 'The request is too large.' },
  pow_required: { status: 428, message: 'Please complete the anti-robot check.' },
  rate_limited: { status: 429, message: 'Too many requests. Please wait a moment and try again.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  unavailable: { status: 503, message: 'The service is unavailable right now. Please try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]['status'];

export interface AppErrorOptions {
  /** Replaces the table's message; shown to the client, so never internal detail. */
  readonly message?: string;
  /** Extra response headers (`Allow`, `Retry-After`, `WWW-Authenticate`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra JSON fields the client can act on (e.g. the field that failed validation). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly headers: Readonly<Record<string, string>>;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = options.headers ?? {};
    this.details = options.details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
