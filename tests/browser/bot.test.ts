/**
 * The sign-in defences in real headless Chromium, against the built app: with BOT_POW=always the
 * page solves the proof of work in its worker while the person types and signs in (the solving
 * time is printed), under the page's own Content-Security-Policy with no violation; the
 * honeypot's decoy is out of sight, out of the tab order and hidden from assistive technology,
 * and a person is never refused by it; without JavaScript the page says plainly that it needs it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium, watchConsole } from '../helpers/browser.ts';
import { browserFixture } from '../helpers/browser-app.ts';
import { spawnApp } from '../helpers/process.ts';

const PASSWORD = 'browser bot test password';
const fixture = browserFixture({ secret: 'w'.repeat(64), password: PASSWORD });

test('BOT_POW=always: the page solves the work in a worker as the person types, and signs in', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { app, base } = await fixture.start('always', { env: { BOT_POW: 'always' }, stopAfter: t });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${base}/login`);

  // The decoy: present, but no person meets it.
  const decoy = page.locator('input[data-decoy]');
  assert.equal(await decoy.count(), 1);
  assert.equal(await decoy.getAttribute('tabindex'), '-1');
  assert.equal(await decoy.getAttribute('autocomplete'), 'off');
  assert.equal(await page.locator('[aria-hidden="true"]:has(input[data-decoy])').count(), 1);
  // Clipped to a 1-pixel box (the `vh` class), not display:none, which bots look for.
  const box = await page.locator('.vh:has(input[data-decoy])').boundingBox();
  assert.ok(box !== null && box.width <= 1 && box.height <= 1, 'the decoy is out of sight');
  // Tab from the username goes to the password, never to the decoy.
  await page.getByLabel('Username').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');

  // The person types; meanwhile the worker solves. Its time is what a person would wait at most.
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.locator('#login-form[data-pow-ms]').waitFor({ state: 'attached', timeout: 60_000 });
  const solveMs = Number(await page.locator('#login-form').getAttribute('data-pow-ms'));
  console.log(`# proof of work solved in Chromium in ${solveMs} ms (BOT_POW_DIFFICULTY default, maxnumber 20000)`);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/`);
  assert.equal(await page.locator('#who').textContent(), 'Administrator');
  await app.waitFor(/POST \/dashboard\/api\/auth\/login 200/);
  assert.ok(!app.lines.some((line) => / refused /.test(line)), 'no defence refused the person');
  // (The one 404 a page may meet is the browser's own /favicon.ico.)
  const real = (): string[] => problems.filter((p) => !/status of 404/.test(p));
  assert.deepEqual(real(), [], 'no script errors and no CSP violations (the worker is allowed by worker-src)');

  // Submitted at once, before the work is done: the page waits for it and shows progress.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/dashboard\/login\?notice=signed_out/);
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill(PASSWORD);
  const started = Date.now();
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/`);
  console.log(`# submitted at once: signed in ${Date.now() - started} ms after pressing Enter`);
  assert.deepEqual(real(), []);
  await context.close();
});

test('without JavaScript the sign-in page says plainly that it is needed', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const app = spawnApp({ cwd: fixture.release, env: { BOT_POW: 'always', SECRET_KEY: 'w'.repeat(64), DATA_DIR: path.join(fixture.release, 'data-nojs') } });
  t.after(() => app.stop());
  const base = await app.url();
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  const notice = page.locator('#noscript');
  assert.ok(await notice.isVisible());
  assert.match((await notice.textContent()) ?? '', /needs JavaScript/);
  // The form, posted anyway, comes back to the page with the same plain words.
  await page.waitForTimeout(1100); // a person takes at least this long (BOT_FORM_MIN_MS)
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login\?error=pow_required/);
  assert.match((await page.getByRole('alert').first().textContent()) ?? '', /needs an anti-robot check that runs in JavaScript/);
  await context.close();
});

test('Admin › Defences: refused addresses and accounts, a lockout lifted, a range blocked and unblocked', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.start('admin', { basePath: '', env: { BOT_POW: 'off', TRUST_PROXY: 'passenger', RATE_LIMIT_LOGIN: '1000/minute' }, stopAfter: t });
  // A guesser at 198.51.100.7 locks "mina" out (she need not exist): ten failures, each after the
  // previous lockout ran out, leave a lockout of 2^5 = 32 s; a form bot fills the decoy.
  const from = (ip: string) => ({ 'Content-Type': 'application/json', 'X-Forwarded-For': ip });
  for (let failures = 0; failures < 10; ) {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: from('198.51.100.7'), body: JSON.stringify({ username: 'mina', password: 'guess' }) });
    const body = (await res.json()) as { retryAfter?: number };
    if (res.status === 401) failures += 1;
    else await new Promise((resolve) => setTimeout(resolve, (body.retryAfter ?? 1) * 1000 + 100));
  }
  const html = await (await fetch(`${base}/login`)).text();
  const token = /name="form_token" value="([^"]+)"/.exec(html)![1]!;
  const decoy = /name="(contact_[0-9a-f]+)"/.exec(html)![1]!;
  await fetch(`${base}/api/auth/login`, { method: 'POST', headers: from('203.0.113.66'), body: JSON.stringify({ username: 'spam', password: 'x', form_token: token, [decoy]: 'buy now' }) });

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${base}/admin#defences`);
  await page.waitForTimeout(1100); // a person's pace (BOT_FORM_MIN_MS); the page's script would wait too
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/admin#defences`);
  await page.getByRole('heading', { name: 'Defences' }).waitFor();
  const addresses = page.locator('#refused-addresses tbody');
  await addresses.locator('code', { hasText: '203.0.113.66' }).waitFor();
  assert.match((await addresses.textContent()) ?? '', /honeypot ×1/);
  assert.match((await page.locator('#refused-accounts tbody').textContent()) ?? '', /spam/);
  const locked = page.locator('#locked-out tbody');
  assert.match((await locked.textContent()) ?? '', /mina.*198\.51\.100\.7/);

  await page.getByRole('button', { name: 'Lift lockout of mina' }).click();
  // It lets guessing at mina's password go on: the admin's own password first (step-up), once
  // for the five minutes that follow.
  await page.getByRole('dialog', { name: 'Confirm it\u2019s you' }).getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await locked.getByText('Nobody is locked out.').waitFor();
  assert.match((await page.locator('#defences-status').textContent()) ?? '', /mina can sign in again/);

  await page.getByLabel(/Address or range/).fill('2001:db8:1234::/48');
  await page.getByLabel('Reason (optional)').fill('scraper');
  await page.getByRole('button', { name: 'Block', exact: true }).click();
  const blocks = page.locator('#blocks-table tbody');
  await blocks.locator('code', { hasText: '2001:db8:1234::/48' }).waitFor();
  assert.equal((await fetch(`${base}/login`, { headers: { 'X-Forwarded-For': '2001:db8:1234:5::1' } })).status, 403);
  await page.getByRole('button', { name: 'Unblock 2001:db8:1234::/48' }).click();
  await blocks.getByText('No address is blocked.').waitFor();
  assert.equal((await fetch(`${base}/login`, { headers: { 'X-Forwarded-For': '2001:db8:1234:5::1' } })).status, 200);
  await page.getByRole('button', { name: 'Block 203.0.113.66' }).click();
  await blocks.locator('code', { hasText: '203.0.113.66/32' }).waitFor();
  // The 403 is the lift's first answer (step_up_required), which the page turns into the dialog.
  assert.deepEqual(problems.filter((p) => !/status of (404|403)/.test(p)), []);
  await context.close();
});
