/**
 * Renders each PDF in a short-lived child process (dist/report-worker.cjs) and hands back its
 * bytes. The child takes pdf-lib, fontkit, the font and the pages' drawing with it when it ends,
 * so the app's process is back to its size within moments of each report instead of keeping a
 * V8 heap grown by 60–90 MB for the rest of its life (issue 15). A fresh child each time, not a
 * pooled one: there is no state to go stale, a crash loses one report, and the start costs
 * about 0.2 s against a render of 0.4–1 s.
 *
 * The child runs with a small young generation (most of a render's garbage is short-lived page
 * objects; 1,000 rows peak near 100 MB instead of 130) and an old-generation ceiling, so that a
 * runaway render dies on its own rather than take the account over its memory cap.
 */
import { spawn } from 'node:child_process';
import type { SlotRunner } from '../jobs/account-slots.ts';
import type { ReportInput } from './report.ts';
import type { WireReportInput } from './report-worker.ts';

export interface ReportProcessOptions {
  /** dist/report-worker.cjs */
  readonly script: string;
  /** dist/fonts */
  readonly fontDir: string;
  /** Kill the child after this long. */
  readonly timeoutMs?: number;
  /** Where each render waits for one of the account's heavy-work slots (jobs/account-slots.ts). */
  readonly slots?: SlotRunner;
}

/** V8 flags of the child: see above. 384 MB is well above a 10,000-row report (about 250 MB). */
export const REPORT_CHILD_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=384'] as const;

export class ReportProcessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReportProcessError';
  }
}

export function createProcessRenderer(options: ReportProcessOptions): (input: ReportInput) => Promise<Uint8Array> {
  const render = (input: ReportInput): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const wire: WireReportInput = { ...input, generatedAt: input.generatedAt.toISOString() };
      // The same node binary and environment as the app (CloudLinux's Node.js selector may need
      // its variables); the child reads only its argument and standard input.
      const child = spawn(process.execPath, [...REPORT_CHILD_FLAGS, options.script, options.fontDir], { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let errors = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, options.timeoutMs ?? 120_000);
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        if (errors.length < 4000) errors += text;
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new ReportProcessError('the report process could not be started', { cause: error }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          const pdf = Buffer.concat(chunks);
          if (pdf.subarray(0, 5).toString('latin1') === '%PDF-') return resolve(pdf);
          return reject(new ReportProcessError('the report process answered something that is not a PDF'));
        }
        const why = timedOut ? `timed out after ${options.timeoutMs ?? 120_000} ms` : signal !== null ? `killed by ${signal}` : `exit ${code}`;
        const said = errors.trim().split('\n').slice(-3).join(' | ');
        reject(new ReportProcessError(`the report process failed (${why})${said === '' ? '' : `: ${said}`}`));
      });
      // A child that died early closes its stdin: the error is reported by 'close' above.
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(wire));
    });
  return options.slots === undefined ? render : (input) => (options.slots as SlotRunner)(() => render(input));
}
