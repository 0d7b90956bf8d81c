/**
 * Sign-in sessions against a real app process over HTTP (fetch), for the multi-process tests:
 * log in, log out, ask who am I, and read the ids the tokens carry.
 */
import { encodeSolution, solveChallenge, type Challenge } from '../../src/bot/pow.ts';

export interface HttpSession {
  /** The Cookie header: access, refresh and CSRF cookies. */
  readonly cookie: string;
  readonly csrf: string;
  /** The access token's id and its sign-in (refresh family), decoded from the JWT. */
  readonly jti: string;
  readonly fam: string;
}

/**
 * A solved proof of work for signing in at `base` as `username` (what a script does when the
 * server asks, README "Signing in from scripts"): fetch a challenge, find the number.
 */
export async function solvedPow(base: string, username: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${base}/api/auth/challenge?username=${encodeURIComponent(username)}`, { headers });
  if (res.status !== 200) throw new Error(`challenge at ${base}: ${res.status}`);
  const solution = solveChallenge((await res.json()) as Challenge);
  if (solution === undefined) throw new Error('the challenge has no solution');
  return encodeSolution(solution);
}

const JSON_POST = { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' } as const;

/** fetch, with the network error's cause (ECONNREFUSED, "other side closed"...) in the message. */
async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${init.method ?? 'GET'} ${url}: ${(error as Error).message} (${cause?.code ?? ''} ${cause?.message ?? ''})`, { cause: error });
  }
}

function claims(token: string): { jti: string; fam: string } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: unknown; fam?: unknown };
  if (typeof payload.jti !== 'string' || typeof payload.fam !== 'string') throw new Error('the access token has no jti or fam');
  return { jti: payload.jti, fam: payload.fam };
}

export async function login(base: string, username: string, password: string): Promise<HttpSession> {
  const res = await request(`${base}/api/auth/login`, { method: 'POST', headers: JSON_POST, body: JSON.stringify({ username, password }) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`login at ${base}: ${res.status} ${text}`);
  const body = JSON.parse(text) as { csrfToken: string };
  const pairs = res.headers.getSetCookie().map((line) => line.split(';')[0]!);
  const access = pairs.find((p) => /^(__Secure-)?dash_access=/.test(p))?.split('=')[1];
  if (access === undefined) throw new Error('login set no access cookie');
  return { cookie: pairs.join('; '), csrf: body.csrfToken, ...claims(access) };
}

/** POST /api/auth/logout; resolves with the status (204 when the revocation is stored). */
export async function logout(base: string, session: HttpSession): Promise<number> {
  const res = await request(`${base}/api/auth/logout`, {
    method: 'POST',
    headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrf, 'Sec-Fetch-Site': 'same-origin' },
  });
  await res.arrayBuffer();
  return res.status;
}

/** GET /api/me: the status and, for errors, the JSON error code. */
export async function me(base: string, session: HttpSession): Promise<{ status: number; error?: string }> {
  const res = await request(`${base}/api/me`, { headers: { Cookie: session.cookie } });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return res.status === 200 ? { status: 200 } : { status: res.status, ...(body.error === undefined ? {} : { error: body.error }) };
}

/** Runs `task` over `items` with at most `concurrency` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
