/**
 * The report's Unicode font (Pretendard, SIL OFL 1.1: Latin and Hangul), read from `dir`
 * (dist/fonts in a release) on first use and once per process: fifty simultaneous first PDF
 * requests share one read. A missing or unreadable file is an ordinary rejected promise
 * (FontUnavailableError, which the route answers with 503 unavailable), never a crash, and the
 * next attempt after a short pause tries again, so restoring the file heals the process.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const FONT_FILES = { regular: 'Pretendard-Regular.ttf', bold: 'Pretendard-Bold.ttf' } as const;
export const FONT_LICENSE_FILE = 'Pretendard-LICENSE.txt';

export interface ReportFonts {
  readonly regular: Uint8Array;
  /** Headings fall back to the regular face when the bold file is absent. */
  readonly bold?: Uint8Array;
}

export class FontUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FontUnavailableError';
  }
}

const RETRY_AFTER_FAILURE_MS = 5000;

export function createFontLoader(dir: string, options: { now?: () => number } = {}): () => Promise<ReportFonts> {
  const now = options.now ?? Date.now;
  let pending: Promise<ReportFonts> | undefined;
  let failedAt: number | undefined;

  const load = async (): Promise<ReportFonts> => {
    const file = path.join(dir, FONT_FILES.regular);
    let regular: Uint8Array;
    try {
      regular = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new FontUnavailableError(`the report font cannot be read (${code}): reinstall ${file}`, { cause: error });
    }
    // "true" in the first four bytes is a Mac TrueType font; 0x00010000 is TrueType; WOFF2 would
    // need brotli, which the bundle leaves out.
    if (!isTrueType(regular)) throw new FontUnavailableError(`the report font is not a TrueType file: reinstall ${file}`);
    const bold = await readFile(path.join(dir, FONT_FILES.bold)).catch(() => undefined);
    return bold !== undefined && isTrueType(bold) ? { regular, bold } : { regular };
  };

  return function loadFonts() {
    if (pending !== undefined && failedAt !== undefined && now() - failedAt >= RETRY_AFTER_FAILURE_MS) pending = undefined;
    if (pending === undefined) {
      failedAt = undefined;
      pending = load();
      pending.catch(() => {
        failedAt = now();
      });
    }
    return pending;
  };
}

function isTrueType(bytes: Uint8Array): boolean {
  const tag = ((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0);
  return tag === 0x00010000 || tag === 0x74727565;
}
