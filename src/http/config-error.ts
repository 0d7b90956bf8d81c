/**
 * Under Passenger a process that exits at start-up shows visitors Passenger's generic
 * "could not be started" page and leaves the admin digging in Apache's error log. Instead we
 * stay up and answer every request with 503 and a page naming the variables to fix. Names
 * only: values (secrets among them) are never shown.
 */
import { createServer, type Server } from 'node:http';

export function configurationErrorPage(variables: readonly string[]): string {
  const unique = [...new Set(variables)];
  const items = unique.map((name) => `<li><code>${name.replace(/[^A-Z0-9_]/g, '')}</code></li>`).join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard: configuration needed</title>' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>' +
    '<main><h1>The dashboard is not configured correctly</h1>' +
    '<p>An administrator needs to fix these settings (in cPanel\u2019s Node.js app settings, the ' +
    '<code>.htaccess</code> SetEnv lines, or the app\u2019s <code>.env</code> file), then restart the app:</p>' +
    `<ul>${items}</ul><p>The server log says what each one should look like.</p></main></body></html>`
  );
}

export function serveConfigurationError(variables: readonly string[], port: number): Server {
  const page = configurationErrorPage(variables);
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
