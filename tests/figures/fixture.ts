/**
 * Figures databases for tests: real sql.js (the WASM from node_modules) in temporary DATA_DIRs.
 * Opening twice on one folder stands in for two processes: each has its own in-memory copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { createMemoryLogger } from '../../src/log/index.ts';
import type { Figures } from '../../src/figures/figures.ts';
import { openFigures } from '../../src/figures/open.ts';
import type { ParsedRecord } from '../../src/figures/csv.ts';
import { addDays } from '../../src/figures/dates.ts';
import type { DatabaseFile } from '../../src/db/db-file.ts';
import { createSqlJsLoader, type SqlJsStatic } from '../../src/db/sqljs.ts';

export const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
const loader = createSqlJsLoader({ wasmPath: WASM });

export function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dashboard-figures-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestFigures {
  readonly figures: Figures;
  readonly file: DatabaseFile;
  readonly health: { check(): Promise<void> };
  readonly dataDir: string;
  /** How many times this instance asked for sql.js. */
  loads(): number;
  /** Seconds; assign to move the clock. */
  clock: { now: number };
}

export function openTestFigures(t: TestContext, dataDir = tempDataDir(t)): TestFigures {
  let loads = 0;
  const clock = { now: 1_750_000_000 };
  const loadSql = (): Promise<SqlJsStatic> => {
    loads += 1;
    return loader();
  };
  const opened = openFigures({ dataDir, loadSql, logger: createMemoryLogger(), now: () => clock.now });
  t.after(() => opened.file.close());
  return { ...opened, dataDir, loads: () => loads, clock };
}

export function record(date: string, category: string, metric: string, value: number, note: string | null = null): ParsedRecord {
  return { date, category, metric, value, note };
}

/** One record a day from `from` for `days` days, for each category and metric; value from `value`. */
export function daily(from: string, days: number, categories: readonly string[], metrics: readonly string[], value: (day: number, c: number, m: number) => number): ParsedRecord[] {
  const out: ParsedRecord[] = [];
  for (let d = 0; d < days; d += 1) {
    categories.forEach((category, c) => metrics.forEach((metric, m) => out.push(record(addDays(from, d), category, metric, value(d, c, m)))));
  }
  return out;
}
