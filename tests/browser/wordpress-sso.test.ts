/**
 * The single-sign-on landing in real Chromium, in the recommended subdomain layout: WordPress on
 * one origin (a stand-in page at wp.localhost that posts the form the plugin posts) and the
 * dashboard on another (dashboard.wp.localhost), same site. The form post is cross-origin, so
 * the app's usual Origin check would refuse it, and the session cookies are SameSite=Strict: the
 * browser must keep them through the 303 and send them on the dashboard's first load. A page on
 * another site posting a valid token (login CSRF) must not sign the visitor in. (The sub-path
 * layout, one origin, runs against a real WordPress in tests/wordpress/wordpress.test.ts.)
 * Chromium resolves every *.localhost name to the loopback address by itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { launchChromium, unexpected, watchConsole } from '../helpers/browser.ts';
import { releaseCopy, spawnApp } from '../helpers/process.ts';
import { pluginClaims, signLikePlugin } from '../wordpress/sign.ts';

const release = releaseCopy();
after(() => release.remove());

/** The plugin's page: a form that posts itself to the dashboard (what dashboard-sso.php prints). */
function standInWordPress(secret: string, issuer: () => string, dashboard: () => string): Server {
  return createServer((req, res) => {
    const now = Math.floor(Date.now() / 1000);
    const token = signLikePlugin(pluginClaims({ issuer: issuer(), now, userId: 12, login: 'seoyeon', name: '이서연', roles: ['editor'] }), secret);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Referrer-Policy': 'strict-origin-when-cross-origin' });
    res.end(
      `<!doctype html><html><body><form id="sso" method="post" action="${dashboard()}/auth/wordpress">` +
        `<input type="hidden" name="token" value="${token}"><input type="hidden" name="next" value="/?from=wordpress"></form>` +
        `<script>document.getElementById('sso').submit();</script></body></html>`,
    );
  });
}

test('subdomain layout: the cross-origin form post signs in, and the SameSite=Strict cookies survive the 303', async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const secret = randomBytes(32).toString('hex');
  let wpPort = 0;
  let dashboardPort = 0;
  const wordpress = standInWordPress(secret, () => `http://wp.localhost:${wpPort}`, () => `http://dashboard.wp.localhost:${dashboardPort}`);
  await new Promise<void>((resolve) => wordpress.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => wordpress.close(() => resolve())));
  wpPort = (wordpress.address() as { port: number }).port;
  const app = spawnApp({
    cwd: release.dir,
    env: { SECRET_KEY: randomBytes(32).toString('hex'), DATA_DIR: path.join(release.dir, 'data'), WP_SSO_SECRET: secret, WP_URL: `http://wp.localhost:${wpPort}` },
  });
  t.after(() => app.stop());
  dashboardPort = Number(new URL(await app.url()).port);
  const dashboard = `http://dashboard.wp.localhost:${dashboardPort}`;

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  const started = performance.now();
  await page.goto(`http://wp.localhost:${wpPort}/start`);
  await page.waitForURL(`${dashboard}/?from=wordpress`);
  assert.equal(await page.locator('#who').textContent(), '이서연', 'the first load after the 303 is signed in');
  process.stderr.write(`wordpress sso (browser): form post to dashboard page in ${(performance.now() - started).toFixed(0)} ms\n`);
  const cookies = await context.cookies(dashboard);
  assert.deepEqual(cookies.map((c) => [c.name, c.sameSite, c.domain]).sort(), [
    ['dash_access', 'Strict', 'dashboard.wp.localhost'],
    ['dash_csrf', 'Strict', 'dashboard.wp.localhost'],
  ]);
  assert.deepEqual(await context.cookies(`http://wp.localhost:${wpPort}`), [], 'WordPress\'s origin receives none');
  assert.deepEqual(unexpected(problems), []);

  // Another site (evil.localhost is not wp.localhost's site) posting a valid token: refused.
  const fresh = await browser.newContext();
  const evil = await fresh.newPage();
  await evil.goto(`http://evil.localhost:${wpPort}/start`);
  await evil.waitForURL(`${dashboard}/login?error=wordpress_invalid`);
  assert.match(String(await evil.locator('#form-error').textContent()), /Signing in with WordPress did not work/);
  assert.deepEqual(await fresh.cookies(dashboard), [], 'no session for the visitor');
  await fresh.close();
  await context.close();
});
