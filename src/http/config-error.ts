/**
 * Under Passenger a process that exits at start-up shows visitors Passenger's generic
 * "could not be started" page and leaves the admin digging in Apache's error log. Instead we
 * stay up and answer every request with 503 and a page naming the variables to fix, each with
 * what to put there. Names and fixed hints only: values (secrets among them) are never shown.
 */
import { createServer, type Server } from 'node:http';
import type { ConfigProblem } from '../config/index.ts';
import { escapeHtml } from './html.ts';

/** A variable name alone (as before hints existed) or a problem with its hint. */
export type ProblemToShow = string | Pick<ConfigProblem, 'variable' | 'hint'>;

export function configurationErrorPage(problems: readonly ProblemToShow[]): string {
  const hints = new Map<string, string | undefined>();
  for (const p of problems) {
    const { variable, hint } = typeof p === 'string' ? { variable: p, hint: undefined } : p;
    if (!hints.has(variable) || hints.get(variable) === undefined) hints.set(variable, hint);
  }
  const items = [...hints]
    .map(([name, hint]) => {
      const what = hint === undefined ? '' : ` \u2014 what to put there: ${escapeHtml(hint)}`;
      return `<li><code>${name.replace(/[^A-Z0-9_]/g, '')}</code>${what}</li>`;
    })
    .join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard: configuration needed</title>' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>' +
    '<main><h1>The dashboard is not configured correctly</h1>' +
    '<p>An administrator needs to fix these settings (in cPanel\u2019s Node.js app settings, the ' +
    '<code>.htaccess</code> SetEnv lines, or the app\u2019s <code>.env</code> file), then restart the app:</p>' +
    `<ul>${items}</ul><p>The server log says what each one should look like.</p></main></body></html>`
  );
}

export function serveConfigurationError(problems: readonly ProblemToShow[], port: number): Server {
  const page = configurationErrorPage(problems);
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(503, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Retry-After': '60',
    });
    response.end(request.method === 'HEAD' ? undefined : page);
  });
  server.listen(port);
  return server;
}
