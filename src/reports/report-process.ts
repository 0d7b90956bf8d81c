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
import { runChild } from '../jobs/child-process.ts';
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
  const timeoutMs = options.timeoutMs ?? 120_000;
  const render = async (input: ReportInput): Promise<Uint8Array> => {
    const wire: WireReportInput = { ...input, generatedAt: input.generatedAt.toISOString() };
    let ended;
    try {
      ended = await runChild([...REPORT_CHILD_FLAGS, options.script, options.fontDir], JSON.stringify(wire), { timeoutMs, stderr: 'capture' });
    } catch (error) {
      throw new ReportProcessError('the report process could not be started', { cause: error });
    }
    if (ended.code === 0) {
      if (ended.stdout.subarray(0, 5).toString('latin1') === '%PDF-') return ended.stdout;
      throw new ReportProcessError('the report process answered something that is not a PDF');
    }
    const why = ended.timedOut ? `timed out after ${timeoutMs} ms` : ended.signal !== null ? `killed by ${ended.signal}` : `exit ${ended.code}`;
    const said = ended.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new ReportProcessError(`the report process failed (${why})${said === '' ? '' : `: ${said}`}`);
  };
  return options.slots === undefined ? render : (input) => (options.slots as SlotRunner)(() => render(input));
}
