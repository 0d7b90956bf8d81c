/**
 * The per-version answers of DatabaseFile.readMemo: a Map that lives and dies with one loaded
 * version of the file, bounded so that keys taken from requests cannot grow it without end.
 */

/** Enough for every live session of a busy site; beyond it the oldest answers go first. */
export const MEMO_LIMIT = 10_000;

/** What a readMemo reader may ask for more answers of the same version, remembered alike. */
export type Memo = <U>(key: string, compute: () => U) => U;

/** `memo[key]`, computed once; past `limit` entries the oldest goes (a Map keeps insertion order). */
export function remember<U>(memo: Map<string, unknown>, limit: number, key: string, compute: () => U): U {
  if (memo.has(key)) return memo.get(key) as U;
  const value = compute();
  if (memo.size >= limit) memo.delete(memo.keys().next().value as string);
  memo.set(key, value);
  return value;
}
