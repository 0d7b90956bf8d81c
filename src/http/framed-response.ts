/**
 * The Node response class the server runs with (`http.createServer({ ServerResponse })`, Node's
 * documented way to extend the response). The headers the frame and the limiter add to every
 * response — security headers, request id, `Cache-Control: no-store`, rate-limit fields — wait
 * on it and are merged into the single `writeHead()` that writes the handler's response.
 *
 * Why not `setHeader()`: each call validates and stores one header, and once any header is set
 * that way, `writeHead()` takes its slow path and re-sets every header of the handler's
 * response one `setHeader()` at a time. For the ten headers every response carries that cost
 * more than routing and the handler together (`/healthz`: 29.6 µs of CPU a request against bare
 * Hono's 16.8 µs). Handed over as one flat list, Node validates each header once, while writing
 * it.
 *
 * Precedence: the handler's own headers win (a static file's `Cache-Control`, a page's
 * `Content-Security-Policy`): a fixed header the handler also sets is left out, and
 * `Cache-Control: no-store` is added only when the handler set none.
 */
import { createServer, ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { isDocumentType, type HeaderPairs, type SecurityHeaders } from './security-headers.ts';

/** One set of fixed headers: a flat `[name, value, name, value, …]` list. */
export interface HeaderSet {
  readonly flat: readonly string[];
  /** The lower-case name of each pair of `flat`, to notice a handler that sets one itself. */
  readonly lower: readonly string[];
  /** Everything the frame adds when the handler sets none of it: `flat`, the request id (at `idAt`, to fill in), `Cache-Control: no-store`. */
  readonly all: readonly string[];
  readonly idAt: number;
}

/** The fixed headers, computed once per app: for pages, and for every other answer. */
export interface FixedHeaders {
  readonly document: HeaderSet;
  readonly resource: HeaderSet;
  /** The lower-case names of every header the frame may add but the rate limits. */
  readonly names: ReadonlySet<string>;
}

export function fixedHeaders(headers: SecurityHeaders): FixedHeaders {
  const set = (pairs: HeaderPairs): HeaderSet => {
    const flat = pairs.flatMap(([name, value]) => [name, value]);
    return { flat, lower: pairs.map(([name]) => name.toLowerCase()), all: [...flat, 'X-Request-Id', '', 'Cache-Control', 'no-store'], idAt: flat.length + 1 };
  };
  const document = set(headers.document);
  const resource = set(headers.resource);
  return { document, resource, names: new Set([...document.lower, ...resource.lower, 'x-request-id', 'cache-control']) };
}

type HeaderList = Array<string | number | readonly string[]>;

export class FramedResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  #sets: FixedHeaders | undefined;
  #requestId = '';
  /** Added while the request is handled (rate limits), by name as given. */
  #added: Record<string, string> | undefined;

  /** Called by the frame as the request comes in. */
  frame(fixed: FixedHeaders, requestId: string): void {
    this.#sets = fixed;
    this.#requestId = requestId;
  }

  /** A header for the response to come; `list` appends to an earlier value (`a, b`) instead of replacing it. */
  addHeader(name: string, value: string, list = false): void {
    const added = (this.#added ??= {});
    const before = added[name];
    added[name] = list && before !== undefined ? `${before}, ${value}` : value;
  }

  // One signature for both of Node's overloads: (status, headers?) and (status, message, headers?).
  override writeHead(
    statusCode: number,
    messageOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    maybeHeaders?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    const sets = this.#sets;
    const message = typeof messageOrHeaders === 'string' ? messageOrHeaders : undefined;
    const given = typeof messageOrHeaders === 'string' ? maybeHeaders : messageOrHeaders;
    if (sets === undefined) return message === undefined ? super.writeHead(statusCode, given) : super.writeHead(statusCode, message, given);

    // The common case, on every cheap answer: the handler gave an object naming none of the
    // frame's headers (a Content-Type, perhaps a length) and nothing was added on the way.
    if (this.#added === undefined && !Array.isArray(given) && this.getHeaderNames().length === 0) {
      const list = plainList(sets, this.#requestId, given);
      if (list !== undefined) return message === undefined ? super.writeHead(statusCode, list) : super.writeHead(statusCode, message, list);
    }

    // The handler's headers, flattened, with their lower-case names beside them.
    const own: HeaderList = [];
    const ownNames: string[] = [];
    const type = flatten(given, own, ownNames);

    if (this.getHeaderNames().length > 0) {
      // Somebody used setHeader(): Node merges header by header anyway, so fill in the gaps.
      const header = this.getHeader('Content-Type');
      const taken = (name: string): boolean => ownNames.includes(name) || this.hasHeader(name);
      const framing = framingHeaders(sets, this.#requestId, type ?? (typeof header === 'string' ? header : undefined), taken, this.#added);
      for (let i = 0; i < framing.length; i += 2) this.setHeader(framing[i]!, framing[i + 1]!);
      return message === undefined ? super.writeHead(statusCode, given) : super.writeHead(statusCode, message, given);
    }

    const list: HeaderList = framingHeaders(sets, this.#requestId, type, (name) => ownNames.includes(name), this.#added);
    for (let i = 0; i < own.length; i += 1) list.push(own[i]!);
    // Node's types want string | number | string[] items; a readonly array of strings is one.
    const flat = list as OutgoingHttpHeader[];
    return message === undefined ? super.writeHead(statusCode, flat) : super.writeHead(statusCode, message, flat);
  }
}

/**
 * The headers the frame adds to an answer of Content-Type `type`, as a flat list: the fixed
 * set for pages or for the rest, the request id, `Cache-Control: no-store` and the `added` ones,
 * each unless `taken` (given a lower-case name) says the handler set it. FramedResponse merges
 * them under Node; the frame sets them on the Response elsewhere.
 */
export function framingHeaders(
  sets: FixedHeaders,
  requestId: string,
  type: string | null | undefined,
  taken: (lowerName: string) => boolean,
  added?: Readonly<Record<string, string>>,
): string[] {
  const fixed = isDocumentType(type) ? sets.document : sets.resource;
  const list: string[] = [];
  for (let i = 0; i < fixed.lower.length; i += 1) {
    if (!taken(fixed.lower[i]!)) list.push(fixed.flat[2 * i]!, fixed.flat[2 * i + 1]!);
  }
  if (!taken('x-request-id')) list.push('X-Request-Id', requestId);
  // Private data must not linger in shared or browser caches; static assets say otherwise.
  if (!taken('cache-control')) list.push('Cache-Control', 'no-store');
  if (added !== undefined) {
    for (const name in added) if (!taken(name.toLowerCase())) list.push(name, added[name]!);
  }
  return list;
}

/**
 * The whole list for a handler's headers given as an object, when they name none of the frame's
 * headers: the prepared list of the right set, the id filled in, the handler's headers after it.
 * Undefined when they do (the general path then works out who wins).
 */
function plainList(sets: FixedHeaders, requestId: string, given: OutgoingHttpHeaders | undefined): OutgoingHttpHeader[] | undefined {
  let type: string | undefined;
  if (given !== undefined && given !== null) {
    for (const name in given) {
      const lower = name.toLowerCase();
      if (lower === 'content-type') type = String(given[name]);
      else if (sets.names.has(lower)) return undefined;
    }
  }
  const set = isDocumentType(type) ? sets.document : sets.resource;
  const list: OutgoingHttpHeader[] = set.all.slice();
  list[set.idAt] = requestId;
  if (given !== undefined && given !== null) {
    for (const name in given) {
      const value = given[name];
      if (value !== undefined) list.push(name, value);
    }
  }
  return list;
}

/**
 * writeHead()'s headers argument, in any of the three shapes Node accepts (an object, a flat
 * list, a list of pairs), appended to `out` as a flat list, with the names in lower case to
 * `names`. Returns the Content-Type given, if any.
 */
function flatten(headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined, out: HeaderList, names: string[]): string | undefined {
  let type: string | undefined;
  const add = (name: string, value: string | number | readonly string[] | undefined): void => {
    if (value === undefined) return;
    out.push(name, value);
    const lower = name.toLowerCase();
    names.push(lower);
    if (lower === 'content-type') type = String(value);
  };
  if (headers === undefined || headers === null) return type;
  if (!Array.isArray(headers)) {
    for (const name in headers) add(name, headers[name]);
    return type;
  }
  const pairs = headers.length > 0 && Array.isArray(headers[0]);
  for (let i = 0; i < headers.length; i += pairs ? 1 : 2) {
    // A pair is [name, value]; Node's types do not describe that shape.
    if (pairs) add(...(headers[i] as unknown as [string, string]));
    else add(String(headers[i]), headers[i + 1]);
  }
  return type;
}

/** For @hono/node-server's serve(): the server creates a FramedResponse for every request. */
export const FRAMED_SERVER = { createServer, serverOptions: { ServerResponse: FramedResponse } } as const;
