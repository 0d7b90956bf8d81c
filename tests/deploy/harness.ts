/**
 * What the deploy tests drive: a copy of the project that deploy.sh deploys from (so a test can
 * swap in a broken app.js without touching the checkout or rebuilding it), deploy.sh itself, and
 * a loop of requests that counts what failed while a deploy or rollback ran.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/process.ts';

/** The project as deploy.sh sees it: app.js, package.json, the built dist/, and deploy/. */
export function projectCopy(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const entry of ['app.js', 'dist']) cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  for (const file of ['deploy.sh', 'remote.sh', 'stage.mjs', 'release-package.mjs']) {
    cpSync(path.join(ROOT, 'deploy', file), path.join(dir, 'deploy', file));
  }
  // dist/ is already built (npm test built it); deploy.sh's `npm run build` must not rebuild the
  // checkout that other tests are reading, so here the build is a no-op.
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  pkg.scripts = { build: 'node -e ""' };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return dir;
}

export interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
}

/** `bash deploy/deploy.sh ...args` from the project copy, with only `env` (and PATH) set. */
export function deploySh(project: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Run> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(project, 'deploy', 'deploy.sh'), ...args], {
      cwd: project,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Math.round(performance.now() - began) });
    });
  });
}

export interface Probe {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly total: number;
  readonly failed: number;
  /** The first few failures: "GET url: status" or the network error. */
  readonly failures: readonly string[];
}

/**
 * Requests `probes` in turn from `lanes` parallel lanes until stopped, the way visitors keep
 * coming during a deploy. A request fails unless it answers 200 within 30 s.
 */
export function requestLoop(probes: readonly Probe[], lanes = 2): { stop(): Promise<LoadResult> } {
  let running = true;
  let total = 0;
  const failures: string[] = [];
  const lane = async (offset: number): Promise<void> => {
    for (let i = offset; running; i++) {
      const probe = probes[i % probes.length]!;
      total++;
      try {
        const res = await fetch(probe.url, { headers: probe.headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`GET ${probe.url}: ${res.status}`);
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        failures.push(`GET ${probe.url}: ${(error as Error).message} ${cause?.code ?? ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  return {
    async stop() {
      running = false;
      await done;
      return { total, failed: failures.length, failures: failures.slice(0, 5) };
    },
  };
}
