/**
 * Names of downloaded files made from the view's filters (`revenue_서울-지점_2026-01-01_2026-03-31.pdf`),
 * so that three reports saved side by side say what each holds. Sent both ways Content-Disposition
 * allows (RFC 6266): an ASCII `filename` for old clients and the UTF-8 `filename*`.
 */
import type { Filters } from '../figures/types.ts';

/** Letters and digits of any script kept; everything else (slashes, dots, quotes, spaces) becomes one `-`. */
function slug(text: string, max = 40): string {
  const cleaned = Array.from(text.normalize('NFC').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '')).slice(0, max).join('');
  return cleaned.replace(/-+$/, '') || 'x';
}

export function viewFileName(filters: Filters, extension: 'pdf' | 'csv'): string {
  const parts = [slug(filters.metric || 'figures'), slug(filters.category ?? 'all'), filters.from, filters.to];
  return `${parts.join('_')}.${extension}`;
}

export function attachment(name: string): string {
  // The plain name for old clients: non-ASCII letters dropped, the separators they leave merged.
  const ascii = name.replace(/[^\x20-\x7e]+/g, '').replace(/["\\]/g, '').replace(/_[-_]*_/g, '_').replace(/^[-_]+/, '') || `figures.${name.split('.').pop()}`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
