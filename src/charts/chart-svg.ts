/**
 * A Chart (chart.ts) as an SVG string for the page. Safe under a strict Content-Security-Policy:
 * presentation attributes only (no `style=`, which `style-src` without 'unsafe-inline' blocks),
 * no event handlers, every piece of text escaped (category names come from imported CSV files).
 * Screen readers get `role="img"` named by <title> and described by <desc>; each point and bar
 * carries a <title> child, which browsers show as a native tooltip.
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

function shapeSvg(shape: Shape): string {
  switch (shape.kind) {
    case 'line':
      return `<line x1="${shape.x1}" y1="${shape.y1}" x2="${shape.x2}" y2="${shape.y2}" stroke="${PALETTE[shape.stroke]}" stroke-width="${shape.width}"/>`;
    case 'polyline': {
      const points = shape.points.map((p) => `${p.x},${p.y}`).join(' ');
      return `<polyline points="${points}" fill="none" stroke="${PALETTE[shape.stroke]}" stroke-width="${shape.width}" stroke-linejoin="round" stroke-linecap="round"/>`;
    }
    case 'rect': {
      const title = shape.label === undefined ? '' : `<title>${escapeXml(shape.label)}</title>`;
      return `<rect x="${shape.x}" y="${shape.y}" width="${shape.width}" height="${shape.height}" fill="${PALETTE[shape.fill]}">${title}</rect>`;
    }
    case 'circle': {
      // An invisible point is still painted (transparent), so it still receives the pointer.
      const fill = shape.visible ? PALETTE[shape.fill] : 'transparent';
      return `<circle cx="${shape.cx}" cy="${shape.cy}" r="${shape.r}" fill="${fill}"><title>${escapeXml(shape.label)}</title></circle>`;
    }
    case 'text': {
      const weight = shape.weight === 'bold' ? ' font-weight="bold"' : '';
      return `<text x="${shape.x}" y="${shape.y}" text-anchor="${shape.anchor}" font-size="${shape.size}"${weight} fill="${PALETTE[shape.fill]}">${escapeXml(shape.text)}</text>`;
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
