/**
 * Page 1 of the report: what it is (title, organisation, period, filters, who printed it when),
 * the summary figures as cards, the figure over time and by category: the same charts as the
 * dashboard page, from the same geometry.
 */
import type { PDFPage } from 'pdf-lib';
import { barChart, foldBreakdown, lineChart } from '../charts/chart.ts';
import { dayNumber, fitText, formatDateTimeUtc, formatNumber } from '../charts/format.ts';
import { changeText, formatValue, upToText } from '../charts/summary-text.ts';
import { drawChart } from './draw-chart.ts';
import { BODY_BOTTOM, CONTENT_WIDTH, MARGIN } from './layout.ts';
import type { ReportInput } from './report.ts';
import { clean, colour, drawText, type Face, type Faces, fromTop } from './text.ts';

const CARD_TOP = 152;
const CARD_HEIGHT = 66;
const CARD_GAP = 8;
const LINE_CHART_TOP = 254;
const LINE_CHART_HEIGHT = 190;
const BAR_CHART_TOP = 480;

/** "revenue" → "Revenue"; scripts without case are left alone. */
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function lineChartTitle(input: ReportInput): string {
  return `${capitalise(input.filters.metric)} per ${input.view.series.bucket}`;
}

export function barChartTitle(input: ReportInput): string {
  return `${capitalise(input.filters.metric)} by category`;
}

/** The largest size (down to `min`) at which `text` fits `width`. */
function fitSize(face: Face, text: string, width: number, size: number, min: number): number {
  const natural = face.width(text, size);
  return natural <= width ? size : Math.max(min, Math.floor(((size * width) / natural) * 10) / 10);
}

interface Card {
  readonly label: string;
  readonly value: string;
  readonly notes: readonly string[];
}

function cards(input: ReportInput): Card[] {
  const { view } = input;
  const { summary, format } = view;
  const change = changeText(view);
  // The note may be long ("vs … : … (both up to day 12: …)"): cut at its colon onto two lines.
  const split = change.note.indexOf(': ');
  const notes = split > 0 && change.direction !== 'none' ? [change.note.slice(0, split), change.note.slice(split + 2)] : [change.note];
  return [
    { label: 'Total', value: formatValue(summary.total, format), notes: [clean(input.filters.metric), upToText(view)] },
    { label: 'Average per day', value: formatValue(summary.average, format), notes: ['over days with data'] },
    { label: 'Records', value: formatNumber(summary.count, 0), notes: ['listed from page 2'] },
    { label: 'Change vs previous period', value: change.value, notes },
  ];
}

function drawCards(page: PDFPage, input: ReportInput, faces: Faces): void {
  const width = (CONTENT_WIDTH - 3 * CARD_GAP) / 4;
  const inner = width - 20;
  cards(input).forEach((card, i) => {
    const x = MARGIN + i * (width + CARD_GAP);
    page.drawRectangle({
      x,
      y: fromTop(CARD_TOP + CARD_HEIGHT),
      width,
      height: CARD_HEIGHT,
      color: colour('#f6f8fa'),
      borderColor: colour('#d0d7de'),
      borderWidth: 0.75,
    });
    drawText(page, faces.regular, fitText(card.label, inner, (s) => faces.regular.width(s, 8.5)), { x: x + 10, y: fromTop(CARD_TOP + 16), size: 8.5, color: colour('muted') });
    const size = fitSize(faces.bold, card.value, inner, 16, 9);
    drawText(page, faces.bold, card.value, { x: x + 10, y: fromTop(CARD_TOP + 37), size });
    card.notes.forEach((note, j) => {
      const text = fitText(note, inner, (s) => faces.regular.width(s, 7.5));
      drawText(page, faces.regular, text, { x: x + 10, y: fromTop(CARD_TOP + 50 + j * 9.5), size: 7.5, color: colour('muted') });
    });
  });
}

function drawHeader(page: PDFPage, input: ReportInput, faces: Faces): void {
  const { filters } = input;
  const fit = (face: Face, text: string, size: number, width = CONTENT_WIDTH) => fitText(clean(text), width, (s) => face.width(s, size));
  drawText(page, faces.bold, fit(faces.bold, input.title, 20), { x: MARGIN, y: fromTop(58), size: 20 });
  drawText(page, faces.regular, fit(faces.regular, input.organisation, 12), { x: MARGIN, y: fromTop(78), size: 12, color: colour('muted') });
  page.drawLine({ start: { x: MARGIN, y: fromTop(90) }, end: { x: MARGIN + CONTENT_WIDTH, y: fromTop(90) }, thickness: 0.75, color: colour('#d0d7de') });

  const days = dayNumber(filters.to) - dayNumber(filters.from) + 1;
  const lines: Array<[string, string]> = [
    ['Period', `${filters.from} – ${filters.to}${Number.isFinite(days) ? ` (${formatNumber(days, 0)} ${days === 1 ? 'day' : 'days'})` : ''}`],
    ['Filters', `${filters.category === null ? 'All categories' : `Category: ${filters.category}`} · Metric: ${filters.metric}`],
    ['Generated', `by ${input.generatedBy} on ${formatDateTimeUtc(input.generatedAt)}`],
  ];
  const valueX = MARGIN + 62;
  lines.forEach(([label, value], i) => {
    const y = fromTop(108 + i * 14);
    drawText(page, faces.bold, label, { x: MARGIN, y, size: 9.5, color: colour('muted') });
    drawText(page, faces.regular, fit(faces.regular, value, 9.5, CONTENT_WIDTH - 62), { x: valueX, y, size: 9.5 });
  });
}

export function drawSummaryPage(page: PDFPage, input: ReportInput, faces: Faces): void {
  drawHeader(page, input, faces);
  drawCards(page, input, faces);

  const lineTitle = lineChartTitle(input);
  drawText(page, faces.bold, clean(lineTitle), { x: MARGIN, y: fromTop(LINE_CHART_TOP - 8), size: 12 });
  const { decimals, unit } = input.view.format;
  const line = lineChart(input.view.series, { width: CONTENT_WIDTH, height: LINE_CHART_HEIGHT, title: lineTitle, decimals, unit, mode: input.lines ?? 'total' });
  drawChart(page, line, MARGIN, fromTop(LINE_CHART_TOP), faces);

  const barTitle = barChartTitle(input);
  drawText(page, faces.bold, clean(barTitle), { x: MARGIN, y: fromTop(BAR_CHART_TOP - 8), size: 12 });
  const bars = foldBreakdown(input.view.breakdown).length;
  const height = Math.min(BODY_BOTTOM - 12 - BAR_CHART_TOP, Math.max(90, 30 + bars * 22));
  const bar = barChart(input.view.breakdown, { width: CONTENT_WIDTH, height, title: barTitle, decimals, unit, highlight: input.filters.category });
  drawChart(page, bar, MARGIN, fromTop(BAR_CHART_TOP), faces);
}
