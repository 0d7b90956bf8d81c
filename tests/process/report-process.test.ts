/**
 * PDFs in a child process (src/reports/report-process.ts with the built dist/report-worker.cjs):
 * the same bytes as rendering in process, failures that name their cause without hanging, and
 * the account's heavy-work slots (jobs/account-slots.ts) holding renders from every process to
 * the number configured.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createProcessRenderer, ReportProcessError } from '../../src/reports/report-process.ts';
import { renderReport } from '../../src/reports/report.ts';
import { createFontLoader } from '../../src/reports/font.ts';
import { accountSlots } from '../../src/jobs/account-slots.ts';
import { createFileLock } from '../../src/db/lock.ts';
import { ROOT } from '../helpers/process.ts';
import { sampleInput } from '../reports/report-input.ts';

const SCRIPT = path.join(ROOT, 'dist/report-worker.cjs');
const FONTS = path.join(ROOT, 'dist/fonts');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a report rendered in a child process is byte for byte the one rendered in process', async () => {
  const input = sampleInput(120);
  const child = await createProcessRenderer({ script: SCRIPT, fontDir: FONTS })(input);
  const here = await renderReport(input, await createFontLoader(FONTS)());
  assert.equal(Buffer.from(child.subarray(0, 5)).toString('latin1'), '%PDF-');
  assert.ok(Buffer.from(child).equals(Buffer.from(here)), `child ${child.length} bytes, in process ${here.length} bytes`);
});

test('a child that cannot render, cannot start, dies or overruns is a ReportProcessError naming why, never a hang', async (t) => {
  const dir = tempDir(t);
  const input = sampleInput(3);
  await assert.rejects(createProcessRenderer({ script: SCRIPT, fontDir: path.join(dir, 'no-fonts') })(input), (error: unknown) => {
    assert.ok(error instanceof ReportProcessError);
    assert.match(error.message, /exit 1.*FontUnavailableError: the report font cannot be read \(ENOENT\)/);
    return true;
  });
  await assert.rejects(createProcessRenderer({ script: path.join(dir, 'missing.cjs'), fontDir: FONTS })(input), /report process failed \(exit 1\)/);
  const dies = path.join(dir, 'dies.cjs');
  writeFileSync(dies, 'process.kill(process.pid, "SIGKILL");');
  await assert.rejects(createProcessRenderer({ script: dies, fontDir: FONTS })(input), /killed by SIGKILL/);
  const hangs = path.join(dir, 'hangs.cjs');
  writeFileSync(hangs, 'setInterval(() => {}, 1000);');
  await assert.rejects(createProcessRenderer({ script: hangs, fontDir: FONTS, timeoutMs: 300 })(input), /timed out after 300 ms/);
  const lies = path.join(dir, 'lies.cjs');
  writeFileSync(lies, 'process.stdout.write("<html>not a pdf</html>");');
  await assert.rejects(createProcessRenderer({ script: lies, fontDir: FONTS })(input), /not a PDF/);
});

test('heavy-work slots: never more tasks at once than slots, across renderers sharing the lock files', async (t) => {
  const dir = tempDir(t);
  const locks = () => [1, 2].map((i) => createFileLock(path.join(dir, `heavy-${i}.lock`)));
  // Two runners over the same files stand for two app processes (the lock names its owner by
  // token; liveness by pid is tested in tests/db/lock.test.ts).
  const a = accountSlots(locks(), { waitMs: 10_000, pollMs: 5 });
  const b = accountSlots(locks(), { waitMs: 10_000, pollMs: 5 });
  let running = 0;
  let most = 0;
  const task = async (): Promise<void> => {
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, 40));
    running -= 1;
  };
  await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b)(task)));
  assert.equal(most, 2);
});

test('heavy-work slots: busy past the wait is SlotsBusyError (503); a dead owner\'s slot is taken; unusable lock files do not stop the work', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'heavy-1.lock');
  // A live owner that is not us: the test runner's parent process.
  writeFileSync(file, JSON.stringify({ pid: process.ppid, start: '', host: hostname(), token: 'other' }));
  const slots = accountSlots([createFileLock(file)], { waitMs: 150, pollMs: 10 });
  await assert.rejects(slots(async () => 'ran'), { name: 'SlotsBusyError' });

  // The same slot, its owner gone (a pid that cannot exist): recovered, the task runs.
  writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 1, start: '', host: hostname(), token: 'dead' }));
  assert.equal(await slots(async () => 'ran'), 'ran');

  // The run folder missing (a full or read-only disk looks the same): the work runs, reported once.
  const errors: unknown[] = [];
  const nowhere = accountSlots([createFileLock(path.join(dir, 'gone', 'heavy-1.lock'))], { waitMs: 150, onError: (e) => errors.push(e) });
  assert.equal(await nowhere(async () => 'ran anyway'), 'ran anyway');
  assert.equal(errors.length, 1);
  assert.match(String((errors[0] as Error).message), /ENOENT/);
});
