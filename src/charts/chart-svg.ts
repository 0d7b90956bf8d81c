/**
 * A Chart (chart.ts) as an SVG string for the page. Safe under a strict Content-Security-Policy:
 * presentation attributes only (no `style=`, which `style-src` without 'unsafe-inline' blocks),
 * no event handlers, every piece of text escaped (category names come from imported CSV files).
 * Screen readers get `role="img"` named by <title> and described by <desc>. Points and bars carry
 * no <title> of their own: the page shows a real tooltip from the chart's targets
 * (public/lib/chart-tooltip.ts), by mouse and by keyboard, and the browser's would double it.
 * Every colour is also a class (`f-ink` fill, `s-series` stroke) so that the page's style sheet
 * can repaint the chart for dark mode; the attributes stay for anything that reads SVG alone.
 */
import { type Chart, type Shape, PALETTE } from './chart.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(value: string): string {
  // Control characters other than tab and newline are not allowed in XML at all.
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

const FONT_FAMILY = 'system-ui, -apple-system, &quot;Segoe UI&quot;, Roboto, &quot;Noto Sans KR&quot;, sans-serif';

/** A short stable id from the chart's text, so that two charts on one page do not share ids. */
function chartId(chart: Chart): string {
  let hash = 2166136261;
  for (const ch of `${chart.title}\n${chart.description}`) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return `chart-${hash.toString(36)}`;
}

const dashOf = (dash: readonly number[] | undefined) => (dash === undefined ? '' : ` stroke-dasharray="${dash.join(' ')}"`);

function shapeSvg(shape: Shape): string {
  switch (shape.kind) {
    case 'line':
      return `<line x1="${shape.x1}" y1="${shape.y1}" x2="${shape.x2}" y2="${shape.y2}" stroke="${PALETTE[shape.stroke]}" stroke-width="${shape.width}"${dashOf(shape.dash)} class="s-${shape.stroke}"/>`;
    case 'polyline': {
      const points = shape.points.map((p) => `${p.x},${p.y}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${PALETTE[shape.stroke]}" stroke-width="${shape.width}"${dashOf(shape.dash)} stroke-linejoin="round" stroke-linecap="round" class="s-${shape.stroke}"/>`;
    }
    case 'rect':
      return `<rect x="${shape.x}" y="${shape.y}" width="${shape.width}" height="${shape.height}" fill="${PALETTE[shape.fill]}" class="f-${shape.fill}"/>`;
    case 'circle': {
      if (!shape.visible) return '';
      if (shape.hollow) {
        return `<circle cx="${shape.cx}" cy="${shape.cy}" r="${shape.r}" fill="${PALETTE.surface}" stroke="${PALETTE[shape.fill]}" stroke-width="1.5" class="f-surface s-${shape.fill} partial"/>`;
      }
      return `<circle cx="${shape.cx}" cy="${shape.cy}" r="${shape.r}" fill="${PALETTE[shape.fill]}" class="f-${shape.fill}"/>`;
    }
    case 'text': {
      const weight = shape.weight === 'bold' ? ' font-weight="bold"' : '';
      return `<text x="${shape.x}" y="${shape.y}" text-anchor="${shape.anchor}" font-size="${shape.size}"${weight} fill="${PALETTE[shape.fill]}" class="f-${shape.fill}">${escapeXml(shape.text)}</text>`;
    }
  }
}

export function chartSvg(chart: Chart): string {
  const id = chartId(chart);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${chart.width} ${chart.height}" width="${chart.width}" height="${chart.height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="${FONT_FAMILY}" class="chart">`,
    `<title id="${id}-title">${escapeXml(chart.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(chart.description)}</desc>`,
    ...chart.shapes.map(shapeSvg),
    '</svg>',
  ];
  return parts.join('');
}
