/**
 * The file-system look parseConfig needs to judge where DATA_DIR really is (behind a deploy's
 * `current` link or cPanel's `www` link). parseConfig stays pure: server.ts passes this in.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** The path with symlinks resolved in its longest existing part (DATA_DIR may not exist yet). */
export function realPathOfExisting(absolute: string): string {
  const missing: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    try {
      return path.join(realpathSync(at), ...missing.reverse());
    } catch {
      if (path.dirname(at) === at) return absolute;
      missing.push(path.basename(at));
    }
  }
}
