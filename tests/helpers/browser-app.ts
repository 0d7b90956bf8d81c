/**
 * The built app for the browser tests: one release copy per test file, apps started from it
 * with the admin "chair", and pages signed in on them in Debian's Chromium.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, type TestContext } from 'node:test';
import type { Browser, Page, ViewportSize } from 'playwright-core';
import { dashboardSettled, launchChromium, signIn, watchConsole } from './browser.ts';
import { ROOT, releaseCopy, spawnApp, type AppProcess } from './process.ts';

const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts');

/** tests/artifacts/<name> (screenshots people look at), the folder made if need be. */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/**
 * Development mode, so an app holds a year of sample figures (and the fixture waits for them),
 * and a sign-in limit that a file signing in once a test stays under.
 */
export const SAMPLE_FIGURES: Readonly<Record<string, string>> = { NODE_ENV: 'development', RATE_LIMIT_LOGIN: '100/minute' };

export interface BrowserApp {
  readonly app: AppProcess;
  /** http://127.0.0.1:PORT and the base path. */
  readonly base: string;
}

export interface StartOptions {
  /** On top of the file's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** BASE_PATH: '/dashboard' unless given ('' for none). */
  readonly basePath?: string;
  /** Stops the app when this test ends (otherwise the caller stops it). */
  readonly stopAfter?: TestContext;
}

export interface OpenOptions {
  /** The page to open and to land on again after signing in: '/' unless given. */
  readonly where?: string;
  readonly viewport?: ViewportSize;
  /** 'chair' and the file's password unless given. */
  readonly user?: string;
  readonly password?: string;
  /** Wait for the dashboard to draw its figures after landing: the file's `settle` unless given. */
  readonly settle?: boolean;
  /** Once signed in, go on to this page (and wait for it as for the first). */
  readonly thenTo?: string;
}

export interface SignedInPage {
  readonly page: Page;
  /** What the page reports (watchConsole). */
  readonly problems: string[];
}

export interface OpenedTest extends SignedInPage {
  readonly browser: Browser;
  readonly base: string;
}

export interface BrowserFixture {
  /** The release folder. */
  readonly release: string;
  /**
   * An app with DATA_DIR data-<name> in the release, once it listens and has its admin (and
   * sample figures). A name started before (and stopped) is a restart: its folder as left.
   */
  start(name: string, options?: StartOptions): Promise<BrowserApp>;
  /** One app for the file's tests that need no special settings: started on first use, stopped after them. */
  shared(): Promise<BrowserApp>;
  /** A new browser context and page (its console watched), signed in at `where` and landed there again. */
  open(browser: Browser, base: string, options?: OpenOptions): Promise<SignedInPage>;
  /** Chromium, the shared app and a page signed in on it; undefined (the test returns) without Chromium. */
  openShared(t: TestContext, options?: OpenOptions): Promise<OpenedTest | undefined>;
}

/**
 * Sets up a browser test file: copies the release (removed after the file's tests) and gives
 * ways to start its apps (SECRET_KEY `secret`, the admin chair with `password`, `env` on every
 * one), the one shared app, and signed-in pages. `settle`: every signed-in page first waits
 * for the dashboard to draw its figures. Call it once, at the top of the file.
 */
export function browserFixture(file: { secret: string; password: string; env?: Readonly<Record<string, string>>; settle?: boolean }): BrowserFixture {
  const release = releaseCopy();
  let shared: Promise<BrowserApp> | undefined;
  // Hooks run in the order they are added: the shared app stops before its folder goes.
  after(async () => (await shared)?.app.stop());
  after(() => release.remove());

  const start = async (name: string, options: StartOptions = {}): Promise<BrowserApp> => {
    const basePath = options.basePath ?? '/dashboard';
    const dataDir = path.join(release.dir, `data-${name}`);
    // A restart finds its admin and figures already there, and says nothing of them.
    const fresh = !existsSync(dataDir);
    const env: Record<string, string> = {
      ...(basePath === '' ? {} : { BASE_PATH: basePath }),
      SECRET_KEY: file.secret,
      DATA_DIR: dataDir,
      ADMIN_USERNAME: 'chair',
      ADMIN_PASSWORD: file.password,
      ...file.env,
      ...options.env,
    };
    const app = spawnApp({ cwd: release.dir, env });
    options.stopAfter?.after(() => app.stop());
    const base = `${await app.url()}${basePath}`;
    if (fresh) await app.waitFor(/created the first admin/);
    if (fresh && env.NODE_ENV === 'development') await app.waitFor(/development: imported sample figures/);
    return { app, base };
  };

  const open = async (browser: Browser, base: string, options: OpenOptions = {}): Promise<SignedInPage> => {
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watchConsole(page);
    const where = options.where ?? '/';
    await page.goto(`${base}${where}`);
    await signIn(page, options.user ?? 'chair', options.password ?? file.password, `${base}${where}`);
    const settle = options.settle ?? file.settle === true;
    if (settle) await dashboardSettled(page);
    if (options.thenTo !== undefined) {
      await page.goto(`${base}${options.thenTo}`);
      if (settle) await dashboardSettled(page);
    }
    return { page, problems };
  };

  const sharedApp = (): Promise<BrowserApp> => (shared ??= start('shared'));
  return {
    release: release.dir,
    start,
    shared: sharedApp,
    open,
    async openShared(t, options) {
      const browser = await launchChromium(t);
      if (browser === undefined) return undefined;
      const { base } = await sharedApp();
      return { browser, base, ...(await open(browser, base, options)) };
    },
  };
}
