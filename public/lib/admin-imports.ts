/** Admin › Imports: upload a CSV with progress, show the result or every problem, and the history. */
import type { ImportProblem, ImportSummary } from '../../src/figures/types.ts';
import { ApiFailure, getJson } from './api.ts';
import { byId, fill, h, say } from './dom.ts';
import { formatCount, formatMoment, formatRange } from './format.ts';
import { uploadCsv } from './upload.ts';

/** The API takes up to 20 MB; saying so before sending spares a long upload that would fail. */
const MAX_BYTES = 20 * 1024 * 1024;

function importRow(item: ImportSummary): HTMLTableRowElement {
  return h(
    'tr',
    {},
    h('td', {}, formatMoment(item.at)),
    h('td', { class: 'file' }, item.filename),
    h('td', { class: 'num' }, formatCount(item.rows)),
    h('td', {}, formatRange(item.from, item.to)),
    h('td', { class: 'num' }, formatCount(item.replaced)),
    h('td', {}, item.actor),
  );
}

export async function loadImports(): Promise<void> {
  const body = byId<HTMLTableElement>('imports-table').tBodies[0]!;
  try {
    const { imports } = await getJson<{ imports: ImportSummary[] }>('/api/admin/imports');
    if (imports.length === 0) fill(body, h('tr', {}, h('td', { colspan: 6 }, 'Nothing has been imported yet.')));
    else fill(body, ...imports.map(importRow));
  } catch (error) {
    fill(body, h('tr', {}, h('td', { colspan: 6 }, 'The history could not be loaded.')));
    say(byId('import-error'), error instanceof ApiFailure ? error.detail.message : 'Could not reach the server.');
  }
}

function showProblems(message: string, problems: readonly ImportProblem[], count: number): void {
  const box = byId('import-problems');
  const more = count > problems.length ? h('p', {}, `Showing the first ${formatCount(problems.length)} of ${formatCount(count)} problems.`) : null;
  fill(
    box,
    h('p', {}, h('strong', {}, message)),
    h('p', {}, `${/nothing was changed/i.test(message) ? '' : 'Nothing was changed. '}Fix ${count === 1 ? 'this line' : `these ${formatCount(count)} lines`} and import the file again.`),
    h('ul', { class: 'problems' }, ...problems.map((p) => h('li', {}, `line ${p.line}: ${p.reason}`))),
    more,
  );
  box.hidden = false;
  box.focus();
}

export function wireImport(onImported: () => void): void {
  const form = byId<HTMLFormElement>('import-form');
  const fileInput = byId<HTMLInputElement>('import-file');
  const submit = byId<HTMLButtonElement>('import-submit');
  const progress = byId('import-progress');
  const bar = byId<HTMLProgressElement>('import-bar');
  const phase = byId('import-phase');
  const status = byId('import-status');
  const errorBox = byId('import-error');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    say(errorBox, '');
    byId('import-problems').hidden = true;
    if (file === undefined) return say(errorBox, 'Choose a CSV file to import.');
    if (file.size > MAX_BYTES) return say(errorBox, 'The file is larger than 20 MB; split it into smaller files.');
    submit.disabled = true;
    progress.hidden = false;
    bar.value = 0;
    phase.textContent = 'Uploading\u2026 0%';
    say(status, `Uploading ${file.name}\u2026`);
    try {
      const answer = await uploadCsv(file, (fraction) => {
        if (fraction === null) {
          bar.removeAttribute('value'); // indeterminate: the server is working
          phase.textContent = 'Checking and importing\u2026';
          say(status, 'Checking and importing\u2026');
        } else {
          bar.value = Math.round(fraction * 100);
          phase.textContent = `Uploading\u2026 ${bar.value}%`;
        }
      });
      if (answer.status === 201) {
        const summary = answer.body.import as ImportSummary;
        say(status, `Imported ${formatCount(summary.rows)} records for ${formatRange(summary.from, summary.to)} (replaced ${formatCount(summary.replaced)}).`);
        form.reset();
        onImported();
      } else if (Array.isArray(answer.body.problems)) {
        say(status, ''); // the alert below says it
        const problems = answer.body.problems as ImportProblem[];
        showProblems(String(answer.body.message ?? 'The file was not imported.'), problems, Number(answer.body.problemCount ?? problems.length));
      } else {
        say(status, '');
        say(errorBox, typeof answer.body.message === 'string' ? answer.body.message : `The import failed (status ${answer.status}).`);
      }
    } catch (error) {
      say(status, '');
      say(errorBox, error instanceof Error ? error.message : 'The import failed.');
    } finally {
      submit.disabled = false;
      progress.hidden = true;
    }
  });
}
