/**
 * A sign-in flood cannot fill the rate-limit journals (audit finding 2): a refused attempt writes
 * no line for the username it named, lines have a bounded size whatever the username, and at
 * the size cap the limits go on (counted in memory) instead of opening.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { createFileStore } from '../../src/ratelimit/file-store.ts';
import { cheapUser, GOOD, limitedApp, signIn } from './limits-app.ts';

function journals(t: TestContext): { dir: string; lines: () => string[]; bytes: () => number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-flood-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const texts = (): string[] => readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8'));
  return {
    dir,
    lines: () => texts().flatMap((text) => text.split('\n').filter((line) => line !== '')),
    bytes: () => texts().reduce((n, text) => n + Buffer.byteLength(text), 0),
  };
}

test('300 sign-ins with made-up 200-character usernames from one address: username lines only for the 5 admitted, every line short', async (t) => {
  const files = journals(t);
  const store = createFileStore({ dir: files.dir });
  t.after(() => store.close());
  const a = await limitedApp(t, { rateLimit: { store } });
  let refused = 0;
  for (let i = 0; i < 300; i += 1) {
    const username = `${String(i).padStart(4, '0')}${'x'.repeat(196)}`;
    if ((await signIn(a, '203.0.113.90', username, 'wrong password!')).status === 429) refused += 1;
  }
  assert.equal(refused, 295);
  const lines = files.lines();
  assert.equal(lines.filter((l) => / login-user\//.test(l)).length, 10, 'only the 5 admitted attempts named a username (a line in each window)');
  assert.ok(lines.every((l) => l.length <= 100), `longest line ${Math.max(...lines.map((l) => l.length))}`);
  // 300 default-rule lines (one per request, the per-address limit of every route) and 5 + 5 sign-in lines, both windows.
  t.diagnostic(`journal bytes after 300 attempts: ${files.bytes()} (${lines.length} lines)`);
  assert.ok(files.bytes() < 300 * 60 + 20 * 100, `${files.bytes()} bytes`);
});

test('a long username is stored by its hash and still counted as itself', async (t) => {
  const files = journals(t);
  const store = createFileStore({ dir: files.dir });
  t.after(() => store.close());
  const a = await limitedApp(t, { rateLimit: { store } });
  const long = `u${'y'.repeat(150)}`;
  await cheapUser(a, long);
  for (let i = 1; i <= 5; i += 1) assert.equal((await signIn(a, `198.51.100.${i}`, long, 'wrong password!')).status, 401);
  assert.equal((await signIn(a, '198.51.100.9', long, GOOD)).status, 429, 'the sixth address, same username: refused');
  assert.ok(files.lines().every((l) => !l.includes('yyyy')));
});

test('at the cap sign-in limits still hold (in memory), and the journal stops growing', async (t) => {
  const files = journals(t);
  const store = createFileStore({ dir: files.dir, maxFileBytes: 1500 });
  t.after(() => store.close());
  const a = await limitedApp(t, { rateLimit: { store } });
  for (let i = 0; i < 60; i += 1) await signIn(a, `192.0.2.${i + 1}`, `someone-${i}`, 'wrong password!');
  const size = files.bytes();
  const statuses = [];
  for (let i = 0; i < 7; i += 1) statuses.push((await signIn(a, '198.51.100.200', 'victim', 'wrong password!')).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429], 'the limits did not open');
  assert.equal(files.bytes(), size, 'past the cap, nothing more is written');
  assert.equal(a.lines.filter((l) => / WARN .*rate limiting is OFF/.test(l)).length, 0);
});
