/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import type { TestContext } from 'node:test';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { needSystem } from './system.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(t: TestContext): Promise<Browser | undefined> {
  if (!needSystem(t, { paths: [CHROMIUM], packages: ['chromium'] })) return undefined;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container; and no calls home (this machine has no internet).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  return browser;
}

/** Script errors and CSP violations a page reports (the tests expect none). */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** Problems other than the expected 401s (an expired token before its silent refresh) and failed loads they cause. */
export function unexpected(problems: readonly string[]): string[] {
  return problems.filter((p) => !/401|Failed to load resource/.test(p));
}

/** From any signed-out page of the app: the sign-in form, then wait to land on `landing`. */
export async function signIn(page: Page, username: string, password: string, landing: string | RegExp): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing);
}

/** The dashboard has drawn the answer to its latest request (figures or empty state). */
export async function dashboardSettled(page: Page): Promise<void> {
  await page.locator('#figures[aria-busy="false"]').waitFor({ state: 'attached' });
}
