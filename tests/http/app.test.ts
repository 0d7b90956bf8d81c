import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readJsonObject } from '../../src/http/body.ts';
import { AppError } from '../../src/http/errors.ts';
import { testApp } from '../helpers/app.ts';

const SECURITY_HEADERS = [
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'permissions-policy',
  'cross-origin-resource-policy',
];

/** Pages: the full policy, scripts only from our files. Anything else: nothing may load or run. */
function assertSecurityHeaders(res: Response): void {
  for (const name of SECURITY_HEADERS) assert.ok(res.headers.get(name), `missing ${name}`);
  const csp = res.headers.get('content-security-policy') ?? '';
  if (/^text\/html/.test(res.headers.get('content-type') ?? '')) {
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  } else {
    assert.equal(csp, "default-src 'none'; frame-ancestors 'none'");
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
}

describe('health', () => {
  test('GET /healthz answers 200 {"status":"ok"} as uncacheable JSON', async () => {
    const { app } = testApp();
    const res = await app.request('/healthz');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"status":"ok"}');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assertSecurityHeaders(res);
  });

  test('a failing part gives 503 naming it, and the others are not blamed', async () => {
    const { app } = testApp({
      health: [
        { name: 'data_dir', check: () => Promise.reject(new Error('DATA_DIR is not writable (EROFS)')) },
        { name: 'assets', check: () => Promise.resolve() },
      ],
    });
    const res = await app.request('/healthz');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      status: 'unavailable',
      error: 'unavailable',
      failing: [{ part: 'data_dir', problem: 'DATA_DIR is not writable (EROFS)' }],
    });
  });

  test('results are reused for a second, so a flood of checks does not hit the disk each time', async () => {
    let runs = 0;
    let clock = 0;
    const { app } = testApp({ now: () => clock, health: [{ name: 'x', check: async () => void (runs += 1) }] });
    await Promise.all([app.request('/healthz'), app.request('/healthz'), app.request('/healthz')]);
    assert.equal(runs, 1);
    clock = 999;
    await app.request('/healthz');
    assert.equal(runs, 1);
    clock = 1000;
    await app.request('/healthz');
    assert.equal(runs, 2);
  });
});

describe('mounting under BASE_PATH', () => {
  const { app } = testApp({ config: { basePath: '/dashboard', production: false } });

  test('both /dashboard and /dashboard/ reach the start page', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      const html = await res.text();
      assert.match(html, /Members’ dashboard/);
      assert.match(html, /href="\/dashboard\/assets\/app-[A-Z0-9]{8}\.css"/);
      assert.match(html, /data-health-url="\/dashboard\/healthz"/);
    }
  });

  test('paths below the prefix route; paths outside it are 404, even when a route would match', async () => {
    assert.equal((await app.request('/dashboard/healthz')).status, 200);
    for (const path of ['/healthz', '/', '/dashboardx', '/dashboardx/healthz', '/other/dashboard/healthz']) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      assertSecurityHeaders(res);
    }
  });

  test('error pages link back under the prefix', async () => {
    const html = await (await app.request('/dashboard/missing')).text();
    assert.match(html, /href="\/dashboard\/"/);
  });
});

describe('error contract', () => {
  test('404 is JSON with a stable code under /api/ and a page elsewhere', async () => {
    const { app } = testApp();
    const api = await app.request('/api/nothing');
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await api.json(), { error: 'not_found', message: 'There is nothing here.' });
    assert.equal(api.headers.get('cache-control'), 'no-store');

    const page = await app.request('/nothing');
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<h1 id="title">Page not found<\/h1>/);
    assertSecurityHeaders(page);
  });

  test('405 names the methods the path does accept in Allow', async () => {
    const { app } = testApp();
    app.post('/api/things', (c) => c.json({ ok: true }));
    app.delete('/api/things/:id', (c) => c.body(null, 204));
    app.put('/api/things/:id', (c) => c.body(null, 204));

    const onHealth = await app.request('/healthz', { method: 'POST' });
    assert.equal(onHealth.status, 405);
    assert.equal(onHealth.headers.get('allow'), 'GET, HEAD');

    const list = await app.request('/api/things');
    assert.equal(list.status, 405);
    assert.equal(list.headers.get('allow'), 'POST');
    assert.deepEqual(await list.json(), { error: 'method_not_allowed', message: 'This address does not accept that method.' });

    const one = await app.request('/api/things/7', { method: 'PATCH' });
    assert.equal(one.status, 405);
    assert.equal(one.headers.get('allow'), 'PUT, DELETE');

    // A path no method serves stays a 404.
    assert.equal((await app.request('/api/things/7/parts', { method: 'POST' })).status, 404);
  });

  test('HEAD is served wherever GET is', async () => {
    const { app } = testApp();
    const res = await app.request('/healthz', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  test('a thrown error is a 500 with a request id and no message or stack; the log has both', async () => {
    const { app, lines } = testApp();
    let ran = false;
    app.get('/api/boom', () => {
      ran = true;
      throw new Error('SQLITE_CORRUPT: secret table users at /srv/app/data/db.sqlite');
    });
    app.get('/boom', () => {
      throw new TypeError('cannot read property of undefined');
    });
    const res = await app.request('/api/boom');
    assert.ok(ran);
    assert.equal(res.status, 500);
    const body = (await res.json()) as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'requestId']);
    assert.equal(body.error, 'internal_error');
    assert.equal(body.requestId, res.headers.get('x-request-id'));
    const text = JSON.stringify(body);
    assert.doesNotMatch(text, /SQLITE|secret|\/srv|at \w+ \(/);
    const logged = lines.find((l) => l.includes('unhandled error'));
    assert.ok(logged, 'the error is logged');
    assert.ok(logged.includes(`id=${body.requestId}`));
    assert.ok(logged.includes('SQLITE_CORRUPT'));
    assert.equal(logged.split('\n').length, 1, 'one line, stack folded');

    const page = await app.request('/boom');
    assert.equal(page.status, 500);
    const html = await page.text();
    assert.match(html, new RegExp(`Reference: <code>${page.headers.get('x-request-id')}</code>`));
    assert.doesNotMatch(html, /TypeError|undefined/);
  });

  test('AppError carries its status, code, message, headers and details', async () => {
    const { app } = testApp();
    app.get('/api/slow', () => {
      throw new AppError('rate_limited', { headers: { 'Retry-After': '41' }, details: { retryAfter: 41 } });
    });
    const res = await app.request('/api/slow');
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '41');
    assert.deepEqual(await res.json(), {
      error: 'rate_limited',
      message: 'Too many requests. Please wait a moment and try again.',
      retryAfter: 41,
    });
  });
});

describe('request bodies', () => {
  function echoApp(bodyLimit?: number) {
    const built = testApp(bodyLimit === undefined ? {} : { bodyLimit });
    let ran = 0;
    built.app.post('/api/echo', async (c) => {
      ran += 1;
      return c.json(await readJsonObject(c));
    });
    return { ...built, ran: () => ran };
  }

  test('valid JSON is read', async () => {
    const { app } = echoApp();
    const res = await app.request('/api/echo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { a: 1 });
  });

  test('malformed JSON, a non-object and a wrong content type are 400 bad_request', async () => {
    const { app } = echoApp();
    for (const [type, body, message] of [
      ['application/json', '{"a":', /not valid JSON/],
      ['application/json', '[1,2]', /must be a JSON object/],
      ['application/json', 'null', /must be a JSON object/],
      ['text/plain', '{"a":1}', /Content-Type: application\/json/],
    ] as const) {
      const res = await app.request('/api/echo', { method: 'POST', headers: { 'Content-Type': type }, body });
      assert.equal(res.status, 400, body);
      const json = (await res.json()) as { error: string; message: string };
      assert.equal(json.error, 'bad_request');
      assert.match(json.message, message);
    }
  });

  test('a body over the limit is 413 payload_too_large, by Content-Length or by streaming', async () => {
    const { app, ran } = echoApp(1024);
    const big = JSON.stringify({ a: 'x'.repeat(2000) });
    const declared = await app.request('/api/echo', { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) }, body: big });
    assert.equal(declared.status, 413);
    assert.equal(((await declared.json()) as { error: string }).error, 'payload_too_large');

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(500)));
        controller.close();
      },
    });
    const chunked = await app.request('/api/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
      // @ts-expect-error: Node's fetch needs duplex for streamed bodies; the DOM types lack it.
      duplex: 'half',
    });
    assert.equal(chunked.status, 413);
    assert.equal(ran(), 0, 'the handler never ran');
  });
});

describe('headers and logging', () => {
  test('HSTS only in production', async () => {
    const dev = await testApp().app.request('/healthz');
    assert.equal(dev.headers.get('strict-transport-security'), null);
    const prod = await testApp({ config: { basePath: '', production: true } }).app.request('/healthz');
    assert.equal(prod.headers.get('strict-transport-security'), 'max-age=31536000');
  });

  test('one access-log line per request: method, path, status, time and id; no headers, cookies or query', async () => {
    const { app, lines } = testApp({ config: { basePath: '/dashboard', production: false } });
    await app.request('/dashboard/healthz?token=SECRET-QUERY', {
      headers: { Cookie: 'access=SECRET-COOKIE', 'X-Forwarded-For': '203.0.113.9', '!~passenger-envvars': 'SECRET-ENV', 'User-Agent': 'SECRET-UA' },
    });
    await new Promise((resolve) => setImmediate(resolve));
    const access = lines.filter((l) => / INFO (GET|POST) /.test(l));
    assert.equal(access.length, 1);
    assert.match(access[0]!, /^\S+Z INFO GET \/dashboard\/healthz 200 \d+\.\dms id=req-1$/);
    assert.doesNotMatch(lines.join('\n'), /SECRET|203\.0\.113/);
  });

  test('every response has a request id that matches the log', async () => {
    const { app, lines } = testApp();
    const res = await app.request('/nothing');
    const id = res.headers.get('x-request-id');
    assert.ok(id);
    assert.ok(lines.some((l) => l.endsWith(`id=${id}`) && l.includes(' 404 ')));
  });
});
