import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PDFDocument, rgb } from 'pdf-lib';
import { createFontLoader, FONT_FILES, FontUnavailableError, type ReportFonts } from '../../src/reports/font.ts';
import { formatNumber } from '../../src/charts/format.ts';
import { fontkitForPdfLib } from '../../src/reports/fontkit.ts';
import { ROWS_PER_PAGE } from '../../src/reports/layout.ts';
import { pageCount, REPORT_CREATOR, renderReport } from '../../src/reports/report.ts';
import { needSystem } from '../helpers/system.ts';
import { CATEGORIES, sampleInput } from './report-input.ts';

const require = createRequire(import.meta.url);
/** The font from its npm package, not from dist/ (tests must not depend on a build). */
const fontDir = path.dirname(require.resolve(`pretendard/dist/public/static/alternative/${FONT_FILES.regular}`));
const poppler = (tool: string) => ({ paths: [`/usr/bin/${tool}`], packages: ['poppler-utils'] });

let fonts: ReportFonts;
let tmp: string;
before(async () => {
  fonts = await createFontLoader(fontDir)();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'report-pdf-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** pdftotext's text, one entry per page (it separates pages with form feeds). */
function pagesText(bytes: Uint8Array, name: string): string[] {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  const text = execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  return text.split('\f').slice(0, -1);
}

describe('PDF report of 1,000 rows', () => {
  const input = sampleInput(1000);
  let bytes: Uint8Array;
  before(async () => {
    bytes = await renderReport(input, fonts);
  });

  test('loads, on A4, one summary page then the table at ROWS_PER_PAGE rows a page', async () => {
    const doc = await PDFDocument.load(bytes);
    const expected = 1 + Math.ceil(1000 / ROWS_PER_PAGE);
    assert.equal(pageCount(1000), expected);
    assert.equal(doc.getPageCount(), expected);
    assert.ok(expected >= 25 && expected <= 30, `${expected} pages`);
    for (const page of doc.getPages()) assert.deepEqual(page.getSize(), { width: 595.28, height: 841.89 });
    assert.ok(bytes.length < 400_000, `${bytes.length} bytes: the font must be subset`);
  });

  test('metadata: title, author, creator, producer, creation date', async () => {
    const doc = await PDFDocument.load(bytes, { updateMetadata: false });
    assert.equal(doc.getTitle(), input.title);
    assert.equal(doc.getAuthor(), input.organisation);
    assert.equal(doc.getCreator(), REPORT_CREATOR);
    assert.match(doc.getProducer() ?? '', /pdf-lib/);
    assert.equal(doc.getCreationDate()?.toISOString(), input.generatedAt.toISOString());
    assert.match(doc.getSubject() ?? '', /revenue, 2026-01-01 to 2026-03-31/);
  });

  test('the same input gives the same bytes', async () => {
    const again = await renderReport(sampleInput(1000), fonts);
    assert.ok(Buffer.from(again).equals(Buffer.from(bytes)));
  });

  test('pdftotext finds the title, the Korean names, every header, every page number, the last row', (t) => {
    if (!needSystem(t, poppler('pdftotext'))) return;
    const pages = pagesText(bytes, 'thousand.pdf');
    const total = pageCount(1000);
    assert.equal(pages.length, total);
    const first = pages[0]!;
    for (const expected of [input.title, 'Example Society 예시 협회', '2026-01-01 – 2026-03-31 (90 days)', 'All categories · Metric: revenue', 'by alice on 2026-11-27 14:03 UTC', '서울 지점', 'Revenue per day', 'Revenue by category', '+25%', '2025-10-03 – 2025-12-31']) {
      assert.ok(first.includes(expected), `page 1 lacks ${expected}`);
    }
    pages.forEach((text, i) => {
      // pdftotext -layout sometimes squeezes the spaces out of "n / N".
      assert.match(text, new RegExp(`${i + 1} ?/ ?${total}\\s*$`), `footer of page ${i + 1}`);
      assert.ok(text.includes(input.title), `title in the footer of page ${i + 1}`);
      if (i > 0) assert.match(text, /Date\s+Category\s+Metric\s+Value \(EUR\)\s+Note/, `header row on page ${i + 1}`);
    });
    const last = input.rows.at(-1)!;
    const rowLines = pages.at(-1)!.split('\n').filter((line) => /^\s*\d{4}-\d{2}-\d{2}\s/.test(line));
    assert.equal(rowLines.length, 1000 - (total - 2) * ROWS_PER_PAGE, 'the rest of the rows on the last page');
    const lastLine = rowLines.at(-1)!;
    for (const part of [last.date, last.category, last.metric, formatNumber(last.value, 2, 2)]) assert.ok(lastLine.includes(part), `${lastLine} lacks ${part}`);
    assert.ok(pages[1]!.includes('서울 지점'));
    // The long name is cut to its column with an ellipsis, never spilling into the next.
    const long = CATEGORIES[5];
    assert.ok(!pages[1]!.includes(long));
    assert.match(pages[1]!, /인천 지점 \(임시 매장[^\n]*…\s+revenue/);
  });
});

describe('PDF report edge cases', () => {
  test('no rows: two pages saying there is nothing, still numbered', async (t) => {
    const input = sampleInput(0);
    const bytes = await renderReport(input, fonts);
    assert.equal((await PDFDocument.load(bytes)).getPageCount(), 2);
    if (!needSystem(t, poppler('pdftotext'))) return;
    const pages = pagesText(bytes, 'empty.pdf');
    assert.ok(pages[0]!.includes('No data for these filters'));
    assert.ok(pages[1]!.includes('No records match these filters.'));
    assert.match(pages[1]!, /2 ?\/ ?2\s*$/);
  });

  test('one category, no bold face, exactly one full page of rows', async () => {
    const input = sampleInput(ROWS_PER_PAGE, { filters: { from: '2026-01-01', to: '2026-03-31', category: '서울 지점', metric: 'revenue' } });
    const bytes = await renderReport(input, { regular: fonts.regular });
    assert.equal((await PDFDocument.load(bytes)).getPageCount(), 2);
    assert.equal(pageCount(ROWS_PER_PAGE + 1), 3);
  });

  test('text the font lacks, control characters and decomposed Hangul do not break the report', async (t) => {
    const odd = ['emoji 🎉 مرحبا 日本', 'Привет мир', 'tab\tnew\nline\u0000nul', 'lone \ud800 surrogate', '한\u1100\u1161 decomposed'];
    const base = sampleInput(10);
    const rows = base.rows.map((row, i) => ({ ...row, category: odd[i % odd.length]!, note: odd[(i + 1) % odd.length]! }));
    const bytes = await renderReport({ ...base, rows, title: odd.join(' | ') }, fonts);
    assert.equal((await PDFDocument.load(bytes)).getPageCount(), 2);
    if (!needSystem(t, poppler('pdftotext'))) return;
    const table = pagesText(bytes, 'odd.pdf')[1]!;
    assert.ok(table.includes('Привет мир'));
    assert.ok(table.includes('tab new line nul'), 'control characters become spaces');
    assert.ok(table.includes('한가 decomposed'), 'jamo composed to NFC syllables');
  });
});

describe('subset font', () => {
  // Regression guard for @pdf-lib/fontkit, whose TrueType subsets draw blank or wrong glyphs:
  // text drawn with the subset must look the same as with the whole font embedded.
  test('renders exactly as the full font does', async (t) => {
    if (!needSystem(t, poppler('pdftoppm'))) return;
    const sample = '서울 지점 부산 회원 대시보드 — Revenue 1,234.56 …';
    const render = async (subset: boolean) => {
      const doc = await PDFDocument.create();
      doc.registerFontkit(fontkitForPdfLib);
      const font = await doc.embedFont(fonts.regular, { subset });
      doc.addPage([420, 60]).drawText(sample, { x: 10, y: 24, size: 18, font, color: rgb(0, 0, 0) });
      const file = path.join(tmp, `glyphs-${subset}.pdf`);
      writeFileSync(file, await doc.save());
      return execFileSync('/usr/bin/pdftoppm', ['-gray', '-r', '72', file]);
    };
    const [whole, subset] = [await render(false), await render(true)];
    const ink = (pgm: Buffer) => pgm.subarray(pgm.length - 420 * 60).filter((v) => v < 128).length;
    assert.ok(ink(whole) > 800, `the sample draws (${ink(whole)} dark pixels)`);
    let differing = 0;
    for (let i = 0; i < whole.length; i += 1) if (whole[i] !== subset[i]) differing += 1;
    assert.ok(differing < whole.length * 0.005, `${differing} of ${whole.length} pixels differ`);
  });
});

describe('font loader', () => {
  test('loads once: concurrent first calls share one promise', async () => {
    const load = createFontLoader(fontDir);
    const [a, b] = [load(), load()];
    assert.equal(a, b);
    const loaded = await a;
    assert.ok(loaded.regular.length > 1_000_000 && loaded.bold !== undefined);
    assert.equal(await load(), loaded);
  });

  test('a missing file is a FontUnavailableError, retried after a pause', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'no-font-'));
    let now = 0;
    const load = createFontLoader(dir, { now: () => now });
    try {
      await assert.rejects(load(), (error: unknown) => error instanceof FontUnavailableError && /cannot be read \(ENOENT\)/.test(error.message));
      writeFileSync(path.join(dir, FONT_FILES.regular), readFileSync(path.join(fontDir, FONT_FILES.regular)));
      now = 1000;
      await assert.rejects(load(), FontUnavailableError, 'the failure is remembered for a moment');
      now = 6000;
      const loaded = await load();
      assert.ok(loaded.regular.length > 1_000_000);
      assert.equal(loaded.bold, undefined, 'no bold file: regular only');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file that is not TrueType is refused', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bad-font-'));
    try {
      writeFileSync(path.join(dir, FONT_FILES.regular), 'wOF2 not really a font');
      await assert.rejects(createFontLoader(dir)(), /not a TrueType file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the table in the page\'s order (issue 17)', () => {
  test('rows as given, "sorted by value, largest first" above them, the unit in the header', async (t) => {
    if (!needSystem(t, poppler('pdftotext'))) return;
    const base = sampleInput(60);
    const rows = [...base.rows].sort((a, b) => b.value - a.value);
    const pdf = await renderReport({ ...base, rows, order: { sort: 'value', dir: 'desc' } }, fonts);
    const [, table] = pagesText(pdf, 'ordered.pdf');
    assert.match(table!, /rows 1–\d+ of 60, sorted by value, largest first/);
    const values = table!.split('\n').filter((line) => /^\s*\d{4}-\d{2}-\d{2}\s/.test(line)).map((line) => Number(/(-?[\d,]+\.\d\d)\s/.exec(line)?.[1]?.replace(/,/g, '')));
    assert.deepEqual(values, [...values].sort((a, b) => b - a));
    assert.equal(values[0], rows[0]!.value);
  });
});
