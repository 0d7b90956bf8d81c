/**
 * GET /: the start page. Sign-in (issue 3) will turn this into the dashboard for signed-in
 * members and a redirect to /login for everyone else.
 */
import type { Hono } from 'hono';
import type { AssetUrls } from './html.ts';
import { escapeHtml, renderPage } from './html.ts';

export function homeRoutes(app: Hono<any>, deps: { assets: AssetUrls; basePath: string }): void { // any: any Env
  app.get('/', function home(c) {
    const body =
      '<main class="message" aria-labelledby="title"><h1 id="title">Members\u2019 dashboard</h1>' +
      '<p>The dashboard service is running.</p>' +
      `<p id="health" role="status" data-health-url="${escapeHtml(deps.basePath)}/healthz">Checking storage\u2026</p>` +
      '</main>';
    return c.html(renderPage({ title: 'Dashboard', body, assets: deps.assets, scripts: ['app.js'] }));
  });
}
