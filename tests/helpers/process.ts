/** Real app processes for tests: spawn `node app.js`, read its log, wait, stop; a group of them for a describe. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface AppProcess {
  readonly child: ChildProcess;
  /** Every line the process printed (stdout and stderr). */
  readonly lines: string[];
  /** Resolves with the first line matching, waiting up to `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** http://127.0.0.1:PORT, once the app said it is listening. */
  url(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Files to preload with `node -r`, e.g. a fake PhusionPassenger global. */
  readonly preload?: readonly string[];
  /** Runs the process as this user and group (as Passenger runs the app), e.g. to share its DATA_DIR. */
  readonly uid?: number;
  readonly gid?: number;
}

export function spawnApp(options: SpawnOptions): AppProcess {
  const args = [...(options.preload ?? []).flatMap((file) => ['-r', file]), 'app.js'];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', ...options.env };
  const ids = { ...(options.uid === undefined ? {} : { uid: options.uid }), ...(options.gid === undefined ? {} : { gid: options.gid }) };
  const child = spawn(process.execPath, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...ids });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const waitFor = (pattern: RegExp, ms = 10_000): Promise<string> => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${lines.join('\n')}`)), ms);
      waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  };
  return {
    child,
    lines,
    waitFor,
    exited,
    async url() {
      const line = await waitFor(/ listening port=\d+/);
      return `http://127.0.0.1:${/port=(\d+)/.exec(line)![1]}`;
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * For a describe's tests about app processes sharing one DATA_DIR: `count` processes spawned with
 * `options`, started together before the tests and ready once each listens and one of them has
 * created the first admin (they race for it), killed with SIGKILL after the tests. The arrays
 * fill in when the tests start. Call it inside the describe, before its own after hooks.
 */
export function processesForTests(count: number, options: SpawnOptions): { readonly apps: AppProcess[]; readonly bases: string[] } {
  const apps: AppProcess[] = [];
  const bases: string[] = [];
  before(async () => {
    apps.push(...Array.from({ length: count }, () => spawnApp(options)));
    bases.push(...(await Promise.all(apps.map((app) => app.url()))));
    await Promise.any(apps.map((app) => app.waitFor(/created the first admin/, 60_000)));
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
  });
  return { apps, bases };
}

/** A folder holding only what a release holds: app.js, package.json and dist/ — no node_modules. */
export function releaseCopy(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-release-'));
  for (const entry of ['app.js', 'package.json', 'dist']) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** `node dist/cli.cjs ...args` in `cwd` (a release folder), with `stdin` piped in and a bare environment. */
export function runCli(cwd: string, args: readonly string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli.cjs', ...args], { cwd, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/**
 * The environment of app processes that share one DATA_DIR in a test about the shared database:
 * the (per-process) limiters and proof of work are kept out of the way.
 */
export function sharedDataEnv(dataDir: string, admin: { username: string; password: string }): Record<string, string> {
  return {
    NODE_ENV: 'development',
    SECRET_KEY: randomBytes(32).toString('hex'),
    DATA_DIR: dataDir,
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    RATE_LIMIT_DEFAULT: '1000000/minute',
    RATE_LIMIT_LOGIN: '1000000/minute',
    RATE_LIMIT_STORAGE: 'memory://',
    BOT_POW: 'off',
  };
}
