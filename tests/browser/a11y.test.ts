/**
 * axe-core on every page, signed out and signed in, light and dark (prefers-color-scheme), on a
 * desktop and on a 375 px phone: zero violations. The run prints how many pages were checked and
 * how many violations were found, so a regression is seen as a number, not only as a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { axe, describeViolations, type AxeViolation } from '../helpers/axe.ts';
import { dashboardSettled, launchChromium, signIn } from '../helpers/browser.ts';
import { SAMPLE_FIGURES, browserFixture } from '../helpers/browser-app.ts';

const PASSWORD = 'a11y test password';
const fixture = browserFixture({ secret: 'e'.repeat(64), password: PASSWORD, env: SAMPLE_FIGURES });

const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 375, height: 740 } } as const;
const SCHEMES = ['light', 'dark'] as const;

/** The admin tab's list has been drawn (no "Loading…" row left). */
async function adminSettled(page: Page, tab: string): Promise<void> {
  await page.locator(`#${tab}`).waitFor({ state: 'visible' });
  await page.waitForFunction(() => !/Loading/.test(document.querySelector('section.panel:not([hidden]) tbody')?.textContent ?? ''));
}

test('axe-core finds no violations on any page, signed out and in, light and dark, desktop and phone', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const { base } = await fixture.start('main', { stopAfter: t });

  const found: Array<{ where: string; violations: AxeViolation[] }> = [];
  let pages = 0;
  const check = async (page: Page, where: string): Promise<void> => {
    pages += 1;
    const violations = await axe(page);
    if (violations.length > 0) found.push({ where, violations });
  };

  for (const scheme of SCHEMES) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();
      const tag = `${scheme}, ${size}`;
      await page.goto(`${base}/login`);
      await check(page, `sign-in (${tag})`);
      await page.goto(`${base}/login?notice=ended&next=${encodeURIComponent('/dashboard/admin')}`);
      await check(page, `sign-in after the session ended (${tag})`);
      await page.goto(`${base}/no-such-page`);
      await check(page, `404 signed out (${tag})`);

      await page.goto(`${base}/`);
      await signIn(page, 'chair', PASSWORD, `${base}/`);
      await dashboardSettled(page);
      await check(page, `dashboard (${tag})`);
      await page.goto(`${base}/?from=not-a-day`);
      await dashboardSettled(page);
      await page.locator('#f-from-error').waitFor({ state: 'visible' });
      await check(page, `dashboard with a bad filter (${tag})`);
      await page.goto(`${base}/?from=2001-01-01&to=2001-01-31`);
      await dashboardSettled(page);
      await check(page, `dashboard, nothing found (${tag})`);
      for (const tab of ['users', 'imports', 'audit']) {
        await page.goto(`${base}/admin#${tab}`);
        await adminSettled(page, tab);
        await check(page, `admin ${tab} (${tag})`);
      }
      await page.goto(`${base}/admin#users`);
      await adminSettled(page, 'users');
      await page.getByRole('button', { name: /^Sign out everywhere .+/ }).first().click();
      await page.getByRole('dialog').waitFor();
      await check(page, `admin confirmation dialog (${tag})`);
      await page.keyboard.press('Escape');
      await page.goto(`${base}/no-such-page`);
      await check(page, `404 signed in (${tag})`);
      await context.close();
    }
  }
  const count = found.reduce((n, f) => n + f.violations.length, 0);
  t.diagnostic(`axe-core: ${pages} pages checked, ${count} violations`);
  console.log(`axe-core: ${pages} pages checked, ${count} violations`);
  assert.equal(count, 0, found.map((f) => `${f.where}:\n  ${describeViolations(f.violations)}`).join('\n'));
});
