import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testApp } from '../helpers/app.ts';

describe('static assets', () => {
  const { app } = testApp({ config: { basePath: '/dashboard', production: false } });

  async function assetPath(): Promise<string> {
    const html = await (await app.request('/dashboard/')).text();
    const match = /src="(\/dashboard\/assets\/app-[A-Z0-9]{8}\.js)"/.exec(html);
    assert.ok(match, 'the page links its script');
    return match[1]!;
  }

  test('a hashed file is served with its type, a strong ETag and an immutable year-long cache', async () => {
    const res = await app.request(await assetPath());
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'console.log(1)');
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(res.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('If-None-Match with the ETag (also weak, also in a list) gives 304 with no body', async () => {
    const path = await assetPath();
    const etag = (await app.request(path)).headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await app.request(path, { headers: { 'If-None-Match': header } });
      assert.equal(res.status, 304, header);
      assert.equal(await res.text(), '');
      assert.equal(res.headers.get('etag'), etag);
    }
    assert.equal((await app.request(path, { headers: { 'If-None-Match': '"stale"' } })).status, 200);
  });

  test('nothing outside the built set is reachable, however the path is spelled', async () => {
    for (const path of [
      '/dashboard/assets/',
      '/dashboard/assets/manifest.json',
      '/dashboard/assets/app.js',
      '/dashboard/assets/../server.cjs',
      '/dashboard/assets/..%2fserver.cjs',
      '/dashboard/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/dashboard/assets/..%5c..%5cserver.cjs',
      '/dashboard/assets/%00',
      '/dashboard/assets//etc/passwd',
    ]) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('cache-control'), 'no-store', path);
    }
  });
});
