/**
 * Sign-in in a real browser, against the built app at a sub-path: the page is accessible and
 * works with the keyboard, the dashboard renders on the FIRST load after sign-in, an expired
 * access token is renewed silently, and after sign-out the back button shows no data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { launchChromium, watchConsole } from '../helpers/browser.ts';
import { artifact, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'browser test password';
const fixture = browserFixture({ secret: 'b'.repeat(64), password: PASSWORD });

test('sign in with the keyboard, land on the dashboard on the first load, sign out', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  // A short access-token life (3 s + 5 s leeway) to see the silent refresh happen.
  const { app, base } = await fixture.start('main', { env: { ACCESS_TOKEN_TTL: '3s' }, stopAfter: t });

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);

  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/dashboard/login', 'signed out, the dashboard sends you to sign in');
  // Labels name the fields (what screen readers and password managers rely on).
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill('not the password');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('alert');
  await alert.waitFor({ state: 'visible' });
  assert.match((await alert.textContent()) ?? '', /username or password is not right/);

  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${base}/`);
  // First load: the dashboard is the server-rendered page, no reload or polling needed.
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');
  assert.equal(await page.locator('#who').textContent(), 'Administrator');
  await page.screenshot({ path: artifact('home.png'), fullPage: true });
  const cookies = await context.cookies();
  const access = cookies.find((c) => c.name === 'dash_access');
  assert.equal(access?.httpOnly, true);
  assert.equal(access?.path, '/dashboard');
  assert.equal(access?.sameSite, 'Strict');
  assert.equal(cookies.find((c) => c.name === 'dash_refresh')?.path, '/dashboard/api/auth');
  assert.equal(cookies.find((c) => c.name === 'dash_csrf')?.httpOnly, false, 'the page can read the CSRF cookie');

  // Past the access token's life: a reload goes through sign-in, which renews silently and comes back.
  await page.waitForTimeout(8500);
  await page.reload();
  await page.waitForURL(`${base}/`, { timeout: 10_000 });
  assert.equal(await page.locator('#who').textContent(), 'Administrator');
  await app.waitFor(/POST \/dashboard\/api\/auth\/refresh 200/);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/dashboard\/login\?notice=signed_out/);
  assert.match((await page.getByRole('alert').textContent()) ?? '', /signed out/);
  await page.goBack();
  await page.waitForLoadState('load');
  assert.equal(await page.locator('#who, #figures').count(), 0, 'going back shows no data after sign-out');
  assert.deepEqual(problems.filter((p) => !/401|Failed to load resource/.test(p)), [], 'no script errors and no CSP violations');
  await context.close();
});

test('the sign-in page is usable on a phone-sized screen and sends no-JavaScript users through the form', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  // A DATA_DIR of its own: the first test's deliberate wrong password from this address makes
  // sign-in ask this address for proof of work for a while (BOT_POW=adaptive), which a browser
  // without JavaScript cannot give.
  const { base } = await fixture.start('nojs', { basePath: '', stopAfter: t });
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.screenshot({ path: artifact('login-phone.png') });
  const box = await page.getByRole('button', { name: 'Sign in' }).boundingBox();
  assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 360, 'the button fits the screen');
  // A person takes longer than BOT_FORM_MIN_MS (1 s) to fill the form; a script filling it at
  // once is refused by the form's timing check (src/bot/form-token.ts), so wait as a person would.
  await page.waitForTimeout(1100);
  await page.getByLabel('Username').fill('chair');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Dashboard');
  assert.equal(await page.locator('#who').textContent(), 'Administrator');
  await context.close();
});
