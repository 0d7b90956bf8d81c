/**
 * Headers every response carries, computed once per app and added by the frame (frame.ts), so
 * that errors, 404s and static files get them too.
 *
 * Two sets. Pages (text/html) get the full policy. Everything else (JSON, files, empty answers)
 * gets OWASP's set for APIs: the strictest policy, `default-src 'none'; frame-ancestors 'none'`,
 * which is also what such an answer needs should a browser ever open it as a document (it may
 * load and run nothing), and no COOP, which only top-level pages use. Shorter headers are not
 * vanity: on the cheapest answers the bytes are a measurable share of the cost.
 */
export interface SecurityHeaderOptions {
  /** HSTS only in production: on http://localhost it would pin the developer's browser to HTTPS. */
  readonly production: boolean;
}

export type HeaderPairs = ReadonlyArray<readonly [string, string]>;

export interface SecurityHeaders {
  /** For pages: Content-Type text/html. */
  readonly document: HeaderPairs;
  /** For every other answer. */
  readonly resource: HeaderPairs;
}

/** The page policy: every script and style is a file from /assets, so an injected <script> cannot run. */
export const DOCUMENT_CSP = [
  "default-src 'none'",
  // No 'unsafe-inline'.
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  // The sign-in's proof of work runs in a worker loaded from /assets (public/pow-worker.ts).
  "worker-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'";

const PERMISSIONS =
  'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()';

export function securityHeaders(options: SecurityHeaderOptions): SecurityHeaders {
  const common: Array<readonly [string, string]> = [
    ['X-Content-Type-Options', 'nosniff'],
    // Older browsers ignore frame-ancestors.
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Permissions-Policy', PERMISSIONS],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    // Members' figures are no search engine's business, wherever the dashboard lives (bot/robots.ts).
    ['X-Robots-Tag', 'noindex, nofollow'],
  ];
  if (options.production) {
    // No includeSubDomains: the dashboard shares its host with a WordPress site whose
    // subdomains we do not control; pinning them to HTTPS could take them offline.
    common.push(['Strict-Transport-Security', 'max-age=31536000']);
  }
  return {
    document: [['Content-Security-Policy', DOCUMENT_CSP], ...common, ['Cross-Origin-Opener-Policy', 'same-origin']],
    resource: [['Content-Security-Policy', RESOURCE_CSP], ...common],
  };
}

/** Whether a Content-Type names a page. */
export function isDocumentType(contentType: string | null | undefined): boolean {
  return contentType !== null && contentType !== undefined && /^\s*text\/html\b/i.test(contentType);
}
