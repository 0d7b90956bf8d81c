/**
 * Server-rendered HTML: escaping and the page shell. Pages load their scripts and styles as
 * files from /assets (the CSP allows no inline script or style), so the shell needs the
 * asset URLs, which carry content hashes.
 */
export interface AssetUrls {
  /** URL (under BASE_PATH) of a built asset by its logical name, e.g. `app.css`. */
  url(name: string): string | undefined;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

export interface PageOptions {
  readonly title: string;
  /** Already-escaped HTML. */
  readonly body: string;
  readonly assets: AssetUrls;
  /** Logical names of scripts (ES modules) to load. */
  readonly scripts?: readonly string[];
  readonly bodyClass?: string;
  /** Extra trusted, already-escaped elements for <head> (meta tags). */
  readonly head?: string;
}

export function renderPage(options: PageOptions): string {
  const css = options.assets.url('app.css');
  const icon = options.assets.url('favicon.svg');
  const scripts = (options.scripts ?? [])
    .map((name) => options.assets.url(name))
    .filter((url): url is string => url !== undefined)
    .map((url) => `<script type="module" src="${escapeHtml(url)}"></script>`)
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(options.title)}</title>` +
    (css === undefined ? '' : `<link rel="stylesheet" href="${escapeHtml(css)}">`) +
    // Linked, so browsers do not ask for /favicon.ico (outside BASE_PATH: a 404 on every page).
    (icon === undefined ? '' : `<link rel="icon" href="${escapeHtml(icon)}" type="image/svg+xml">`) +
    scripts +
    (options.head ?? '') +
    `</head><body${options.bodyClass === undefined ? '' : ` class="${escapeHtml(options.bodyClass)}"`}>` +
    options.body +
    '</body></html>'
  );
}
