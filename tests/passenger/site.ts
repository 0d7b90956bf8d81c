/**
 * The cPanel account the Passenger tests run in: public_html with WordPress's standard
 * .htaccess (as WordPress 6.1 writes it) and a stand-in for its index.php, releases installed
 * the way an admin does (app root outside public_html, the .htaccess template filled in), and
 * a private Apache on a free port. Stock Passenger refuses the CloudLinux block's directives in
 * .htaccess, so those few move to the vhost; SetEnv, the rewrite switch and the denials stay.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT } from '../helpers/process.ts';
import { needSystem } from '../helpers/system.ts';
import { APACHE2CTL, freePort, splitHtaccess, startApache, type Apache, type NamedHost } from './apache.ts';
import { listProcesses, systemIds } from './processes.ts';

export const APACHE_USER = 'www-data';
/** Passenger never runs an app as root: with root-owned files it uses PassengerDefaultUser. */
export const APP_USER = 'nobody';
export const APP_GROUP = 'nogroup';
/** What public_html/index.php holds: a request WordPress's rules swallowed answers with it. */
export const WORDPRESS_MARKER = 'WORDPRESS-INDEX-PHP-STAND-IN';
const CLOUDLINUX_BLOCK = /# DO NOT REMOVE\. CLOUDLINUX PASSENGER CONFIGURATION BEGIN\n((?:Passenger\w+ .+\n){5})# DO NOT REMOVE\. CLOUDLINUX PASSENGER CONFIGURATION END\n/;

export interface Site {
  readonly appRoot: string;
  readonly dataDir: string;
  /** The web folder that holds only the .htaccess: public_html/<name>, or a subdomain's docroot. */
  readonly folder: string;
  /** The directives stock Passenger wants in the vhost rather than in .htaccess. */
  readonly vhost: readonly string[];
}

export interface InstallOptions {
  readonly name: string;
  readonly env?: Readonly<Record<string, string>>;
  /** The URL path, e.g. /dashboard; null for an app at the root of a (sub)domain of its own. */
  readonly baseUri?: string | null;
  /** Changes to the template before it is filled in (e.g. a line taken out). */
  readonly edit?: (template: string) => string;
  /** Placeholders left unfilled, as an admin might forget them (e.g. __DATA_DIR__). */
  readonly unfilled?: readonly string[];
  /** More vhost directives for this app (PassengerMinInstances...). */
  readonly passenger?: readonly string[];
}

/** Skips (or in CI fails) without Apache and mod_passenger; otherwise a fresh account folder removed afterwards. */
export function account(t: TestContext): string | undefined {
  const need = { paths: [APACHE2CTL, '/usr/lib/apache2/modules/mod_passenger.so'], packages: ['apache2', 'libapache2-mod-passenger'] };
  if (!needSystem(t, need)) return undefined;
  assertReachable(process.execPath);
  const tmp = mkdtempSync('/tmp/dashboard-passenger-');
  chmodSync(tmp, 0o755); // Apache (www-data) and the app (nobody) walk through it
  const html = path.join(tmp, 'public_html');
  mkdirSync(html);
  copyFileSync(path.join(__dirname, 'fixtures', 'wordpress.htaccess'), path.join(html, '.htaccess'));
  writeFileSync(path.join(html, 'index.php'), `<?php /* ${WORDPRESS_MARKER}: WordPress's front controller */ ?>\n`);
  return tmp;
}

/**
 * PassengerNodejs is the node running the tests, and Passenger runs the app as nobody: a node
 * under a private folder (root's home, say) would fail deep in Passenger's spawn log instead.
 */
function assertReachable(file: string): void {
  const real = realpathSync(file);
  const blocked = [real, ...ancestors(real)].filter((p) => (statSync(p).mode & 0o001) === 0);
  assert.deepEqual(blocked, [], `${APP_USER} cannot reach ${real} (PassengerNodejs): run the tests with a node in a world-readable folder`);
}

function ancestors(file: string): string[] {
  const up = path.dirname(file);
  return up === file ? [] : [up, ...ancestors(up)];
}

/** Stops Apache (reporting what had to be killed), then removes the account folder. */
export async function cleanUp(tmp: string, apache: Apache | undefined): Promise<void> {
  try {
    const killed = (await apache?.stop()) ?? [];
    if (killed.length > 0) process.stderr.write(`passenger test: had to kill ${killed.join(', ')}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Copies what a release zip holds into the app root (over what is there, as an upgrade does). */
export function extractRelease(appRoot: string): void {
  for (const entry of ['app.js', 'package.json', 'dist']) cpSync(path.join(ROOT, entry), path.join(appRoot, entry), { recursive: true, force: true });
}

/** One app as an admin installs it: a release copy, a DATA_DIR, and the filled-in .htaccess. */
export function install(tmp: string, options: InstallOptions): Site {
  const { name } = options;
  const appRoot = path.join(tmp, 'apps', name);
  extractRelease(appRoot);
  const dataDir = path.join(tmp, 'data', name);
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  mkdirSync(dataDir, { mode: 0o700 });
  const app = systemIds(APP_USER, APP_GROUP);
  chownSync(dataDir, app.uid, app.gid);

  const template = readFileSync(path.join(ROOT, '.htaccess'), 'utf8');
  assert.match(template, CLOUDLINUX_BLOCK, 'the template holds the CloudLinux block exactly as cPanel writes it');
  const baseUri = options.baseUri === undefined ? `/${name}` : options.baseUri;
  const edited = (options.edit ?? ((text: string) => text))(template);
  const values: Record<string, string> = { __APP_ROOT__: appRoot, __NODE_BINARY__: process.execPath, __DATA_DIR__: dataDir };
  // At a host's root the directive goes (cPanel writes none); the comments still name it.
  values.__BASE_URI__ = baseUri ?? '/';
  for (const kept of options.unfilled ?? []) delete values[kept];
  let filled = baseUri === null ? edited.replace(/^PassengerBaseURI .*\n/m, '') : edited;
  for (const [placeholder, value] of Object.entries(values)) filled = filled.replaceAll(placeholder, value);
  assert.deepEqual([...new Set(filled.match(/__[A-Z_]+__/g))], [...(options.unfilled ?? [])], 'every other placeholder is filled in');
  const { htaccess, vhost } = splitHtaccess(filled);
  const folder = path.join(tmp, 'public_html', name);
  mkdirSync(folder, { recursive: true });
  const setEnv = Object.entries(options.env ?? {}).map(([key, value]) => `SetEnv ${key} "${value}"\n`).join('');
  writeFileSync(path.join(folder, '.htaccess'), `${htaccess}\n# Added by the test\n${setEnv}`, { mode: 0o644 });
  return { appRoot, dataDir, folder, vhost: [...vhost, ...(options.passenger ?? [])] };
}

export interface Layout {
  /** Apps in the default vhost (127.0.0.1, docroot public_html). */
  readonly sites: readonly Site[];
  /** Apps each at the root of a name-based vhost whose docroot is the site's folder. */
  readonly hosts?: Readonly<Record<string, Site>>;
  readonly maxPoolSize?: number;
  /** PHP through mod_php in the same Apache (a real WordPress at the root). */
  readonly php?: boolean;
}

/** Starts Apache on a free port, trying another if a different program took it meanwhile. */
export async function startOnFreePort(tmp: string, layout: Layout): Promise<Apache> {
  const dir = path.join(tmp, 'apache');
  for (const sub of ['run', 'lock', 'logs', 'passenger', 'spawn', 'buffer']) mkdirSync(path.join(dir, sub), { recursive: true });
  const virtualHosts: NamedHost[] = Object.entries(layout.hosts ?? {}).map(([serverName, site]) => ({
    serverName,
    docroot: site.folder,
    directories: { [site.folder]: site.vhost },
  }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startApache({
        dir,
        port: await freePort(),
        docroot: path.join(tmp, 'public_html'),
        user: APACHE_USER,
        group: APACHE_USER,
        appUser: APP_USER,
        appGroup: APP_GROUP,
        scope: tmp,
        directories: Object.fromEntries(layout.sites.map((s) => [s.folder, s.vhost])),
        virtualHosts,
        ...(layout.maxPoolSize === undefined ? {} : { maxPoolSize: layout.maxPoolSize }),
        ...(layout.php === true ? { php: true } : {}),
      });
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
    }
  }
}

/** Polls the error log until a line matches; Passenger forwards the app's output a bit later. */
export async function logLine(apache: Apache, pattern: RegExp, ms = 5_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = apache.errorLog().split('\n').find((l) => pattern.test(l));
    if (line !== undefined) return line;
    if (Date.now() >= deadline) throw new Error(`no line matching ${pattern} in Apache's error log`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A subtest that prints the error log's tail when it fails. */
export function stepper(t: TestContext, apache: Apache): (name: string, fn: (st: TestContext) => Promise<void>) => Promise<void> {
  return (name, fn) =>
    t.test(name, async (st) => {
      try {
        await fn(st);
      } catch (error) {
        process.stderr.write(`\n--- ${name}: tail of ${apache.errorLogPath} ---\n${apache.tail()}\n---\n`);
        throw error;
      }
    });
}

/** The app's live processes: Passenger starts each in its app root and names it "Passenger NodeApp". */
export function appPids(site: Site): number[] {
  return listProcesses()
    .filter((p) => p.cwd === site.appRoot && p.state !== 'Z' && p.command.startsWith('Passenger NodeApp'))
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

/** Polls `probe` every 200 ms until it gives a value; throws naming `what` after `ms`. */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
