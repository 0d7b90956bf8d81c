/**
 * The admin page in real headless Chromium, against the built app: a CSV import through the
 * page (progress, result, then the figures on the dashboard), a bad file (every problem by line
 * number, nothing changed), accounts (create, the self-lockout refusal, password reset ending a
 * session), the step-up dialog before the dangerous ones, a member's view (no Admin link,
 * /admin is 403), and the audit log.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { dashboardSettled, launchChromium, unexpected } from '../helpers/browser.ts';
import { solvedPow } from '../helpers/http-session.ts';
import { SAMPLE_FIGURES, artifact, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'admin test password';
const MEMBER_PASSWORD = 'member test password';
const fixture = browserFixture({ secret: 'a'.repeat(64), password: PASSWORD, env: SAMPLE_FIGURES });

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const historyRows = (page: Page): Promise<number> => page.locator('#imports-table tbody tr').count();

/** Records the import's visible phases as they happen (a small local upload is over in milliseconds). */
async function watchPhases(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = ((window as unknown as { phases: string[] }).phases = []);
    const phase = document.getElementById('import-phase')!;
    new MutationObserver(() => seen.push(phase.textContent ?? '')).observe(phase, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { phases: string[] }).phases);
}

test('an admin imports a CSV through the page, sees progress and the result, and the dashboard shows it', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin#imports' });
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  assert.equal(await page.locator('#imports').isVisible(), true, 'the #imports tab is shown');
  assert.equal(await page.locator('#users').isVisible(), false);
  await page.locator('#imports-table tbody tr td', { hasText: /\d/ }).first().waitFor();
  const before = await historyRows(page);

  const lines = ['date,category,metric,value,note'];
  for (let i = 0; i < 10; i += 1) lines.push(`${day(-20 + i)},대구 지점,visitors,${100 + i},${i === 0 ? '"개점, first day"' : ''}`);
  const phases = await watchPhases(page);
  await page.getByLabel('CSV file').setInputFiles({ name: 'daegu.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
  await page.getByRole('button', { name: 'Import' }).click();
  const status = page.locator('#import-status');
  await status.filter({ hasText: /^Imported/ }).waitFor();
  assert.equal(await status.textContent(), `Imported 10 records for ${day(-20)} – ${day(-11)} (replaced 0).`);
  const seen = await phases();
  assert.ok(seen.includes('Checking and importing…'), `phases shown: ${seen.join(' | ')}`);
  assert.ok(seen.some((p) => /^Uploading… \d+%$/.test(p)), 'upload progress shown');
  await page.waitForFunction((n) => document.querySelectorAll('#imports-table tbody tr').length === n, before + 1);
  assert.match((await page.locator('#imports-table tbody tr').first().textContent()) ?? '', /daegu\.csv.*10/);

  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.waitForURL(`${base}/`);
  await dashboardSettled(page);
  await page.getByLabel('Metric', { exact: true }).selectOption('visitors');
  await page.waitForURL(/metric=visitors/);
  await dashboardSettled(page);
  await page.getByLabel('Category', { exact: true }).selectOption('대구 지점');
  await page.waitForURL(/category=/);
  await dashboardSettled(page);
  assert.equal(await page.locator('#card-count .card-value').textContent(), '10');
  assert.equal(await page.locator('#card-total .card-value').textContent(), '1,045');
  assert.equal(await page.locator('#records tbody td.note', { hasText: '개점, first day' }).count(), 1);
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('a bad CSV shows its problems by line number and changes nothing', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin#imports' });
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  await page.locator('#imports-table tbody tr td', { hasText: /\d/ }).first().waitFor();
  const before = await historyRows(page);
  const csv = ['date,category,metric,value', `${day(-5)},광주 지점,visitors,10`, '2026-02-30,광주 지점,visitors,11', `${day(-3)},광주 지점,visitors,"1,234"`, `${day(-2)},,visitors,5`, ''].join('\n');
  await page.getByLabel('CSV file').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Import' }).click();
  const box = page.locator('#import-problems');
  await box.waitFor({ state: 'visible' });
  const items = await box.locator('li').allTextContents();
  assert.equal(items.length, 3, items.join('\n'));
  assert.match(items[0]!, /^line 3: /);
  assert.match(items[1]!, /^line 4: .*thousands separator/);
  assert.match(items[2]!, /^line 5: category is empty/);
  assert.match((await box.textContent()) ?? '', /Nothing was changed/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-problems', 'focus moves to the problems');
  await page.screenshot({ path: artifact('admin-import-problems.png') });
  await page.reload();
  await page.locator('#imports-table tbody tr td', { hasText: /\d/ }).first().waitFor();
  assert.equal(await historyRows(page), before, 'no import was recorded');

  await page.goto(`${base}/`);
  await dashboardSettled(page);
  const categories = await page.getByLabel('Category', { exact: true }).locator('option').allTextContents();
  assert.equal(categories.includes('광주 지점'), false, 'the bad file added no category');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('accounts: create a member, no self-lockout, a member sees no admin, a reset password ends their session', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin' });
  if (opened === undefined) return;
  const { page, problems, base, browser } = opened;
  await page.getByRole('cell', { name: /chair/ }).first().waitFor();

  await page.getByLabel('Username').fill('kim');
  await page.getByLabel('Name', { exact: true }).fill('김민수');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator('#new-password-error').filter({ hasText: /at least 12 characters/ }).waitFor();
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true', 'the field in question is marked');
  assert.equal(await page.getByLabel('Password').getAttribute('aria-describedby'), 'new-password-error', 'and points at its message');
  await page.getByLabel('Password').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator('#users-status').filter({ hasText: 'Added kim (member).' }).waitFor();
  const row = page.locator('#users-table tbody tr', { hasText: 'kim' });
  assert.match((await row.textContent()) ?? '', /김민수.*Member.*Active.*Never/);

  // Your own row offers nothing that would lock you out (the API refuses it too: tests/http).
  assert.equal(await page.getByRole('button', { name: 'Disable chair' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Make member chair' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Disable kim' }).count(), 1, 'but others\u2019 rows do');

  const member = await fixture.open(browser, base, { user: 'kim', password: MEMBER_PASSWORD, settle: true });
  assert.equal(await member.page.getByRole('link', { name: 'Admin' }).count(), 0, 'a member sees no Admin link');
  assert.equal(await member.page.getByRole('link', { name: /Import a CSV/ }).count(), 0);
  const forbidden = await member.page.goto(`${base}/admin`);
  assert.equal(forbidden?.status(), 403);
  assert.equal(await member.page.locator('#users-table').count(), 0);
  await member.page.goBack();
  await dashboardSettled(member.page);

  await page.getByRole('button', { name: 'Reset password of kim' }).click();
  await page.getByLabel('New password for kim').fill('a brand new password');
  await page.getByRole('button', { name: 'Set password', exact: true }).click();
  // It hands over kim's account: the admin's own password first (step-up), then it goes through.
  await page.getByRole('dialog', { name: 'Confirm it\u2019s you' }).getByLabel('Your password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.locator('#users-status').filter({ hasText: /password of kim was changed/ }).waitFor();
  await member.page.getByRole('button', { name: 'Last 30 days' }).click();
  await member.page.waitForURL(/\/dashboard\/login/);
  assert.equal(await member.page.locator('#figures').count(), 0, 'the member was signed out');
  assert.deepEqual(unexpected([...problems, ...member.problems]), []);
  await member.page.context().close();
  await page.context().close();
});

test('a dangerous action asks for the password in a dialog: Escape cancels, a wrong one is said there, the right one retries the action', async (t) => {
  const opened = await fixture.openShared(t, { where: '/admin' });
  if (opened === undefined) return;
  const { page, problems, base } = opened;
  await page.getByRole('cell', { name: /chair/ }).first().waitFor();
  await page.getByLabel('Username', { exact: true }).fill('lee');
  await page.getByLabel('Name', { exact: true }).fill('Lee');
  await page.getByLabel('Password', { exact: true }).fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.locator('#users-status').filter({ hasText: 'Added lee (member).' }).waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0, 'adding a member asks nothing');

  const dialog = page.getByRole('dialog', { name: 'Confirm it\u2019s you' });
  const makeAdmin = page.getByRole('button', { name: 'Make admin lee' });
  const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || '');
  // First "are you sure?" (lib/confirm.ts), then the password.
  const sure = page.getByRole('dialog', { name: 'Make lee an administrator?' });
  await makeAdmin.click();
  await sure.getByRole('button', { name: 'Make lee admin' }).click();
  await dialog.waitFor();
  const field = dialog.getByLabel('Your password');
  assert.equal(await field.getAttribute('autocomplete'), 'current-password');
  assert.equal(await field.getAttribute('type'), 'password');
  assert.match((await dialog.getAttribute('aria-describedby')) ?? '', /step-up-why/);
  assert.equal(await focused(), 'step-up-password', 'focus starts in the password field');
  // Tab stays inside: field, Confirm, Cancel, and round to the field; Shift+Tab goes back round.
  const stops: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    stops.push(await focused());
  }
  assert.deepEqual(stops, ['Confirm', 'Cancel', 'step-up-password']);
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'Cancel');
  await page.screenshot({ path: artifact('admin-step-up.png') });

  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#users-error').filter({ hasText: /Nothing was changed/ }).waitFor();
  await page.waitForFunction(() => document.activeElement?.textContent === 'Make admin lee');
  assert.match((await page.locator('#users-table tbody tr', { hasText: 'lee' }).textContent()) ?? '', /Member/, 'cancelled: lee is still a member');

  await makeAdmin.click();
  await sure.getByRole('button', { name: 'Make lee admin' }).click();
  await dialog.waitFor();
  await field.fill('not my password');
  await page.keyboard.press('Enter');
  await dialog.locator('#step-up-error').filter({ hasText: 'That password is not right.' }).waitFor();
  assert.equal(await dialog.isVisible(), true, 'the dialog stays for another try');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal(await focused(), 'step-up-password');
  await field.fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#users-status').filter({ hasText: 'lee is now an administrator.' }).waitFor();
  await page.locator('#users-table tbody tr', { hasText: 'lee' }).filter({ hasText: 'Administrator' }).waitFor();
  assert.equal(await page.locator('#step-up-password').inputValue(), '', 'the password does not stay in the page');

  // Confirmed for a few minutes: the next dangerous action asks nothing.
  await page.getByRole('button', { name: 'Disable lee' }).click();
  await page.getByRole('dialog', { name: 'Disable lee?' }).getByRole('button', { name: 'Disable lee' }).click();
  await page.locator('#users-status').filter({ hasText: 'lee is disabled.' }).waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0);
  const audit = await page.evaluate(async (prefix) => {
    const res = await fetch(`${prefix}/api/admin/audit?action=step_up`);
    return ((await res.json()) as { entries: Array<{ outcome: string }> }).entries.map((e) => e.outcome);
  }, new URL(base).pathname);
  assert.deepEqual(audit.slice(0, 2), ['success', 'failure'], 'both attempts audited, newest first');
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});

test('the audit log lists what happened, filters it, and pages back', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.shared();
  // Enough entries for more than one page (50): every sign-in is audited.
  // (From a script, so each solves the proof of work: earlier tests' wrong passwords from this
  // address make sign-in ask for it, BOT_POW=adaptive.)
  for (let i = 0; i < 45; i += 1) {
    const pow = await solvedPow(base, 'chair');
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'chair', password: PASSWORD, pow }) });
    assert.equal(res.status, 200);
  }
  const { page, problems } = await fixture.open(browser, base, { where: '/admin#audit' });
  const table = page.locator('#audit-table tbody');
  await table.locator('tr td.when').first().waitFor();
  assert.equal(await table.locator('tr').count(), 50, 'the first page');
  const total = await page.evaluate(async (path) => {
    let count = 0;
    for (let next: number | null | undefined, i = 0; next !== null && i < 10; i += 1) {
      const res = await fetch(`${path}/api/admin/audit?limit=200${next === undefined ? '' : `&before=${next}`}`);
      const body = (await res.json()) as { entries: unknown[]; next: number | null };
      count += body.entries.length;
      next = body.next;
    }
    return count;
  }, new URL(base).pathname);
  const older = page.getByRole('button', { name: 'Load older' });
  while (await older.isVisible()) {
    const shown = await table.locator('tr').count();
    await older.click();
    await page.waitForFunction((n) => document.querySelectorAll('#audit-table tbody tr').length > n, shown);
  }
  assert.equal(await table.locator('tr').count(), total, '"Load older" walks back to the first entry, each entry once');
  const ids = await table.locator('tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
  assert.equal(new Set(ids).size, total);
  await page.getByLabel('Outcome').selectOption('failure');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody .badge')].every((b) => b.textContent === 'failure'));
  await page.getByLabel('Outcome').selectOption('');
  // The known actions in words, not internal names.
  const actions = await page.getByLabel('Action').locator('option').allTextContents();
  assert.ok(actions.includes('PDF report') && actions.includes('Data import') && !actions.includes('report_pdf'), actions.join(', '));
  await page.getByLabel('Action').selectOption({ label: 'Data import' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/\?action=data_import#audit$/);
  await page.waitForFunction(() => [...document.querySelectorAll('#audit-table tbody tr td:nth-child(3)')].every((c) => c.textContent === 'Data import'));
  await page.waitForFunction(() => document.querySelectorAll('#audit-table tbody tr').length < 10);
  assert.equal(await older.isVisible(), false, 'no older page for a handful of entries');

  // Tabs are links: each has an address, and the keyboard reaches them.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(/#users$/);
  await page.locator('#users').waitFor({ state: 'visible' }); // on hashchange, just after the URL changes
  assert.equal(await page.locator('#audit').isVisible(), false);
  await page.locator('#users-table tbody tr td', { hasText: 'chair' }).first().waitFor();
  await page.screenshot({ path: artifact('admin.png'), fullPage: true });
  assert.deepEqual(unexpected(problems), []);
  await page.context().close();
});
