/**
 * A CSV import as one operation: check the whole file, then write it all or nothing. The admin
 * route calls a `CsvImporter`; the server hands it one that runs the import in a child process
 * (import-process.ts), so a 100,000-row file does not stall every other request of the process
 * for the second or two that parsing and inserting take. Tests use the in-process one.
 */
import { parseCsv } from './csv.ts';
import type { Figures } from './figures.ts';
import type { ImportProblem, ImportSummary } from './types.ts';

export type ImportOutcome =
  | { readonly ok: true; readonly summary: ImportSummary }
  | { readonly ok: false; readonly problems: readonly ImportProblem[]; readonly problemCount: number };

export type CsvImporter = (bytes: Uint8Array, meta: { readonly actor: string; readonly filename: string }) => Promise<ImportOutcome>;

export function createInProcessImporter(figures: Figures): CsvImporter {
  return async (bytes, meta) => {
    const parsed = parseCsv(bytes);
    if (!parsed.ok) return { ok: false, problems: parsed.problems, problemCount: parsed.problemCount };
    return { ok: true, summary: await figures.importRecords(parsed.rows, meta) };
  };
}
