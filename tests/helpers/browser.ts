/** Debian's Chromium driven by playwright-core (never a downloaded browser). */
import type { TestContext } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
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
