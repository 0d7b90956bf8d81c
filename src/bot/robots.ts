/**
 * `GET /robots.txt`: disallow everything. Crawlers read robots.txt only at a site's root, so under
 * a sub-path (/dashboard/robots.txt) this is read by no one: the site's own robots.txt (WordPress's)
 * should add `Disallow: /dashboard/` (README). `X-Robots-Tag: noindex` on every answer
 * (http/security-headers.ts) holds wherever the dashboard lives.
 */
import type { Hono } from 'hono';

export const ROBOTS_TXT = 'User-agent: *\nDisallow: /\n';

// any: mounted on the app's open router whatever its Env type; only get() is used.
export function robotsRoute(app: Hono<any>): void {
  app.get('/robots.txt', function robots(c) {
    return c.body(ROBOTS_TXT, 200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=86400' });
  });
}
