/** CSV parsing and validation: every rule, with the line numbers an admin will be told. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sniffDelimiter } from '../../src/figures/csv-fields.ts';
import { MAX_PROBLEMS, MAX_RECORDS, parseCsv, type ParseResult } from '../../src/figures/csv.ts';

function rows(result: ParseResult) {
  assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
  return result.rows;
}

function problems(result: ParseResult): string[] {
  assert.ok(!result.ok, 'expected problems');
  return result.problems.map((p) => `${p.line}: ${p.reason}`);
}

const HEADER = 'date,category,metric,value,note';

test('a plain comma file, with and without a BOM, as text or bytes, gives the same records', () => {
  const body = `${HEADER}\n2025-01-01,서울 지점,revenue,1234.5,\n2025-01-02,온라인,visitors,-3,rainy day\n`;
  const expected = [
    { date: '2025-01-01', category: '서울 지점', metric: 'revenue', value: 1234.5, note: null },
    { date: '2025-01-02', category: '온라인', metric: 'visitors', value: -3, note: 'rainy day' },
  ];
  assert.deepEqual(rows(parseCsv(body)), expected);
  assert.deepEqual(rows(parseCsv(`\ufeff${body}`)), expected);
  assert.deepEqual(rows(parseCsv(new TextEncoder().encode(`\ufeff${body}`))), expected);
  assert.deepEqual(rows(parseCsv(new TextEncoder().encode(body.replace(/\n/g, '\r\n')))), expected);
});

test('header: any order and case, spaces trimmed, note optional; unknown, missing or repeated columns are named', () => {
  const out = rows(parseCsv(' Value ;METRIC;Date;category\n7;members;2025-03-01;Head office\n'));
  assert.deepEqual(out, [{ date: '2025-03-01', category: 'Head office', metric: 'members', value: 7, note: null }]);
  assert.deepEqual(problems(parseCsv('date,category,name,value\n2025-01-01,a,b,1\n')), [
    '1: unknown column "name" in the header: the columns are date, category, metric, value and (optional) note',
  ]);
  assert.match(problems(parseCsv('date,category,metric\n2025-01-01,a,b\n'))[0]!, /^1: the header lacks value/);
  assert.match(problems(parseCsv('date,category,metric,value,date\n'))[0]!, /^1: column "date" appears twice/);
  // The header is the first line that is not blank, and its line number is the file's.
  assert.match(problems(parseCsv('\n\ndate,category,metric,value\n2025-01-01,a,b,x\n'))[0]!, /^4: value "x" is not a number$/);
});

test('semicolons are sniffed from the header outside quotes, and then a decimal comma is a decimal', () => {
  const out = rows(parseCsv('date;category;metric;value\n2025-01-01;a;m;1234,5\n2025-01-02;a;m;"7,25"\n2025-01-03;a;m;2.5\n'));
  assert.deepEqual(out.map((r) => r.value), [1234.5, 7.25, 2.5]);
  const quoted = rows(parseCsv('date;"category";metric;value;note\n2025-01-01;"a, b";m;1;"x, y"\n'));
  assert.equal(quoted[0]!.category, 'a, b');
  assert.equal(quoted[0]!.note, 'x, y');
  // Only delimiters outside quotes count, on the header line only.
  assert.equal(sniffDelimiter('"a,b,c";d;e\n1,2,3,4,5,6\n'), ';');
  assert.equal(sniffDelimiter('\n\ndate,category;x,y\n'), ',');
  // More semicolons than commas outside quotes decides it; a comma file's decimal comma is refused.
  assert.ok(!parseCsv('date,category,metric,value\n2025-01-01,a,m,"1,5"\n').ok);
});

test('thousands separators are refused, never guessed', () => {
  const comma = problems(parseCsv(`date,category,metric,value\n2025-01-01,a,m,"1,234"\n2025-01-02,a,m,"1 234"\n2025-01-03,a,m,1.234.5\n`));
  assert.equal(comma.length, 3);
  for (const line of comma) assert.match(line, /thousands separator/);
  assert.match(comma[0]!, /^2: value "1,234" has a thousands separator or a misplaced decimal comma: write numbers like 1234\.5/);
  const semi = problems(parseCsv('date;category;metric;value\n2025-01-01;a;m;1.234,5\n2025-01-02;a;m;1,234,567\n'));
  assert.deepEqual(semi.map((l) => l.slice(0, 2)), ['2:', '3:']);
  assert.match(semi[0]!, /write numbers like 1234,5 or 1234\.5/);
});

test('quoted fields keep delimiters, doubled quotes and line breaks, and later line numbers stay right (LF and CRLF)', () => {
  for (const eol of ['\n', '\r\n']) {
    const text = [
      HEADER,
      '2025-01-01,"Head, office",revenue,1,"a ""quoted"" note"',
      `2025-01-02,a,revenue,2,"first line${eol}second line${eol}third line"`,
      '2025-01-03,a,revenue,oops,',
      '2025-01-04,a,revenue,4,"x',
      'y"',
      '2025-13-01,a,revenue,5,',
    ].join(eol);
    const found = problems(parseCsv(text));
    assert.deepEqual(found, ['6: value "oops" is not a number', '9: date "2025-13-01" is not a real day written YYYY-MM-DD'], JSON.stringify(eol));
    const good = rows(parseCsv(text.replace('oops', '3').replace('2025-13-01', '2025-01-05')));
    assert.equal(good[0]!.category, 'Head, office');
    assert.equal(good[0]!.note, 'a "quoted" note');
    assert.equal(good[1]!.note, `first line${eol}second line${eol}third line`);
    assert.equal(good.length, 5);
  }
});

test('every bad line is reported with its number and a reason a person can act on', () => {
  const text = [
    'date,category,metric,value,note',
    '2025-02-29,a,m,1,', // 2: not a leap year
    '2025-1-5,a,m,1,', // 3: not YYYY-MM-DD
    ',a,m,1,', // 4
    '2025-01-01,,m,1,', // 5
    '2025-01-01,a,,1,', // 6
    '2025-01-01,a,m,,', // 7
    '2025-01-01,a,m,abc,', // 8
    '2025-01-01,a,m,1', // 9: a field short
    '2025-01-01,a,m,1,,extra', // 10
    `2025-01-01,${'x'.repeat(101)},m,1,`, // 11
    `2025-01-01,a,m,1,${'n'.repeat(501)}`, // 12
    '2025-01-02,a,m,1e999,', // 13
    '2025-01-03,a,m,5,', // 14
    '2025-01-03, a ,m,6,', // 15: same after trimming
    '2025-01-04,a,m,$5,', // 16
  ].join('\n');
  const result = parseCsv(text);
  assert.ok(!result.ok);
  assert.equal(result.problemCount, 14);
  assert.deepEqual(
    result.problems.map((p) => p.line),
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16],
    'line 14 is good; line 15 repeats it; line 9 and 10 count their fields',
  );
  const reason = (line: number): string => result.problems.find((p) => p.line === line)!.reason;
  assert.match(reason(2), /date "2025-02-29" is not a real day/);
  assert.match(reason(4), /^date is empty$/);
  assert.match(reason(5), /^category is empty$/);
  assert.match(reason(6), /^metric is empty$/);
  assert.match(reason(7), /^value is empty$/);
  assert.equal(reason(8), 'value "abc" is not a number');
  assert.equal(reason(9), 'this line has 4 fields but the header has 5');
  assert.match(reason(10), /this line has 6 fields but the header has 5 \(put a value that holds "," in double quotes\)/);
  assert.match(reason(11), /category ".*" is longer than 100 characters/);
  assert.match(reason(12), /note is longer than 500 characters/);
  assert.match(reason(13), /too large/);
  assert.equal(reason(15), 'same date, category and metric as line 14');
  assert.equal(reason(16), 'value "$5" is not a number');
});

test('names are trimmed and NFC-normalised, so a decomposed Hangul name is the same category', () => {
  const decomposed = '서울 지점'.normalize('NFD');
  assert.notEqual(decomposed, '서울 지점');
  const out = parseCsv(`date,category,metric,value\n2025-01-01,${decomposed},m,1\n2025-01-01,  서울 지점 ,m,2\n`);
  assert.deepEqual(problems(out), ['3: same date, category and metric as line 2']);
});

test('a malformed file reports the line where the quoted field began, and the bad lines before it', () => {
  const unclosed = 'date,category,metric,value\n2025-01-01,a,m,x\n2025-01-02,"a,m,1\n2025-01-03,a,m,1\n';
  assert.deepEqual(problems(parseCsv(unclosed)), ['2: value "x" is not a number', '3: a quoted field starts on this line and its closing double quote is missing']);
  assert.match(problems(parseCsv('date,category,metric,value\n2025-01-01,"a"b,m,1\n'))[0]!, /^2: a quoted field is followed by other characters/);
  assert.match(problems(parseCsv('date,category,metric,value\n2025-01-01,say "hi",m,1\n'))[0]!, /^2: a double quote inside a field/);
});

test('empty files, header-only files, blank lines and spreadsheet filler rows', () => {
  assert.match(problems(parseCsv(''))[0]!, /^1: the file is empty/);
  assert.match(problems(parseCsv('\n \n'))[0]!, /^1: the file is empty/);
  assert.match(problems(parseCsv(new Uint8Array()))[0]!, /^1: the file is empty/);
  assert.match(problems(parseCsv(`${HEADER}\n\n,,,,\n`))[0]!, /^1: the file has a header but no records/);
  assert.equal(rows(parseCsv(`${HEADER}\n\n2025-01-01,a,m,1,\n,,,,\n\n`)).length, 1);
});

test('bytes that are not UTF-8 are reported as such, on the line that holds them', () => {
  const bytes = Buffer.concat([Buffer.from(`${HEADER}\n2025-01-01,a,m,1,\n2025-01-02,`), Buffer.from([0xbf, 0xad]), Buffer.from(',m,1,\n')]);
  assert.deepEqual(problems(parseCsv(bytes)), ['3: this line is not UTF-8 text: save the file as "CSV UTF-8" (in Excel: Save As, CSV UTF-8)']);
});

test('at most 200 problems are listed, all are counted', () => {
  const lines = [HEADER, ...Array.from({ length: 500 }, (_, i) => `2025-01-01,c${i},m,bad,`)];
  const result = parseCsv(lines.join('\n'));
  assert.ok(!result.ok);
  assert.equal(result.problems.length, MAX_PROBLEMS);
  assert.equal(result.problemCount, 500);
  assert.equal(result.problems[199]!.line, 201);
});

test(`more than ${MAX_RECORDS} records is refused, naming the first line too many`, () => {
  const lines = [HEADER];
  for (let i = 0; i <= MAX_RECORDS; i += 1) lines.push(`2025-01-01,c${i},m,1,`);
  const found = problems(parseCsv(lines.join('\n')));
  assert.deepEqual(found, [`${MAX_RECORDS + 2}: the file has more than 200,000 records: split it into smaller files`]);
});

test('100,000 lines parse quickly, with progress', () => {
  const lines = [HEADER];
  const categories = ['서울 지점', '부산 지점', '온라인', 'Head office'];
  for (let i = 0; lines.length <= 100_000; i += 1) {
    const date = new Date(Date.UTC(2000, 0, 1) + Math.floor(i / 12) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${date},${categories[i % 4]},${['revenue', 'visitors', 'members'][Math.floor(i / 4) % 3]},${(i % 997) + 0.25},${i % 50 === 0 ? '"a note, with a comma"' : ''}`);
  }
  const bytes = Buffer.from(lines.join('\n'));
  const seen: number[] = [];
  const started = performance.now();
  const result = parseCsv(bytes, (done, total) => {
    assert.equal(total, 100_001);
    seen.push(done);
  });
  const ms = performance.now() - started;
  console.log(`# parsed 100,000 records (${(bytes.length / 1e6).toFixed(1)} MB) in ${Math.round(ms)} ms`);
  assert.equal(rows(result).length, 100_000);
  assert.deepEqual(seen.slice(0, 2), [10_001, 20_001]);
  assert.equal(seen.at(-1), 100_001);
  assert.ok(ms < 10_000, `${ms} ms`);
});
