/**
 * Reads a CSV file of daily figures, whole, before anything is written: every bad line is
 * reported with its line number in the file. We count lines ourselves (one per record, plus
 * the line breaks inside its quoted fields): csv-parse's own count drifts after a quoted field
 * holding a CRLF, and asking it for per-record info doubles the parse time.
 * Pure: no I/O, no clock. The rules for each value: csv-fields.ts.
 */
import { CsvError, parse, type Options } from 'csv-parse/sync';
import { readHeader, readRecord, sniffDelimiter, type ColumnMap, type ParsedRecord } from './csv-fields.ts';
import type { ImportProblem } from './types.ts';

export type { ParsedRecord } from './csv-fields.ts';

export type ParseResult = { ok: true; rows: ParsedRecord[] } | { ok: false; problems: ImportProblem[]; problemCount: number };

export const MAX_RECORDS = 200_000;
/** Problems returned in full; the rest are counted. */
export const MAX_PROBLEMS = 200;
const PROGRESS_EVERY = 10_000;

const STOP = Symbol('stop');

const SYNTAX_REASONS: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field starts on this line and its closing double quote is missing',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by other characters: inside quotes, write a double quote twice ("")',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field is followed by other characters: inside quotes, write a double quote twice ("")',
  INVALID_OPENING_QUOTE: 'a double quote inside a field that does not start with one: put the whole field in double quotes and write the quote twice ("")',
};

/** Old Mac files break lines with a lone CR; every other file has LF (alone or after CR). */
function lineBreak(bytes: Uint8Array): number {
  return bytes.includes(10) ? 10 : 13;
}

function countLines(bytes: Uint8Array, lf: number): number {
  let total = 1;
  for (let i = bytes.indexOf(lf); i !== -1; i = bytes.indexOf(lf, i + 1)) total += 1;
  return bytes.length > 0 && bytes[bytes.length - 1] === lf ? total - 1 : total;
}

function isBlank(fields: readonly string[]): boolean {
  return fields.every((field) => field.trim() === '');
}

/**
 * The file's records, every blank line included (each is one record of one empty field, so
 * counting records counts lines). A syntax error ends the list: the records before it are
 * still returned, so their problems are reported too. Past the limit the list stops early,
 * so that a huge file cannot exhaust memory.
 */
function records(bytes: Uint8Array, delimiter: string, smallEnough: boolean): { records: string[][]; error?: CsvError; tooMany?: boolean } {
  const options: Options = { bom: true, delimiter, relax_column_count: true };
  if (smallEnough) {
    try {
      return { records: parse(bytes, options) };
    } catch (error) {
      if (!(error instanceof CsvError)) throw error;
    }
  }
  // The slower way, record by record: for a file with a syntax error, or too many lines.
  const collected: string[][] = [];
  let kept = 0;
  try {
    parse(bytes, {
      ...options,
      on_record: (fields: string[]) => {
        collected.push(fields);
        if (!isBlank(fields) && (kept += 1) > MAX_RECORDS + 1) throw STOP;
        return null;
      },
    });
    return { records: collected };
  } catch (error) {
    if (error === STOP) return { records: collected, tooMany: true };
    if (error instanceof CsvError) return { records: collected, error };
    throw error;
  }
}

/** The line holding the first byte that is not UTF-8 (called only once decoding failed). */
function badUtf8Line(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let line = 1; ; line += 1) {
    const end = bytes.indexOf(10, start);
    try {
      decoder.decode(bytes.subarray(start, end === -1 ? bytes.length : end + 1), { stream: true });
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}

export function parseCsv(input: string | Uint8Array, onProgress?: (done: number, total: number) => void): ParseResult {
  let text: string;
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    text = input;
    bytes = Buffer.from(input, 'utf8');
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      const reason = 'this line is not UTF-8 text: save the file as "CSV UTF-8" (in Excel: Save As, CSV UTF-8)';
      return { ok: false, problems: [{ line: badUtf8Line(input), reason }], problemCount: 1 };
    }
    bytes = input;
  }

  const delimiter = sniffDelimiter(text);
  const lf = lineBreak(bytes);
  const newline = String.fromCharCode(lf);
  const total = countLines(bytes, lf);
  const read = records(bytes, delimiter, total <= MAX_RECORDS + 1);

  const problems: ImportProblem[] = [];
  let problemCount = 0;
  const problem = (at: number, reason: string): void => {
    problemCount += 1;
    if (problems.length < MAX_PROBLEMS) problems.push({ line: at, reason });
  };
  const rows: ParsedRecord[] = [];
  const seen = new Map<string, number>();
  let columns: ColumnMap | undefined;
  let headerLine = 1;
  let count = 0;
  let line = 1; // where the next record starts

  for (const fields of read.records) {
    const at = line;
    line += 1;
    for (const field of fields) {
      for (let i = field.indexOf(newline); i !== -1; i = field.indexOf(newline, i + 1)) line += 1;
    }
    if (isBlank(fields)) continue; // blank lines, and spreadsheets' ",,,," rows
    if (columns === undefined) {
      const header = readHeader(fields);
      headerLine = at;
      if (!header.ok) {
        problem(at, header.reason);
        return { ok: false, problems, problemCount };
      }
      columns = header.columns;
      continue;
    }
    count += 1;
    if (count > MAX_RECORDS) {
      problem(at, `the file has more than ${MAX_RECORDS.toLocaleString('en')} records: split it into smaller files`);
      return { ok: false, problems, problemCount };
    }
    if (onProgress !== undefined && count % PROGRESS_EVERY === 0) onProgress(at, total);
    const record = readRecord(fields, columns, delimiter);
    if ('reason' in record) {
      problem(at, record.reason);
      continue;
    }
    const key = `${record.date}\u0000${record.category}\u0000${record.metric}`;
    const first = seen.get(key);
    if (first !== undefined) problem(at, `same date, category and metric as line ${first}`);
    else seen.set(key, at);
    if (problemCount === 0) rows.push(record);
  }

  if (read.error !== undefined) {
    problem(line, SYNTAX_REASONS[read.error.code] ?? `the file cannot be read as CSV from this line on (${read.error.code})`);
  } else if (problemCount === 0 && columns === undefined) {
    problem(1, 'the file is empty: its first line must be the header, e.g. date,category,metric,value,note');
  } else if (problemCount === 0 && count === 0) {
    problem(headerLine, 'the file has a header but no records below it');
  }
  if (problemCount > 0) return { ok: false, problems, problemCount };
  onProgress?.(total, total);
  return { ok: true, rows };
}
