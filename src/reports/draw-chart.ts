/**
 * Draws a Chart (../chart.ts) on a pdf-lib page: the same shapes the page renders as SVG, with
 * y flipped (the chart's origin is its top left corner, PDF's is the page's bottom left).
 */
import { LineCapStyle, LineJoinStyle, type PDFPage, popGraphicsState, pushGraphicsState, setLineJoin } from 'pdf-lib';
import type { Chart } from '../charts/chart.ts';
import { clean, colour, drawText, type Faces } from './text.ts';

/** `left`, `top`: where the chart's top left corner goes, in PDF coordinates. */
export function drawChart(page: PDFPage, chart: Chart, left: number, top: number, faces: Faces): void {
  const X = (x: number) => left + x;
  const Y = (y: number) => top - y;
  for (const shape of chart.shapes) {
    switch (shape.kind) {
      case 'line':
        page.drawLine({ start: { x: X(shape.x1), y: Y(shape.y1) }, end: { x: X(shape.x2), y: Y(shape.y2) }, thickness: shape.width, color: colour(shape.stroke), ...(shape.dash ? { dashArray: [...shape.dash] } : {}) });
        break;
      case 'polyline': {
        // One path, not a segment per point: joins stay round and the content stream small.
        // drawSvgPath takes SVG (y-down) coordinates relative to (x, y) and flips them itself.
        const d = shape.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
        // drawSvgPath cannot set the line join; its graphics state inherits this one's.
        page.pushOperators(pushGraphicsState(), setLineJoin(LineJoinStyle.Round));
        page.drawSvgPath(d, { x: left, y: top, borderColor: colour(shape.stroke), borderWidth: shape.width, borderLineCap: LineCapStyle.Round, ...(shape.dash ? { borderDashArray: [...shape.dash] } : {}) });
        page.pushOperators(popGraphicsState());
        break;
      }
      case 'rect':
        if (shape.width > 0 && shape.height > 0) {
          page.drawRectangle({ x: X(shape.x), y: Y(shape.y + shape.height), width: shape.width, height: shape.height, color: colour(shape.fill) });
        }
        break;
      case 'circle':
        if (!shape.visible) break;
        if (shape.hollow) page.drawCircle({ x: X(shape.cx), y: Y(shape.cy), size: shape.r, color: colour('surface'), borderColor: colour(shape.fill), borderWidth: 1.2 });
        else page.drawCircle({ x: X(shape.cx), y: Y(shape.cy), size: shape.r, color: colour(shape.fill) });
        break;
      case 'text': {
        const face = shape.weight === 'bold' ? faces.bold : faces.regular;
        drawText(page, face, clean(shape.text), { x: X(shape.x), y: Y(shape.y), size: shape.size, anchor: shape.anchor, color: colour(shape.fill) });
        break;
      }
    }
  }
}
