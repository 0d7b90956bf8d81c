/**
 * One run of a short-lived child process of the app (a PDF render, a CSV import): the same node
 * binary and environment as the app (CloudLinux's Node.js selector may need its variables),
 * `input` on its standard input, killed after `timeoutMs`. Resolves when it has ended, however
 * it ended; rejects only when it could not be started. The caller reads the outcome.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: Buffer;
  /** Its first 4,000 characters, when `stderr` is 'capture'. */
  readonly stderr: string;
}

export interface ChildOptions {
  readonly timeoutMs: number;
  /** 'inherit': the child's log lines go to the app's own; 'capture': kept for the outcome. */
  readonly stderr: 'inherit' | 'capture';
}

export function runChild(args: readonly string[], input: string | Uint8Array, options: ChildOptions): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    // The cast names what the stdio option gives: node's overloads cannot follow a chosen third entry.
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', options.stderr === 'inherit' ? 'inherit' : 'pipe'] }) as ChildProcessByStdio<Writable, Readable, Readable | null>;
    const chunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      if (stderr.length < 4000) stderr += text;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: Buffer.concat(chunks), stderr });
    });
    // A child that died early closes its stdin: 'close' above tells how it ended.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
