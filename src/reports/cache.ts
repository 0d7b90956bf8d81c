/**
 * Per-process memory of answers computed from one version of the figures database, safe to
 * lose. Keyed by the loaded connection (DatabaseFile replaces it whenever another process
 * changed the file) and by the newest import's id (this process's own imports keep the
 * connection but add an import): either change and the entry is simply not used again.
 */
import type { Query } from '../store/query.ts';

const MAX_ENTRIES = 64;

interface Entry {
  readonly generation: number;
  readonly answers: Map<string, unknown>;
}

export interface AnswerCache {
  /** The answer for `key` in the database as `q` holds it now, computed once per version. */
  get<T>(q: Query, key: string, compute: () => T): T;
}

export function createAnswerCache(): AnswerCache {
  const entries = new WeakMap<Query, Entry>();
  return {
    get<T>(q: Query, key: string, compute: () => T): T {
      const generation = q.get<{ g: number }>('SELECT COALESCE(MAX(id), 0) AS g FROM imports')?.g ?? 0;
      let entry = entries.get(q);
      if (entry === undefined || entry.generation !== generation) {
        entry = { generation, answers: new Map() };
        entries.set(q, entry);
      }
      if (entry.answers.has(key)) {
        const value = entry.answers.get(key) as T;
        // Least recently used goes first: re-inserting moves this key to the end.
        entry.answers.delete(key);
        entry.answers.set(key, value);
        return value;
      }
      const value = compute();
      entry.answers.set(key, value);
      if (entry.answers.size > MAX_ENTRIES) entry.answers.delete(entry.answers.keys().next().value as string);
      return value;
    },
  };
}
