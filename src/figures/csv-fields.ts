/**
 * The rules for one CSV file's header and records: which columns, and what each value may be.
 * Pure; every reason is written to follow "line 12: " in a message an admin reads.
 */
import { isIsoDate } from './dates.ts';
import type { RecordRow } from './types.ts';

/** A record as read from a file, checked and normalised: ready to import. */
export type ParsedRecord = RecordRow;

export type Delimiter = ',' | ';';
export type Column = 'date' | 'category' | 'metric' | 'value' | 'note';

const REQUIRED: readonly Column[] = ['date', 'category', 'metric', 'value'];
const ALL: readonly string[] = [...REQUIRED, 'note'];
export const NAME_MAX = 100;
export const NOTE_MAX = 500;
export const COLUMNS_RULE = 'the columns are date, category, metric, value and (optional) note';

/** Column name → its field index. */
export type ColumnMap = Readonly<Record<Column, number | undefined>> & { readonly width: number };

export function readHeader(fields: readonly string[]): { ok: true; columns: ColumnMap } | { ok: false; reason: string } {
  const found: Partial<Record<Column, number>> = {};
  for (const [index, raw] of fields.entries()) {
    const name = raw.normalize('NFC').trim().toLowerCase();
    if (!ALL.includes(name)) {
      return { ok: false, reason: name === '' ? `the header has an empty column name (${COLUMNS_RULE})` : `unknown column ${quote(raw.trim())} in the header: ${COLUMNS_RULE}` };
    }
    const column = name as Column;
    if (found[column] !== undefined) return { ok: false, reason: `column "${column}" appears twice in the header` };
    found[column] = index;
  }
  const missing = REQUIRED.filter((c) => found[c] === undefined);
  if (missing.length > 0) {
    return { ok: false, reason: `the header lacks ${missing.join(', ')}: the first line must name the columns date, category, metric, value and (optional) note` };
  }
  return { ok: true, columns: { date: found.date, category: found.category, metric: found.metric, value: found.value, note: found.note, width: fields.length } };
}

/** A field shown back in a message: short, and with its invisible characters visible. */
function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  return JSON.stringify(short);
}

const CONTROL = /[\u0000-\u001f\u007f]/;
const POINT_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const COMMA_DECIMAL = /^[+-]?\d+,\d+$/;

function name(field: string | undefined, column: 'category' | 'metric'): string | { reason: string } {
  const text = (field ?? '').normalize('NFC').trim();
  if (text === '') return { reason: `${column} is empty` };
  if (text.length > NAME_MAX) return { reason: `${column} ${quote(text)} is longer than ${NAME_MAX} characters` };
  if (CONTROL.test(text)) return { reason: `${column} ${quote(text)} holds a line break or control character` };
  return text;
}

/** Thousands separators are refused, never guessed: "1,234" means 1234 to some and 1.234 to others. */
export function parseValue(field: string, delimiter: Delimiter): number | { reason: string } {
  const text = field.trim();
  if (text === '') return { reason: 'value is empty' };
  let number: number | undefined;
  if (POINT_NUMBER.test(text)) number = Number(text);
  else if (delimiter === ';' && COMMA_DECIMAL.test(text)) number = Number(text.replace(',', '.'));
  else if (/^[+-]?[\d.,' \u00a0]+$/.test(text) && /\d/.test(text)) {
    const how = delimiter === ';' ? 'like 1234,5 or 1234.5' : 'like 1234.5 (a point for decimals)';
    return { reason: `value ${quote(text)} has a thousands separator or a misplaced decimal comma: write numbers ${how}, without thousands separators` };
  } else return { reason: `value ${quote(text)} is not a number` };
  if (!Number.isFinite(number)) return { reason: `value ${quote(text)} is too large` };
  return number === 0 ? 0 : number; // no -0 in the data
}

export function readRecord(fields: readonly string[], columns: ColumnMap, delimiter: Delimiter): ParsedRecord | { reason: string } {
  if (fields.length !== columns.width) {
    const hint = fields.length > columns.width ? ` (put a value that holds "${delimiter}" in double quotes)` : '';
    return { reason: `this line has ${fields.length} ${fields.length === 1 ? 'field' : 'fields'} but the header has ${columns.width}${hint}` };
  }
  const at = (column: Column): string => (columns[column] === undefined ? '' : (fields[columns[column]] ?? ''));
  const date = at('date').trim();
  if (date === '') return { reason: 'date is empty' };
  if (!isIsoDate(date)) return { reason: `date ${quote(date)} is not a real day written YYYY-MM-DD` };
  const category = name(at('category'), 'category');
  if (typeof category !== 'string') return category;
  const metric = name(at('metric'), 'metric');
  if (typeof metric !== 'string') return metric;
  const value = parseValue(at('value'), delimiter);
  if (typeof value !== 'number') return value;
  const noteText = at('note').normalize('NFC').trim();
  if (noteText.length > NOTE_MAX) return { reason: `note is longer than ${NOTE_MAX} characters` };
  return { date, category, metric, value, note: noteText === '' ? null : noteText };
}

/** The header's delimiter: whichever of , and ; is more frequent outside quotes on its first line. */
export function sniffDelimiter(text: string): Delimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  let seen = false; // blank lines before the header are skipped
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted; // a doubled quote toggles twice: still right
    else if (!quoted && (c === 10 || c === 13)) {
      if (seen) break;
      continue;
    }
    if (c > 32) seen = true;
    if (quoted) continue;
    if (c === 44) commas += 1;
    else if (c === 59) semicolons += 1;
  }
  return semicolons > commas ? ';' : ',';
}
