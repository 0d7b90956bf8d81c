/**
 * Admin API: data imports. The CSV arrives as the raw request body (the page uploads it with
 * progress) or as a form's `file` field (no JavaScript). It is checked whole before anything is
 * written: one bad line and nothing changes, every bad line reported with its number.
 */
import type { Hono } from 'hono';
import type { AppContext, AppEnv } from '../http/context.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { AppError } from '../http/errors.ts';
import type { Session } from '../auth/session.ts';
import type { Figures } from '../figures/figures.ts';
import type { CsvImporter } from '../figures/importer.ts';
import type { Store } from '../store/index.ts';

export const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

export interface AdminImportDeps {
  readonly figures: Figures;
  /** Checks and writes a CSV file, all or nothing (in a child process, in the server). */
  readonly importCsv: CsvImporter;
  readonly store: Store;
  readonly clientAddress: ClientAddress;
}

function cleanFilename(name: string | undefined): string {
  // Shown back in the history: keep it short and free of path parts and control characters.
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 120);
  return clean === '' ? 'upload.csv' : clean;
}

async function readUpload(c: AppContext): Promise<{ bytes: Uint8Array; filename: string }> {
  const type = c.req.header('Content-Type') ?? '';
  if (/^multipart\/form-data\b/i.test(type)) {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) throw new AppError('bad_request', { message: 'Choose a CSV file to import.', details: { field: 'file' } });
    return { bytes: new Uint8Array(await file.arrayBuffer()), filename: cleanFilename(file.name) };
  }
  if (!/^(text\/csv|text\/plain|application\/octet-stream|application\/vnd\.ms-excel)\b/i.test(type)) {
    throw new AppError('bad_request', { message: 'Send the CSV file as the body (Content-Type: text/csv) or as a form field named file.' });
  }
  return { bytes: new Uint8Array(await c.req.arrayBuffer()), filename: cleanFilename(c.req.query('filename')) };
}

/**
 * The README promises every import in the audit log, refused ones included: a file of the wrong
 * type, none at all, one too large, over the import limit, or the import process unavailable.
 * Recorded after the admin is known; a failure to record it must not hide the refusal itself.
 */
export async function auditRefusedImport(deps: Pick<AdminImportDeps, 'store' | 'clientAddress'>, c: AppContext, error: unknown, filename?: string): Promise<void> {
  const session = c.get('session') as Session | undefined;
  if (session === undefined) return;
  const why = error instanceof AppError ? `refused (${error.status}): ${error.message}` : 'failed: internal error';
  try {
    await deps.store.audit({
      action: 'data_import',
      outcome: 'failure',
      actorId: session.user.id,
      actor: session.user.username,
      ip: deps.clientAddress(c),
      target: filename ?? cleanFilename(c.req.query('filename')),
      detail: why.slice(0, 300),
    });
  } catch {
    // The refusal is what the admin must see; the storage trouble shows on its own.
  }
}

export function adminImportRoutes(app: Hono<AppEnv>, deps: AdminImportDeps): void {
  app.get('/api/admin/imports', async function importHistory(c) {
    return c.json({ imports: await deps.figures.listImports() });
  });

  app.post('/api/admin/imports', async function importCsv(c) {
    const session = c.get('session') as Session;
    let upload: { bytes: Uint8Array; filename: string };
    try {
      upload = await readUpload(c);
    } catch (error) {
      await auditRefusedImport(deps, c, error);
      throw error;
    }
    const { bytes, filename } = upload;
    const actor = { actorId: session.user.id, actor: session.user.username, ip: deps.clientAddress(c), target: filename };
    let parsed: Awaited<ReturnType<CsvImporter>>;
    try {
      parsed = await deps.importCsv(bytes, { actor: session.user.username, filename });
    } catch (error) {
      await auditRefusedImport(deps, c, error, filename);
      throw error;
    }
    if (!parsed.ok) {
      await deps.store.audit({ ...actor, action: 'data_import', outcome: 'failure', detail: `${parsed.problemCount} bad lines` });
      const first = parsed.problems[0];
      const message =
        parsed.problemCount === 1 && first !== undefined
          ? `The file was not imported: line ${first.line}: ${first.reason}`
          : `The file was not imported: ${parsed.problemCount.toLocaleString('en')} lines have problems. Nothing was changed.`;
      throw new AppError('bad_request', { message, details: { field: 'file', problems: parsed.problems, problemCount: parsed.problemCount } });
    }
    const { summary } = parsed;
    await deps.store.audit({
      ...actor,
      action: 'data_import',
      outcome: 'success',
      detail: `${summary.rows} rows for ${summary.from}..${summary.to}, replaced ${summary.replaced}`,
    });
    return c.json({ import: summary }, 201);
  });
}
