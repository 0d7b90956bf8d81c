/** Spawns tests/db/worker.ts as real child processes, and stops them when the test ends. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKER = path.join(__dirname, 'worker.ts');

export interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: string[];
  waitFor(pattern: RegExp, ms?: number): Promise<string>;
  /** Releases the start barrier (see worker.ts). */
  go(): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorker(t: TestContext, args: readonly string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      const matched = waiters.filter((w) => w.pattern.test(line));
      waiters = waiters.filter((w) => !matched.includes(w));
      for (const w of matched) w.resolve(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    go: () => child.stdin!.end('go\n'),
    waitFor(pattern, ms = 60_000) {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker ${child.pid}: timed out waiting for ${pattern}; output:\n${lines.join('\n')}`)), ms);
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`worker ${child.pid} exited (${code ?? signal}) before ${pattern}; output:\n${lines.join('\n')}`));
        });
      });
    },
  };
}

/** Starts workers, waits until every one is ready, then releases them together. */
export async function startTogether(t: TestContext, argsList: ReadonlyArray<readonly string[]>): Promise<Worker[]> {
  const workers = argsList.map((args) => startWorker(t, args));
  await Promise.all(workers.map((w) => w.waitFor(/^ready$/)));
  for (const w of workers) w.go();
  return workers;
}
