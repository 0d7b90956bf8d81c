import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileStore } from '../../src/ratelimit/file-store.ts';
import { createMemoryStore } from '../../src/ratelimit/memory-store.ts';
import { storeContract } from './contract.ts';

storeContract('memory', () => ({ store: createMemoryStore() }));

storeContract('file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ratelimit-'));
  return { store: createFileStore({ dir }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
});
