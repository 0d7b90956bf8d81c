/**
 * The step-up dialog for a WordPress-linked admin once single sign-on is switched off, in real
 * headless Chromium. As it happens on a real site: the app ran with WP_SSO_SECRET, the admin
 * signed in through WordPress, then the owner removed the secret and restarted; the session
 * cookies still work, but "Confirm with WordPress" has nowhere to go and the account has no
 * dashboard password. The dialog must say so and offer only a way out, and nothing may change.
 * (With SSO on, the link's round trip runs against a real WordPress: tests/wordpress/.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { launchChromium, unexpected, watchConsole } from '../helpers/browser.ts';
import { artifact, browserFixture } from '../helpers/browser-app.ts';
import { pluginClaims, signLikePlugin } from '../wordpress/sign.ts';

const PASSWORD = 'chair test password';
const WP_URL = 'https://wp.example';
const fixture = browserFixture({ secret: 's'.repeat(64), password: PASSWORD });

/** The landing's Set-Cookie lines into the browser, each with its own Path (the refresh cookie's is the auth API's). */
async function addSessionCookies(context: BrowserContext, base: string, lines: readonly string[]): Promise<void> {
  const domain = new URL(base).hostname;
  await context.addCookies(
    lines.map((line) => {
      const [pair = '', ...attributes] = line.split('; ');
      const at = pair.indexOf('=');
      const path = attributes.find((a) => a.startsWith('Path='))?.slice('Path='.length);
      assert.ok(path !== undefined, line);
      return { name: pair.slice(0, at), value: pair.slice(at + 1), domain, path, httpOnly: attributes.includes('HttpOnly'), sameSite: 'Strict' as const };
    }),
  );
}

test('a WordPress admin with single sign-on switched off: the step-up dialog says why it cannot confirm, Close and Escape change nothing', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const wpSecret = randomBytes(32).toString('hex');
  const on = await fixture.start('site', { env: { WP_URL, WP_SSO_SECRET: wpSecret }, stopAfter: t });
  const admin = `${new URL(on.base).pathname}/admin`;
  // As the plugin's form posts it: no auth_time, so this sign-in is not confirmed for step-up.
  const token = signLikePlugin(pluginClaims({ issuer: WP_URL, now: Math.floor(Date.now() / 1000), userId: 7, login: 'minji', name: '김민지', roles: ['administrator'] }), wpSecret);
  const landed = await fetch(`${on.base}/auth/wordpress`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: WP_URL },
    body: new URLSearchParams({ token, next: admin }).toString(),
    redirect: 'manual',
  });
  assert.equal(landed.status, 303);
  assert.equal(landed.headers.get('Location'), admin);
  const cookies = landed.headers.getSetCookie();
  assert.equal(cookies.length, 3, cookies.join('\n'));
  await on.app.stop();

  const { app, base } = await fixture.start('site', { stopAfter: t });
  assert.equal((await fetch(`${base}/auth/wordpress`, { method: 'POST' })).status, 404, 'single sign-on is off now');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await addSessionCookies(context, base, cookies);
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(`${base}/admin`);
  await page.getByRole('cell', { name: /chair/ }).first().waitFor();
  assert.match((await page.locator('#users-table tbody tr', { hasText: 'minji' }).textContent()) ?? '', /minji.*you.*WordPress.*Administrator/, 'signed in as the WordPress admin');
  assert.equal(await page.locator('[data-wordpress-step-up]').count(), 0, 'the page knows no WordPress to confirm with');

  const dialog = page.getByRole('dialog', { name: 'Confirm it\u2019s you' });
  const close = dialog.getByRole('button', { name: 'Close' });
  const focused = (): Promise<string> => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
  const disableChair = async (): Promise<void> => {
    await page.getByRole('button', { name: 'Disable chair' }).click();
    await page.getByRole('dialog', { name: 'Disable chair?' }).getByRole('button', { name: 'Disable chair' }).click();
    await dialog.waitFor();
  };
  const refused = async (): Promise<void> => {
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 });
    await page.locator('#users-error').filter({ hasText: 'Nothing was changed: this needs confirming it\u2019s you with WordPress.' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Disable chair', undefined, { timeout: 5_000 });
  };

  await disableChair();
  assert.match(String(await dialog.locator('#step-up-wordpress-why').textContent()), /signing in with WordPress is not set up here\. Ask an admin who has a dashboard password\.$/);
  assert.equal(await dialog.locator('#step-up-wordpress-why').isVisible(), true);
  assert.equal(await dialog.getByLabel('Your password').isVisible(), false, 'no password box: the account has no dashboard password');
  assert.deepEqual(await dialog.getByRole('button').allTextContents(), ['Close'], 'the one way is out');
  assert.equal(await dialog.getByRole('link').count(), 0, 'no "Confirm with WordPress" to nowhere');
  assert.equal(await dialog.getAttribute('aria-describedby'), 'step-up-wordpress-why');
  assert.equal(await focused(), 'Close', 'focus on the only button');
  await page.keyboard.press('Tab');
  assert.equal(await focused(), 'Close', 'Tab stays inside');
  await page.screenshot({ path: artifact('admin-step-up-sso-off.png') });
  await close.click();
  await refused();

  await disableChair();
  assert.equal(await focused(), 'Close');
  await page.keyboard.press('Escape');
  await refused();

  // Nothing changed, as the server sees it: chair is still an active admin, and no update was audited.
  const seen = await page.evaluate(async (prefix) => {
    const users = (await (await fetch(`${prefix}/api/admin/users`)).json()) as { users: Array<{ username: string; role: string; disabled: boolean }> };
    const audit = (await (await fetch(`${prefix}/api/admin/audit?action=user_update`)).json()) as { entries: unknown[] };
    return { chair: users.users.find((u) => u.username === 'chair'), updates: audit.entries.length };
  }, new URL(base).pathname);
  assert.equal(seen.chair?.role, 'admin');
  assert.equal(seen.chair?.disabled, false);
  assert.equal(seen.updates, 0);
  assert.match((await page.locator('#users-table tbody tr', { hasText: 'chair' }).textContent()) ?? '', /Administrator.*Active/);
  assert.deepEqual(unexpected(problems), []);
  assert.deepEqual(app.lines.filter((l) => / ERROR /.test(l)), [], 'the app logged no error');
  await context.close();
});
