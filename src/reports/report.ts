/**
 * The PDF report of a dashboard view: A4 portrait; page 1 holds the summary and the charts, the
 * pages after it the full table; every page has a footer with the title, the date and `n / N`.
 *
 * A pure core: input and font bytes in, PDF bytes out; no Hono, no files, no clock (the caller
 * passes `generatedAt`), so the same input gives the same bytes. pdf-lib and fontkit are heavy to
 * initialise: the route should import this module on first use (`await import(...)`), not at
 * start-up.
 */
import { PDFDocument, type PDFFont } from 'pdf-lib';
import type { ReportFonts } from './font.ts';
import { fitText, formatDateTimeUtc } from '../charts/format.ts';
import type { Filters, FiguresView, RecordRow, TableRequest } from '../figures/types.ts';
import type { LineMode } from '../charts/chart.ts';
import { fontkitForPdfLib } from './fontkit.ts';
import { CONTENT_WIDTH, FOOTER_BASELINE, MARGIN, PAGE_HEIGHT, PAGE_WIDTH, pageCount, tablePageCount } from './layout.ts';
import { drawSummaryPage } from './summary-page.ts';
import { createTableWriter } from './table.ts';
import { clean, colour, createFace, drawText, type Faces } from './text.ts';

export { pageCount, ROWS_PER_PAGE } from './layout.ts';

export interface ReportInput {
  readonly title: string;
  readonly organisation: string;
  /** Who asked for the report (a username), printed on page 1. */
  readonly generatedBy: string;
  readonly generatedAt: Date;
  readonly filters: Filters;
  readonly view: FiguresView;
  /** Every row of the view, in the order to print them. */
  readonly rows: readonly RecordRow[];
  /** The table's order on the page, when the rows follow it (printed above the table). */
  readonly order?: Pick<TableRequest, 'sort' | 'dir'>;
  /** The line chart as the page drew it (total by default). */
  readonly lines?: LineMode;
}

export const REPORT_CREATOR = 'Members dashboard';
export const REPORT_PRODUCER = 'Members dashboard (pdf-lib, fontkit)';

/**
 * Subset fonts are named with a six-letter tag (PDF 32000 §9.6.4). pdf-lib would add a random
 * suffix instead, making every rendering of the same report a different file.
 */
const FONT_NAMES = { regular: 'PRTDRG+Pretendard-Regular', bold: 'PRTDBD+Pretendard-Bold' } as const;

async function embedFonts(doc: PDFDocument, fonts: ReportFonts): Promise<Faces> {
  doc.registerFontkit(fontkitForPdfLib);
  const regular: PDFFont = await doc.embedFont(fonts.regular, { subset: true, customName: FONT_NAMES.regular });
  const bold: PDFFont = fonts.bold ? await doc.embedFont(fonts.bold, { subset: true, customName: FONT_NAMES.bold }) : regular;
  return { regular: createFace(regular), bold: createFace(bold) };
}

function setMetadata(doc: PDFDocument, input: ReportInput): void {
  const { filters } = input;
  doc.setTitle(clean(input.title), { showInWindowTitleBar: true });
  doc.setAuthor(clean(input.organisation));
  doc.setSubject(clean(`${filters.metric}, ${filters.from} to ${filters.to}, ${filters.category ?? 'all categories'}`));
  doc.setCreator(REPORT_CREATOR);
  doc.setProducer(REPORT_PRODUCER);
  doc.setCreationDate(input.generatedAt);
  doc.setModificationDate(input.generatedAt);
  doc.setLanguage('en');
}

function drawFooter(page: ReturnType<PDFDocument['addPage']>, input: ReportInput, faces: Faces, number: number, total: number): void {
  const y = FOOTER_BASELINE;
  page.drawLine({ start: { x: MARGIN, y: y + 12 }, end: { x: MARGIN + CONTENT_WIDTH, y: y + 12 }, thickness: 0.5, color: colour('#d0d7de') });
  const counter = `${number} / ${total}`;
  drawText(page, faces.regular, counter, { x: MARGIN + CONTENT_WIDTH, y, size: 8, anchor: 'end', color: colour('muted') });
  const room = CONTENT_WIDTH - faces.regular.width(counter, 8) - 24;
  const left = fitText(`${clean(input.title)} · ${formatDateTimeUtc(input.generatedAt)}`, room, (s) => faces.regular.width(s, 8));
  drawText(page, faces.regular, left, { x: MARGIN, y, size: 8, color: colour('muted') });
}

export async function renderReport(input: ReportInput, fonts: ReportFonts): Promise<Uint8Array> {
  // updateMetadata: false keeps pdf-lib from stamping its own producer and the current time.
  const doc = await PDFDocument.create({ updateMetadata: false });
  setMetadata(doc, input);
  const faces = await embedFonts(doc, fonts);
  const total = pageCount(input.rows.length);

  const first = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
  drawSummaryPage(first, input, faces);
  drawFooter(first, input, faces, 1, total);

  const drawTablePage = createTableWriter(input.rows, faces, input.view.format, input.order);
  for (let index = 0; index < tablePageCount(input.rows.length); index += 1) {
    const page = doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    drawTablePage({ page, index });
    drawFooter(page, input, faces, index + 2, total);
  }

  // Object streams pack the many small page and font objects into compressed streams: half the
  // file for a long table (1,000 rows: 151 KB instead of 307 KB) for about 10 ms.
  return doc.save({ useObjectStreams: true, updateFieldAppearances: false });
}
