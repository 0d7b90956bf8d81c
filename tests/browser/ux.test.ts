/**
 * Issue 17's phone layout, edges and admin questions, in real headless Chromium against the
 * built app: no sideways scrolling at 360 px (Value cells on screen), no 404 for a favicon, the
 * clamped page, a bad date explained beside its field with "Reset filters", figures that could
 * not be reloaded marked stale, the Category list walked with the arrow keys without a request
 * per key, the focus kept after "Download PDF" and when "Next" becomes disabled, the sign-in page
 * saying why you are there and bringing you back (tab and filters), the silent renewal of an
 * expired access token without /login, and the admin's confirmations and form errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { dashboardSettled, launchChromium, signIn, unexpected } from '../helpers/browser.ts';
import { SAMPLE_FIGURES, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'ux test password';
const fixture = browserFixture({ secret: 'u'.repeat(64), password: PASSWORD, env: SAMPLE_FIGURES });

const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).textContent()) ?? '').trim();
const focusedId = (page: Page): Promise<string> => page.evaluate(() => document.activeElement?.id ?? '');

test('at 360 px no page scrolls sideways, the Value cells are on screen, and no page asks for a missing favicon', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.shared();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const missing: string[] = [];
  page.on('response', (response) => {
    if (response.status() === 404 && response.request().resourceType() !== 'document') missing.push(response.url());
  });
  const widths: Record<string, { scroll: number; client: number }> = {};
  const measure = async (name: string): Promise<void> => {
    widths[name] = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  };
  await page.goto(`${base}/login`);
  await measure('sign-in');
  await page.goto(`${base}/no-such-page`);
  await measure('404');
  await page.goto(`${base}/`);
  await signIn(page, 'chair', PASSWORD, `${base}/`);
  await dashboardSettled(page);
  await measure('dashboard');
  const values = await page.locator('#records tbody td.num').evaluateAll((cells) => cells.map((c) => c.getBoundingClientRect()));
  assert.ok(values.length > 0);
  for (const box of values) assert.ok(box.left >= 0 && box.right <= 360, `a Value cell spans ${box.left}–${box.right} px`);
  const total = await page.locator('#card-total .card-note').evaluate((n) => n.getBoundingClientRect().height / parseFloat(getComputedStyle(n).lineHeight));
  t.diagnostic(`the Total card's note takes ${total.toFixed(1)} lines`);
  // Each date of the note on one line: a Range over it has a single box.
  const dateLines = await page.locator('#card-total .card-note').evaluate((note) => {
    const lines: number[] = [];
    const walker = document.createTreeWalker(note, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      for (const m of (node.textContent ?? '').matchAll(/\d{4}-\d{2}-\d{2}/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        lines.push(range.getClientRects().length);
      }
    }
    return lines;
  });
  assert.ok(dateLines.length >= 2, 'the note shows the range');
  assert.deepEqual(dateLines, dateLines.map(() => 1), 'no date broken in the middle');
  for (const tab of ['users', 'imports', 'audit']) {
    await page.goto(`${base}/admin#${tab}`);
    await page.waitForFunction((id) => !/Loading/.test(document.querySelector(`#${id} tbody`)?.textContent ?? 'Loading'), tab);
    await measure(`admin ${tab}`);
  }
  t.diagnostic(`page widths at 360 px: ${Object.entries(widths).map(([k, v]) => `${k} ${v.scroll}/${v.client}`).join(', ')}`);
  for (const [name, { scroll, client }] of Object.entries(widths)) assert.ok(scroll <= client, `${name}: ${scroll} px of content in ${client} px`);
  assert.deepEqual(missing, [], 'no 404 for the favicon or anything else');
  assert.match((await page.locator('link[rel="icon"]').getAttribute('href')) ?? '', /^\/dashboard\/assets\/favicon-[A-Z0-9]{8}\.svg$/);
  await context.close();
});

test('a page past the end is the last page; Previous and Next agree; the focus stays when Next becomes disabled', async (t) => {
  const opened = await fixture.openShared(t, { where: '/?page=9999', settle: true });
  if (opened === undefined) return;
  const { page, problems } = opened;
  const range = await text(page, '#range');
  const match = /^Rows ([\d,]+)–([\d,]+) of ([\d,]+)$/.exec(range);
  assert.ok(match, range);
  const [first, last, total] = match.slice(1).map((n) => Number(n.replace(/,/g, '')));
  assert.equal(last, total, 'the last rows');
  const lastPage = Math.ceil(total! / 25);
  assert.equal(first, (lastPage - 1) * 25 + 1);
  assert.equal(new URL(page.url()).searchParams.get('page'), String(lastPage), 'the URL names the page shown');
  assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true);
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.waitForURL((url) => url.searchParams.get('page') === String(lastPage - 1));
  await dashboardSettled(page);
  assert.match(await text(page, '#range'), new RegExp(`^Rows ${((lastPage - 2) * 25 + 1).toLocaleString('en')}–`));

  // With the keyboard on Next to the last page: Next is disabled there, and the focus moves to Previous, not to the top.
  await page.getByRole('button', { name: 'Next' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('page') === String(lastPage));
  await dashboardSettled(page);
  await page.waitForFunction(() => (document.getElementById('next') as HTMLButtonElement).disabled);
  assert.equal(await focusedId(page), 'prev');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('Download PDF keeps the focus on its button', async (t) => {
  const opened = await fixture.openShared(t, { settle: true });
  if (opened === undefined) return;
  const { page } = opened;
  const button = page.getByRole('button', { name: 'Download PDF' });
  await button.focus();
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.keyboard.press('Enter')]);
  assert.match(download.suggestedFilename(), /\.pdf$/);
  await page.waitForFunction(() => document.getElementById('download')?.textContent === 'Download PDF' && !document.getElementById('download')?.hasAttribute('aria-disabled'));
  assert.equal(await focusedId(page), 'download');
  await page.context().close();
});

test('a bad date in the URL is explained beside its field, the rest of the page works, and Reset filters clears it', async (t) => {
  const opened = await fixture.openShared(t, { where: '/?from=yesterday&category=%EC%84%9C%EC%9A%B8%20%EC%A7%80%EC%A0%90', settle: true });
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  const from = page.getByLabel('From', { exact: true });
  const message = page.locator('#f-from-error');
  await message.waitFor({ state: 'visible' });
  assert.match(await message.textContent() ?? '', /^The start date “yesterday” is not a day of the calendar\. Pick one, or write it as YYYY-MM-DD/);
  assert.equal(await from.getAttribute('aria-invalid'), 'true');
  assert.match((await from.getAttribute('aria-describedby')) ?? '', /f-from-error/);
  assert.equal(await page.locator('#error').isHidden(), true, 'no developer message in a banner');
  // The rest works: lists filled, figures drawn for the other filters.
  assert.ok((await page.getByLabel('Metric').locator('option').count()) > 0, 'the Metric list is filled');
  assert.equal(await page.locator('#figures').isVisible(), true);
  assert.equal(await text(page, '#card-count .card-note'), '서울 지점', 'the good filter still applies');
  // "All time" from here starts at the first data, not today.
  await page.getByRole('button', { name: 'All time' }).click();
  await dashboardSettled(page);
  assert.notEqual(await from.inputValue(), await page.getByLabel('To', { exact: true }).inputValue());
  assert.equal(await message.isHidden(), true, 'a new choice clears the message');

  await page.goto(`${base}/?from=yesterday&metric=profit`);
  await dashboardSettled(page);
  await message.waitFor({ state: 'visible' });
  const before = await page.evaluate(() => history.length);
  await page.getByRole('link', { name: 'Reset filters' }).click();
  await page.waitForURL(`${base}/`);
  await dashboardSettled(page);
  assert.equal(await message.isHidden(), true);
  assert.equal(await page.locator('#f-metric-error').isHidden(), true);
  assert.equal(await from.getAttribute('aria-invalid'), null);
  assert.equal(await page.evaluate(() => history.length), before + 1, 'one history entry, no reload');
  assert.deepEqual(unexpected(problems).filter((p) => !/400/.test(p)), []);
  await page.context().close();
});

test('a reload that fails keeps the old figures, visibly marked out of date', async (t) => {
  const opened = await fixture.openShared(t, { settle: true });
  if (opened === undefined) return;
  const { page } = opened;
  const total = await text(page, '#card-total .card-value');
  await page.route('**/api/dashboard/**', (route) => route.abort('internetdisconnected'));
  await page.getByLabel('Category', { exact: true }).selectOption('부산 지점');
  await page.locator('#figures[data-stale="true"]').waitFor();
  const note = page.locator('#stale-note');
  assert.equal(await note.isVisible(), true);
  assert.match((await note.textContent()) ?? '', /^Out of date: these figures are still those for .*all categories\. The ones for the filters above could not be loaded\.$/);
  assert.equal(await text(page, '#card-total .card-value'), total, 'the old figures stay');
  const opacity = await page.locator('#figures > section').first().evaluate((n) => Number(getComputedStyle(n).opacity));
  assert.ok(opacity < 1, 'dimmed');
  await page.unroute('**/api/dashboard/**');
  await page.getByRole('button', { name: 'Retry' }).click();
  await page.locator('#figures:not([data-stale])').waitFor();
  assert.equal(await note.isHidden(), true);
  assert.equal(await text(page, '#card-count .card-note'), '부산 지점');
  await page.context().close();
});

test('arrow keys on the closed Category list make no request until Enter: then one request and one history entry', async (t) => {
  const opened = await fixture.openShared(t, { settle: true });
  if (opened === undefined) return;
  const { page, problems } = opened;
  const requests: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/dashboard/')) requests.push(request.url());
  });
  const entries = await page.evaluate(() => history.length);
  const category = page.getByLabel('Category', { exact: true });
  await category.focus();
  for (let i = 0; i < 3; i += 1) await page.keyboard.press('ArrowDown');
  const walked = await category.inputValue();
  assert.notEqual(walked, '', 'the keys moved the choice');
  // Nothing is asked while the choice is being walked (give a request every chance to start).
  await page.waitForTimeout(700);
  assert.equal(requests.length, 0, `no request per arrow key: ${requests.join(' ')}`);
  assert.equal(new URL(page.url()).searchParams.get('category'), null);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('category') === walked);
  await dashboardSettled(page);
  assert.equal(requests.filter((u) => u.includes('/figures')).length, 1, `one figures request: ${requests.join(' ')}`);
  assert.equal(requests.filter((u) => u.includes('/table')).length, 1);
  assert.equal(await page.evaluate(() => history.length), entries + 1, 'one history entry');

  // Walking and leaving the list (Tab) applies too, once.
  requests.length = 0;
  await category.focus();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Tab');
  await dashboardSettled(page);
  await page.waitForURL((url) => url.searchParams.get('category') !== walked);
  assert.equal(requests.filter((u) => u.includes('/figures')).length, 1);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('a session ended elsewhere: the sign-in page says so, and signing in brings back the tab and the filters', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin#audit' });
  if (opened === undefined) return;
  const { page, base, browser } = opened;
  await page.getByLabel('Action').locator('option', { hasText: /^Sign-in$/ }).waitFor({ state: 'attached' });
  await page.getByLabel('Action').selectOption({ label: 'Sign-in' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(`${base}/admin?action=login#audit`);

  // Elsewhere (another browser), the same person signs out everywhere.
  const other = await fixture.open(browser, base);
  await other.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await other.page.waitForURL(/\/login/);
  await other.page.context().close();

  await page.reload();
  await page.waitForURL(/\/dashboard\/login\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('notice'), 'ended');
  assert.equal(url.searchParams.get('next'), '/dashboard/admin?action=login');
  assert.match((await page.getByRole('alert').textContent()) ?? '', /Your session was ended elsewhere/);
  await signIn(page, 'chair', PASSWORD, `${base}/admin?action=login#audit`);
  await page.locator('#audit').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#users').isVisible(), false, 'the Audit tab, as before');
  await page.waitForFunction(() => (document.getElementById('audit-action') as HTMLSelectElement).selectedOptions[0]?.textContent === 'Sign-in');
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')].every((c) => c.textContent === 'Sign-in'));
  await page.context().close();
});

test('an expired access token is renewed in the page: no trip through /login, the tab and the filters stay', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { app, base } = await fixture.start('short', { env: { ACCESS_TOKEN_TTL: '3s' }, stopAfter: t });
  const { page, problems } = await fixture.open(browser, base, { where: '/admin?outcome=success#audit' });
  await page.locator('#audit-table tbody tr td.when').first().waitFor();
  const documents: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'document') documents.push(new URL(request.url()).pathname);
  });
  // 3 s of life plus the verifier's 5 s leeway, and a margin.
  await page.waitForTimeout(8500);
  const started = Date.now();
  await page.reload();
  await page.locator('#audit-table tbody tr td.when').first().waitFor();
  t.diagnostic(`reload with an expired access token to the audit log drawn: ${Date.now() - started} ms`);
  assert.deepEqual(documents, ['/dashboard/admin'], 'one document: no /login in between');
  assert.equal(page.url(), `${base}/admin?outcome=success#audit`);
  assert.equal(await page.locator('#audit').isVisible(), true);
  assert.equal(await page.getByLabel('Outcome').inputValue(), 'success');
  await app.waitFor(/POST \/dashboard\/api\/auth\/refresh 200/);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('admin: confirmations before disabling, role changes and signing someone out; every Add-user error beside its field at once', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin' });
  if (opened === undefined) return;
  const { page, problems } = opened;
  await page.getByRole('cell', { name: /chair/ }).first().waitFor();

  await page.getByRole('button', { name: 'Add user' }).click();
  for (const [id, words] of [['username', /Enter a username/], ['displayName', /Enter the person/], ['password', /at least 12 characters/]] as const) {
    const slot = page.locator(`#new-${id}-error`);
    assert.equal(await slot.isVisible(), true, `${id} has its message`);
    assert.match((await slot.textContent()) ?? '', words);
    assert.equal(await page.locator(`#new-${id}`).getAttribute('aria-invalid'), 'true');
  }
  assert.equal(await focusedId(page), 'new-username', 'the focus goes to the first');
  assert.equal(await page.locator('#create-error').isHidden(), true, 'nothing below the form');

  await page.getByLabel('Username', { exact: true }).fill('park');
  await page.getByLabel('Name', { exact: true }).fill('박지훈');
  await page.getByLabel(/^Password/).fill('park test password');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator('#users-status').filter({ hasText: 'Added park (member).' }).waitFor();
  assert.equal(await page.locator('#new-username-error').isHidden(), true, 'the messages went with the problems');

  const row = page.locator('#users-table tbody tr', { hasText: 'park' });
  const disable = page.getByRole('button', { name: 'Disable park' });
  await disable.click();
  const sure = page.getByRole('dialog', { name: 'Disable park?' });
  await sure.waitFor();
  assert.match((await sure.getAttribute('aria-describedby')) ?? '', /confirm-text/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'the safe choice has the focus');
  await page.keyboard.press('Escape');
  await sure.waitFor({ state: 'detached' });
  await page.locator('#users-status').filter({ hasText: 'Nothing was changed.' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Disable park', 'the focus is back on the button');
  assert.match((await row.textContent()) ?? '', /Active/);

  await disable.click();
  await sure.getByRole('button', { name: 'Disable park' }).click();
  // Taking access away also needs the admin's password (step-up) once.
  const password = page.getByRole('dialog', { name: 'Confirm it\u2019s you' });
  await password.getByLabel('Your password').fill(PASSWORD);
  await password.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#users-status').filter({ hasText: 'park is disabled.' }).waitFor();
  await row.filter({ hasText: 'Disabled' }).waitFor();

  await page.getByRole('button', { name: 'Make admin park' }).click();
  await page.getByRole('dialog', { name: 'Make park an administrator?' }).getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#users-status').filter({ hasText: 'Nothing was changed.' }).waitFor();
  assert.match((await row.textContent()) ?? '', /Member/);

  await page.getByRole('button', { name: 'Sign out everywhere park' }).click();
  await page.getByRole('dialog', { name: 'Sign park out everywhere?' }).getByRole('button', { name: 'Sign park out' }).click();
  await page.locator('#users-status').filter({ hasText: 'Every session of park has ended.' }).waitFor();
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});
