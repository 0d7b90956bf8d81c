/**
 * `figures` commands: import a CSV file (checked whole first: one bad line and nothing changes),
 * list the imports, load sample data. Exit codes as for `users`: 0 done, 1 failed, 2 wrong usage.
 * Progress goes to standard error (a self-replacing line on a terminal, a line per 50,000
 * otherwise), the answer to standard output.
 */
import { parseCsv } from '../figures/csv.ts';
import type { Figures } from '../figures/figures.ts';
import { seedIfEmpty } from '../figures/seed.ts';
import { isIsoDate } from '../figures/dates.ts';
import { checkDecimals, checkUnit } from '../figures/metric-formats.ts';
import type { ImportSummary, MetricFormat } from '../figures/types.ts';
import type { AuditEntry, Store } from '../store/index.ts';
import { failure, parseArgs, UsageError } from './args.ts';

export const FIGURES_USAGE = `Usage: node dist/cli.cjs figures <command> [arguments]

  import <file.csv> [--actor NAME]      check the whole file, then import it in one step; if any
                                        line is bad, every problem is listed and nothing changes.
                                        Re-importing a period replaces that period's records for
                                        the categories and metrics the file holds.
  list-imports [--limit N]              the latest imports, newest first
  metrics                               every metric's unit and decimal places
  metric-format <metric> [--unit TEXT] [--decimals N] [--reset]
                                        how a metric's values are written everywhere (page,
                                        charts, PDF); --unit "" for none, --reset for the
                                        default from the data
  seed [--end-date YYYY-MM-DD] [--days N]
                                        sample figures (a year by default), only into an empty database

The CSV file: UTF-8 (with or without BOM), comma- or semicolon-separated, a header line naming
the columns date, category, metric, value and (optional) note, in any order; dates YYYY-MM-DD;
values like 1234.5 (or 1234,5 in a semicolon-separated file), no thousands separators.`;

export interface FiguresCliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Raw text to standard error (progress). */
  readonly status: (text: string) => void;
  /** Is standard error a terminal (then progress rewrites one line)? */
  readonly tty: boolean;
  readonly readFile: (file: string) => Promise<Uint8Array>;
  /** Who ran the command, for the import history and the audit log. */
  readonly operator: string;
  /** Today, YYYY-MM-DD: the last day of sample data. */
  readonly today: string;
}


const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Progress for one phase: on a terminal one line redrawn in place, else a line per 50,000 and the last. */
function progress(io: FiguresCliIo, verb: string, unit: string): { update: (done: number, total: number) => void; end: () => void } {
  let shown = false;
  let nextLine = 50_000;
  return {
    update(done, total) {
      const text = `${verb} ${count(done)} / ${count(total)} ${unit}`;
      if (io.tty) {
        io.status(`\r${text}\u001b[K`);
        shown = true;
      } else if (done >= nextLine || done === total) {
        io.status(`${text}\n`);
        while (nextLine <= done) nextLine += 50_000;
      }
    },
    end() {
      if (shown) io.status('\n');
      shown = false;
    },
  };
}

function whole(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`--${name} must be a whole number from 1 to ${count(max)}`);
  return Number(text);
}

async function importFile(file: string, actor: string, deps: { figures: Figures; store: Store }, io: FiguresCliIo): Promise<number> {
  const filename = file.split(/[\\/]/).pop() ?? file;
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (error) {
    io.err(`error: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return 1;
  }
  const audit = (outcome: AuditEntry['outcome'], detail: string): Promise<void> =>
    deps.store.audit({ action: 'data_import', outcome, actor, target: filename, detail });
  const parsing = progress(io, 'parsed', 'lines');
  const parsed = parseCsv(bytes, parsing.update);
  parsing.end();
  if (!parsed.ok) {
    for (const problem of parsed.problems) io.err(`line ${problem.line}: ${problem.reason}`);
    const more = parsed.problemCount - parsed.problems.length;
    if (more > 0) io.err(`… and ${count(more)} more ${more === 1 ? 'problem' : 'problems'}`);
    io.err(`nothing was imported: ${count(parsed.problemCount)} ${parsed.problemCount === 1 ? 'problem' : 'problems'} in ${file}`);
    await audit('failure', `${parsed.problemCount} bad lines`);
    return 1;
  }
  const writing = progress(io, 'wrote', 'records');
  let summary: ImportSummary;
  try {
    summary = await deps.figures.importRecords(parsed.rows, { actor, filename, onProgress: writing.update });
  } finally {
    writing.end();
  }
  io.out(`imported ${count(summary.rows)} records (replaced ${count(summary.replaced)}) for ${summary.from} … ${summary.to}`);
  try {
    await audit('success', `${summary.rows} rows for ${summary.from}..${summary.to}, replaced ${summary.replaced}`);
  } catch (error) {
    io.err(`warning: the import is done, but the audit log could not be written (${error instanceof Error ? error.message : String(error)})`);
  }
  return 0;
}

function formatRow(f: MetricFormat): string {
  return `${f.metric.padEnd(20)} unit ${(f.unit === '' ? '(none)' : f.unit).padEnd(12)} decimals ${f.decimals}${f.set ? '' : ' (from the data)'}`;
}

async function setFormat(metric: string | undefined, flags: ReadonlyMap<string, string>, deps: { figures: Figures; store: Store }, io: FiguresCliIo): Promise<number> {
  if (metric === undefined) throw new UsageError('name the metric');
  const formats = await deps.figures.metricFormats();
  const current = formats.find((f) => f.metric === metric.normalize('NFC'));
  if (current === undefined) throw new UsageError(`there is no metric "${metric}" (known: ${formats.map((f) => f.metric).join(', ') || 'none'})`);
  const reset = flags.has('reset');
  const unitText = flags.get('unit');
  const decimalsText = flags.get('decimals');
  if (!reset && unitText === undefined && decimalsText === undefined) throw new UsageError('give --unit, --decimals or --reset');
  const unitProblem = unitText === undefined ? undefined : checkUnit(unitText);
  if (unitProblem !== undefined) throw new UsageError(unitProblem);
  const decimals = decimalsText === undefined ? undefined : /^\d$/.test(decimalsText) ? Number(decimalsText) : Number.NaN;
  const decimalsProblem = decimals === undefined ? undefined : checkDecimals(decimals);
  if (decimalsProblem !== undefined) throw new UsageError(decimalsProblem);
  // What is not given stays as an admin set it.
  const unit = reset ? null : (unitText ?? (current.set ? current.unit : null));
  const places = reset ? null : (decimals ?? (current.set ? current.decimals : null));
  const format = await deps.figures.setMetricFormat(current.metric, unit, places);
  await deps.store.audit({ action: 'metric_format', outcome: 'success', actor: `cli:${io.operator}`, target: current.metric, detail: reset ? 'reset' : `unit ${JSON.stringify(format.unit)}, decimals ${format.decimals}` });
  io.out(formatRow(format));
  return 0;
}

function importRow(item: ImportSummary): string {
  const at = new Date(item.at * 1000).toISOString().slice(0, 16).replace('T', ' ');
  return `${String(item.id).padStart(5)}  ${at}  ${count(item.rows).padStart(9)}  ${count(item.replaced).padStart(9)}  ${item.from} … ${item.to}  ${item.actor.padEnd(16)} ${item.filename}`;
}

export async function figuresCommand(args: readonly string[], deps: { figures: Figures; store: Store }, io: FiguresCliIo): Promise<number> {
  try {
    const [command, ...rest] = args;
    const { positional, flags } = parseArgs(rest, ['reset']);
    switch (command) {
      case 'import': {
        const file = positional[0];
        if (file === undefined) throw new UsageError('name the CSV file to import');
        return await importFile(file, flags.get('actor') ?? `cli:${io.operator}`, deps, io);
      }
      case 'list-imports': {
        const imports = await deps.figures.listImports(whole(flags.get('limit'), 'limit', 50, 1000));
        if (imports.length === 0) io.out('No imports yet. Import a file with: figures import <file.csv>');
        else {
          io.out(`${'ID'.padStart(5)}  ${'AT (UTC)'.padEnd(16)}  ${'RECORDS'.padStart(9)}  ${'REPLACED'.padStart(9)}  ${'PERIOD'.padEnd(23)}  ${'BY'.padEnd(16)} FILE`);
          for (const item of imports) io.out(importRow(item));
        }
        return 0;
      }
      case 'metrics': {
        for (const f of await deps.figures.metricFormats()) io.out(formatRow(f));
        return 0;
      }
      case 'metric-format':
        return await setFormat(positional[0], flags, deps, io);
      case 'seed': {
        const endDate = flags.get('end-date') ?? io.today;
        if (!isIsoDate(endDate)) throw new UsageError('--end-date must be a real day written YYYY-MM-DD');
        const days = whole(flags.get('days'), 'days', 365, 3660);
        const summary = await seedIfEmpty(deps.figures, { endDate, days, actor: `cli:${io.operator}` });
        if (summary === undefined) io.out('The figures database already holds records: sample data is only added to an empty one.');
        else io.out(`added ${count(summary.rows)} sample records for ${summary.from} … ${summary.to}`);
        return 0;
      }
      case undefined:
      case 'help':
        io.out(FIGURES_USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return failure(error, FIGURES_USAGE, io.err);
  }
}
