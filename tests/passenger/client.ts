/**
 * HTTP through the private Apache, with the two things fetch() cannot do: a Host header of our
 * choosing (the subdomain's name-based vhost on 127.0.0.1) and a chosen source address in
 * 127.0.0.0/8, which Passenger appends to X-Forwarded-For: each address is a client of its own
 * for the rate limits. Also maps request ids to the app process that answered, from the lines
 * Passenger copies into Apache's error log (`App <pid> output: ... id=<request id>`).
 */
import { request } from 'node:http';
import type { Apache } from './apache.ts';

export interface Target {
  readonly label: string;
  /** Apache's address, http://127.0.0.1:PORT. */
  readonly url: string;
  /** The Host header; undefined for the default vhost. */
  readonly host?: string;
  /** The app's URL prefix: '' at the root of its host, or /dashboard. */
  readonly base: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
  /** The X-Request-Id the app sent ('' when the app did not answer). */
  readonly id: string;
  /** `name=value` of each Set-Cookie. */
  readonly cookies: readonly string[];
}

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Source address, e.g. 127.0.0.7 (default 127.0.0.1). */
  readonly from?: string;
  /** Give up after this long without an answer (default 30 s). */
  readonly timeoutMs?: number;
}

export function send(target: Target, route: string, options: SendOptions = {}): Promise<Reply> {
  const { port } = new URL(target.url);
  const headers: Record<string, string> = { ...options.headers };
  if (target.host !== undefined) headers.Host = target.host;
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: Number(port), path: `${target.base}${route}`, method: options.method ?? 'GET', headers, localAddress: options.from ?? '127.0.0.1', agent: false, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const id = res.headers['x-request-id'];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            id: typeof id === 'string' ? id : '',
            cookies: (res.headers['set-cookie'] ?? []).map((line) => line.split(';')[0] ?? ''),
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${route}: no answer in ${(options.timeoutMs ?? 30_000) / 1000} s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The pid of the app process that logged each request id; waits for the (buffered) access lines. */
export async function pidsOf(apache: Apache, ids: readonly string[], ms = 5_000): Promise<Map<string, number>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = new Map<string, number>();
    for (const line of apache.errorLog().split('\n')) {
      const m = /^App (\d+) output: .* id=(\S+)$/.exec(line);
      if (m !== null && ids.includes(m[2]!)) found.set(m[2]!, Number(m[1]));
    }
    if (found.size === new Set(ids).size) return found;
    if (Date.now() >= deadline) throw new Error(`no access line for ${ids.filter((id) => !found.has(id)).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Sends `count` copies of a request at once, as often as needed (up to `rounds`) until the
 * replies came from every pid in `want`: Passenger gives each new request to its least busy
 * process, so simultaneous requests spread while one at a time would mostly meet the same one.
 */
export async function burstUntilEvery(
  apache: Apache,
  want: ReadonlySet<number>,
  fire: () => Promise<Reply>,
  options: { count?: number; rounds?: number } = {},
): Promise<Array<Reply & { pid: number }>> {
  const all: Array<Reply & { pid: number }> = [];
  for (let round = 0; round < (options.rounds ?? 10); round++) {
    const replies = await Promise.all(Array.from({ length: options.count ?? 9 }, fire));
    const pids = await pidsOf(apache, replies.map((r) => r.id));
    all.push(...replies.map((r) => ({ ...r, pid: pids.get(r.id)! })));
    if ([...want].every((pid) => all.some((r) => r.pid === pid))) return all;
  }
  return all;
}
