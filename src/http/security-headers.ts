/**
 * Headers every response carries. Computed once per app, applied after the handler so that
 * errors, 404s and static files get them too.
 */
export interface SecurityHeaderOptions {
  /** HSTS only in production: on http://localhost it would pin the developer's browser to HTTPS. */
  readonly production: boolean;
}

export function securityHeaders(options: SecurityHeaderOptions): ReadonlyArray<readonly [string, string]> {
  const csp = [
    "default-src 'none'",
    // No 'unsafe-inline': every script is a file from /assets, so an injected <script> cannot run.
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers: Array<readonly [string, string]> = [
    ['Content-Security-Policy', csp],
    ['X-Content-Type-Options', 'nosniff'],
    // Older browsers ignore frame-ancestors.
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    [
      'Permissions-Policy',
      'accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()',
    ],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
  ];
  if (options.production) {
    // No includeSubDomains: the dashboard shares its host with a WordPress site whose
    // subdomains we do not control; pinning them to HTTPS could take them offline.
    headers.push(['Strict-Transport-Security', 'max-age=31536000']);
  }
  return headers;
}
