/**
 * Why the last attempt to open or load a database file failed, for /healthz: health must say
 * what requests meet. A process that opened the file fine and then finds it replaced by garbage
 * answers every request with 503, so that failure counts as much as a failed first open. A
 * failure tied to one version of the file stops counting once the file changes (restored from a
 * backup, say): the next request loads the new one and records how that went.
 */
import { statSync, type BigIntStats } from 'node:fs';
import { sameVersion, type FileVersion } from './file-ops.ts';

export class LoadErrors {
  #last: { readonly message: string; readonly file: FileVersion | undefined } | undefined;

  failed(error: unknown, file?: FileVersion): void {
    const message = error instanceof Error ? error.message : 'cannot open the database';
    this.#last = { message, file: file === undefined ? undefined : { ino: file.ino, size: file.size, mtimeNs: file.mtimeNs } };
  }

  succeeded(): void {
    this.#last = undefined;
  }

  /** The last failure's message, unless it was about a version of `path` that is gone. */
  current(path: string): string | undefined {
    const last = this.#last;
    if (last?.file === undefined) return last?.message;
    let now: BigIntStats;
    try {
      now = statSync(path, { bigint: true });
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : last.message;
    }
    return sameVersion(now, last.file) ? last.message : undefined;
  }
}
