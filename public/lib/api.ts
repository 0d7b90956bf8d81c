/**
 * The one module every page uses to call the API: same-origin cookies, the CSRF header on
 * state-changing calls, and, when the access token has expired, ONE shared refresh (however
 * many calls failed at once) and one retry. If the refresh fails the user goes to the sign-in
 * page, which brings them back to where they were.
 */
export interface ApiError {
  readonly status: number;
  readonly error: string;
  readonly message: string;
  readonly field?: string;
  /** Every field's problem at once, when the server checked them all (the Add-user form). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Seconds, from Retry-After on 429 and 503. */
  readonly retryAfter?: number;
  /** step_up_required: how to confirm, `password` or `wordpress` (lib/step-up.ts). */
  readonly method?: string;
}

export class ApiFailure extends Error {
  constructor(readonly detail: ApiError) {
    super(detail.message);
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function meta(name: string): string | undefined {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content;
}

export function basePath(): string {
  return meta('base-path') ?? '';
}

let csrfToken: string | undefined = meta('csrf-token');

/** The page learns a new value from login/refresh responses; on a fresh load, from the page or cookie. */
export function setCsrfToken(value: string): void {
  csrfToken = value;
}

/** The CSRF value to send now (it changes when the session is renewed). */
export function currentCsrf(): string | undefined {
  return csrfToken ?? csrfFromCookie();
}

export function csrfFromCookie(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== undefined && /(^|_)dash_csrf$/.test(name)) return rest.join('=');
  }
  return undefined;
}

let refreshing: Promise<boolean> | undefined;

/** One refresh for everyone waiting; resolves true if the session was renewed. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const token = csrfToken ?? csrfFromCookie();
      const response = await fetch(`${basePath()}/api/auth/refresh`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', ...(token === undefined ? {} : { 'X-CSRF-Token': token }) },
      });
      if (!response.ok) return false;
      const body = (await response.json()) as { csrfToken?: string };
      if (typeof body.csrfToken === 'string') csrfToken = body.csrfToken;
      return true;
    } catch {
      return false;
    } finally {
      // Let the next expiry (minutes later) trigger a new refresh.
      setTimeout(() => (refreshing = undefined), 0);
    }
  })();
  return refreshing;
}

/**
 * To the sign-in page, saying why (`ended`: revoked elsewhere; `expired`: could not be renewed),
 * and back here afterwards: the path, the query (filters) and the #tab.
 */
let leaving = false;

export function goToSignIn(reason?: 'ended' | 'expired'): void {
  // Requests that fail together (figures and table) all land here: one navigation, not one each
  // (a second would abort the first).
  if (leaving) return;
  leaving = true;
  const here = `${location.pathname}${location.search}${location.hash}`;
  location.assign(`${basePath()}/login?next=${encodeURIComponent(here)}${reason === undefined ? '' : `&notice=${reason}`}`);
}

/**
 * The server showed this page on an expired access token (src/dashboard/layout.ts): renew it
 * once, before any API call, rather than let each call fail first. Undefined otherwise.
 */
let renewal: Promise<void> | undefined =
  meta('session') === 'renew'
    ? refreshSession().then((ok) => {
        if (!ok) goToSignIn('expired');
      })
    : undefined;

async function send(path: string, init: RequestInit): Promise<Response> {
  if (renewal !== undefined) {
    await renewal;
    renewal = undefined;
  }
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  headers.set('Accept', 'application/json');
  // On reads too: the data API answers only calls carrying it (src/bot/scrape.ts), a cheap sign
  // that the caller is this page and not a replayed cookie.
  const token = UNSAFE.has(method) ? csrfToken : currentCsrf();
  if (token !== undefined) headers.set('X-CSRF-Token', token);
  return fetch(`${basePath()}${path}`, { ...init, method, headers, credentials: 'same-origin' });
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent. */
export function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.ceil((Date.parse(value) - Date.now()) / 1000);
  return Number.isFinite(seconds) ? Math.max(1, seconds) : undefined;
}

async function failure(response: Response): Promise<ApiFailure> {
  let body: Partial<ApiError> = {};
  try {
    body = (await response.json()) as Partial<ApiError>;
  } catch {
    // Not JSON (a proxy's error page): fall through to a generic message.
  }
  const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
  return new ApiFailure({
    status: response.status,
    error: body.error ?? 'unavailable',
    message: body.message ?? 'The service did not answer as expected. Please try again.',
    ...(body.field === undefined ? {} : { field: body.field }),
    ...(body.fields === undefined || typeof body.fields !== 'object' ? {} : { fields: body.fields }),
    ...(retryAfter === undefined ? {} : { retryAfter }),
    ...(typeof body.method === 'string' ? { method: body.method } : {}),
  });
}

/** Calls the API; resolves with the Response on success, rejects with ApiFailure otherwise. */
export async function api(path: string, init: RequestInit = {}): Promise<Response> {
  let response = await send(path, init);
  if (response.status === 401) {
    const code = (await response.clone().json().catch(() => ({}))) as { error?: string };
    if (code.error === 'token_expired') {
      if (await refreshSession()) response = await send(path, init);
      else {
        goToSignIn('expired');
        throw await failure(response);
      }
    } else if (code.error === 'token_revoked') {
      goToSignIn('ended');
    } else if (code.error === 'token_missing' || code.error === 'token_invalid') {
      goToSignIn('expired');
    }
  }
  if (!response.ok) throw await failure(response);
  return response;
}

/** GET and parse JSON. */
export async function getJson<T>(path: string): Promise<T> {
  return (await (await api(path)).json()) as T;
}

/** A state-changing call with a JSON body (the CSRF header is added by `api`). */
export function sendJson(path: string, method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', body?: unknown): Promise<Response> {
  return api(path, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
}
