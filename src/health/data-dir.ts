/**
 * Whether DATA_DIR takes writes. `access(W_OK)` says yes to root even on a read-only mount, and
 * says nothing of a full disk: only a real write tells. The probe file is closed and removed
 * whatever happens, so a failing disk costs neither a file handle nor a file per check.
 */
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { HealthCheck } from './index.ts';

export function dataDirCheck(dataDir: string): HealthCheck {
  const probe = path.join(dataDir, `.healthz-${process.pid}`);
  return {
    name: 'data_dir',
    async check() {
      let created = false;
      try {
        const handle = await open(probe, 'w', 0o600);
        created = true;
        try {
          await handle.writeFile('ok');
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw new Error(`DATA_DIR is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      } finally {
        if (created) await unlink(probe).catch(() => undefined);
      }
    },
  };
}
