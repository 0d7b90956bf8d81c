/**
 * Real processes against one file store: bundles storm-worker.ts once (esbuild, so each process
 * starts in milliseconds), spawns workers, and reads journals back as an auditor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { StormArgs, StormResult } from './storm-worker.ts';

export type { StormArgs, StormResult } from './storm-worker.ts';

/** Bundles the worker into `dir`; returns the .cjs path. */
export async function bundleWorker(dir: string): Promise<string> {
  const outfile = path.join(dir, 'storm-worker.cjs');
  await build({
    entryPoints: [path.join(__dirname, 'storm-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  return outfile;
}

export interface Storm {
  readonly child: ChildProcess;
  /** Resolves when the worker printed "storming" (it is about to consume). */
  readonly storming: Promise<void>;
  /** Resolves when the process is gone: its result, or how it died. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; result: StormResult | undefined; stderr: string }>;
}

export function startStorm(worker: string, args: StormArgs): Storm {
  const child = spawn(process.execPath, [worker, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markStorming: () => void = () => undefined;
  const storming = new Promise<void>((resolve) => (markStorming = resolve));
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    if (stderr.includes('storming\n')) markStorming();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; result: StormResult | undefined; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      markStorming();
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve({ code, signal, result: line.startsWith('{') ? (JSON.parse(line) as StormResult) : undefined, stderr });
    }),
  );
  return { child, storming, done };
}

/** Runs workers to the end and returns their results (throws if one failed). */
export async function runStorms(worker: string, all: readonly StormArgs[]): Promise<StormResult[]> {
  const outcomes = await Promise.all(all.map((args) => startStorm(worker, args).done));
  return outcomes.map((o, i) => {
    if (o.code !== 0 || o.result === undefined) throw new Error(`worker ${i} ended with ${o.code ?? o.signal}: ${o.stderr}`);
    return o.result;
  });
}

export interface JournalRecord {
  /** The writing store's random tag (one per process). */
  readonly tag: string;
  readonly key: string;
  /** This record's position among its key's records: admitted when <= the limit. */
  readonly rank: number;
}

/** Every record of one window length's journals in `dir`, in file order, and the malformed lines. */
export function readJournal(dir: string, windowSeconds = 60): { records: JournalRecord[]; malformed: string[] } {
  const records: JournalRecord[] = [];
  const malformed: string[] = [];
  const counts = new Map<string, number>();
  const files = readdirSync(dir).filter((name) => name.startsWith(`w${windowSeconds}-`)).sort();
  for (const file of files) {
    for (const line of readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const m = /^([\w-]+)\.[0-9a-z]+ (.+)$/.exec(line);
      if (m === null) {
        malformed.push(line);
        continue;
      }
      const key = `${file}:${m[2]!}`;
      const rank = (counts.get(key) ?? 0) + 1;
      counts.set(key, rank);
      records.push({ tag: m[1]!, key: m[2]!, rank });
    }
  }
  return { records, malformed };
}
