// FramedResponse (src/http/framed-response.ts): the headers the frame and the limiter add are
// merged into the handler's one writeHead(), on a real Node server, whatever way the handler
// writes its headers; the handler's own headers win.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { serve } from '@hono/node-server';
import { FRAMED_SERVER, FramedResponse, fixedHeaders } from '../../src/http/framed-response.ts';
import { testApp } from '../helpers/app.ts';

const FIXED = fixedHeaders({
  document: [
    ['Content-Security-Policy', "default-src 'none'; script-src 'self'"],
    ['X-Content-Type-Options', 'nosniff'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
  ],
  resource: [
    ['Content-Security-Policy', "default-src 'none'"],
    ['X-Content-Type-Options', 'nosniff'],
  ],
});

interface Raw {
  readonly status: number;
  readonly message: string;
  /** Lower-case name → every value sent under it, in order. */
  readonly headers: ReadonlyMap<string, string[]>;
  readonly body: string;
}

async function listen(t: TestContext, handler: (req: IncomingMessage, res: FramedResponse) => void): Promise<number> {
  const server = createServer({ ServerResponse: FramedResponse }, (req, res) => handler(req, res as FramedResponse));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function get(port: number, path = '/', method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const headers = new Map<string, string[]>();
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!.toLowerCase();
        headers.set(name, [...(headers.get(name) ?? []), res.rawHeaders[i + 1]!]);
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every header sent exactly once, and with the value given. */
function assertOnce(raw: Raw, expected: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(raw.headers.get(name.toLowerCase()), [value], name);
  }
}

describe('FramedResponse', () => {
  test('adds the fixed headers, the request id and no-store to a plain-object writeHead', async (t) => {
    const port = await listen(t, (_req, res) => {
      res.frame(FIXED, 'req-1');
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 }).end('ok');
    });
    const raw = await get(port);
    assert.equal(raw.body, 'ok');
    assertOnce(raw, {
      'Content-Security-Policy': "default-src 'none'",
      'X-Content-Type-Options': 'nosniff',
      'X-Request-Id': 'req-1',
      'Cache-Control': 'no-store',
      'Content-Type': 'text/plain',
      'Content-Length': '2',
    });
  });

  test('a page gets the document set, anything else the resource set, also when set with setHeader()', async (t) => {
    const port = await listen(t, (req, res) => {
      res.frame(FIXED, 'req-7');
      if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<p>');
      else if (req.url === '/set') {
        res.setHeader('Content-Type', 'TEXT/HTML');
        res.writeHead(200).end('<p>');
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    for (const path of ['/page', '/set']) {
      const raw = await get(port, path);
      assertOnce(raw, { 'Content-Security-Policy': "default-src 'none'; script-src 'self'", 'Cross-Origin-Opener-Policy': 'same-origin' });
    }
    const json = await get(port, '/json');
    assertOnce(json, { 'Content-Security-Policy': "default-src 'none'", 'X-Content-Type-Options': 'nosniff' });
    assert.equal(json.headers.get('cross-origin-opener-policy'), undefined);
  });

  test("the handler's own headers win: its Cache-Control, and a fixed header it sets itself", async (t) => {
    const port = await listen(t, (_req, res) => {
      res.frame(FIXED, 'req-2');
      res.writeHead(200, { 'cache-control': 'public, max-age=60', 'content-security-policy': "default-src 'self'" }).end();
    });
    const raw = await get(port);
    assertOnce(raw, {
      'Cache-Control': 'public, max-age=60',
      'Content-Security-Policy': "default-src 'self'",
      'X-Content-Type-Options': 'nosniff',
    });
  });

  test('a header of the other set, or a request id, given by the handler is sent once, as given', async (t) => {
    const port = await listen(t, (req, res) => {
      res.frame(FIXED, 'req-9');
      if (req.url === '/coop') res.writeHead(200, { 'content-type': 'application/json', 'cross-origin-opener-policy': 'unsafe-none' }).end('{}');
      else res.writeHead(200, { 'X-REQUEST-ID': 'upstream-1' }).end();
    });
    const coop = await get(port, '/coop');
    assertOnce(coop, { 'Cross-Origin-Opener-Policy': 'unsafe-none', 'Content-Security-Policy': "default-src 'none'", 'X-Request-Id': 'req-9' });
    const id = await get(port, '/id');
    assertOnce(id, { 'X-Request-Id': 'upstream-1', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  });

  test('several Set-Cookie values stay separate headers; a status message is kept', async (t) => {
    const port = await listen(t, (_req, res) => {
      res.frame(FIXED, 'req-3');
      res.writeHead(201, 'Made', { 'Set-Cookie': ['a=1; Path=/', 'b=2; Path=/'] }).end();
    });
    const raw = await get(port);
    assert.equal(raw.status, 201);
    assert.equal(raw.message, 'Made');
    assert.deepEqual(raw.headers.get('set-cookie'), ['a=1; Path=/', 'b=2; Path=/']);
    assertOnce(raw, { 'X-Request-Id': 'req-3' });
  });

  test('addHeader: list fields collect every value, others keep the last; the handler still wins', async (t) => {
    const port = await listen(t, (req, res) => {
      res.frame(FIXED, 'req-4');
      res.addHeader('RateLimit', '"default";r=9;t=30', true);
      res.addHeader('RateLimit', '"login";r=4;t=30', true);
      res.addHeader('X-RateLimit-Remaining', '9');
      res.addHeader('X-RateLimit-Remaining', '4');
      res.addHeader('Retry-After', '5');
      res.writeHead(req.url === '/refused' ? 429 : 200, req.url === '/refused' ? { 'Retry-After': '30' } : {}).end();
    });
    const raw = await get(port);
    assertOnce(raw, { RateLimit: '"default";r=9;t=30, "login";r=4;t=30', 'X-RateLimit-Remaining': '4', 'Retry-After': '5' });
    assertOnce(await get(port, '/refused'), { 'Retry-After': '30' });
  });

  test('headers set with setHeader() before writeHead (Node merges those one by one): still each once', async (t) => {
    const port = await listen(t, (_req, res) => {
      res.frame(FIXED, 'req-5');
      res.addHeader('X-RateLimit-Limit', '10');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', 'private');
      res.writeHead(200, { 'X-Extra': 'yes' }).end();
    });
    assertOnce(await get(port), {
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private',
      'Content-Security-Policy': "default-src 'none'",
      'X-Request-Id': 'req-5',
      'X-RateLimit-Limit': '10',
      'X-Extra': 'yes',
    });
  });

  test('end() without writeHead, pairs and flat lists: all framed', async (t) => {
    const port = await listen(t, (req, res) => {
      res.frame(FIXED, 'req-6');
      if (req.url === '/pairs') res.writeHead(200, [['X-A', '1']] as unknown as string[]).end();
      else if (req.url === '/flat') res.writeHead(200, ['X-A', '1']).end();
      else res.end('implicit');
    });
    for (const path of ['/', '/pairs', '/flat']) {
      const raw = await get(port, path);
      assertOnce(raw, { 'X-Request-Id': 'req-6', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      if (path !== '/') assertOnce(raw, { 'X-A': '1' });
    }
  });

  test('a response nobody framed is left as it is', async (t) => {
    const port = await listen(t, (_req, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('plain');
    });
    const raw = await get(port);
    assert.equal(raw.headers.get('x-request-id'), undefined);
    assert.equal(raw.headers.get('cache-control'), undefined);
  });
});

describe('the app under Node with FramedResponse (the production server)', () => {
  test('health, a static asset with its own caching, a 404 and a 405: security headers once each', async (t) => {
    const { app } = testApp();
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', ...FRAMED_SERVER });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;

    const html = await get(port, '/');
    const css = html.body.match(/href="(\/assets\/[^"]+\.css)"/)?.[1];
    assert.ok(css, 'the page links its stylesheet');
    const cases: Array<[string, string, number, string]> = [
      ['GET', '/healthz', 200, 'no-store'],
      ['GET', css, 200, 'public, max-age=31536000, immutable'],
      ['GET', '/nothing-here', 404, 'no-store'],
      ['POST', '/healthz', 405, 'no-store'],
    ];
    for (const [method, path, status, cacheControl] of cases) {
      const raw = await get(port, path, method);
      assert.equal(raw.status, status, `${method} ${path}`);
      for (const name of ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'permissions-policy', 'x-frame-options']) {
        assert.equal(raw.headers.get(name)?.length, 1, `${method} ${path}: ${name}`);
      }
      assertOnce(raw, { 'Cache-Control': cacheControl });
      assert.match(raw.headers.get('x-request-id')?.[0] ?? '', /^req-\d+$/);
    }
  });
});
