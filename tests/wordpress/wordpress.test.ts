/**
 * Single sign-on against a real WordPress: Debian's WordPress 6.1 on PHP (mod_php) at `/` and
 * the app through mod_passenger at `/dashboard`, in one private Apache virtual host on
 * 127.0.0.1 (the production layout, with the dashboard folder's `RewriteEngine Off`), MariaDB
 * on a socket in the test's folder, the real plugin in wp-content/mu-plugins, and Debian's
 * Chromium clicking through wp-login.php. Then the token that flow produced is replayed (to
 * Passenger's process and to a second app process over the same DATA_DIR), and forged tokens
 * are sent; each refusal must leave its audit entry. Everything lives in one temporary folder,
 * removed with the database and Apache at the end.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import initSqlJs from 'sql.js';
import { axe, describeViolations } from '../helpers/axe.ts';
import { CHROMIUM, launchChromium } from '../helpers/browser.ts';
import { WASM } from '../helpers/auth-app.ts';
import { spawnApp, type AppProcess } from '../helpers/process.ts';
import { needSystem } from '../helpers/system.ts';
import { APACHE2CTL, modPhp, type Apache } from '../passenger/apache.ts';
import { systemIds } from '../passenger/processes.ts';
import { account, APP_GROUP, APP_USER, install, startOnFreePort, stepper } from '../passenger/site.ts';
import { CLIENT, INSTALL_DB, MARIADBD, startMariaDb, type MariaDb } from './mariadb.ts';
import { pluginClaims, signLikePlugin, tamper, type PluginClaims } from './sign.ts';
import { ageWordPressLogins, copyWordPress, installWordPress, PHP, renameLogin, WORDPRESS_PACKAGE, wordpressVersion, wpPhp, writeWpConfig, type WordPressUser } from './wordpress.ts';

const ADMIN: WordPressUser = { login: 'siteadmin', password: 'admin pass phrase 4 wp', displayName: 'Site Admin', role: 'administrator' };
const MEMBER: WordPressUser = { login: 'minji', password: 'member pass phrase 4 wp', displayName: '김민지 (회원)', role: 'subscriber' };

const NEEDS = {
  paths: [APACHE2CTL, '/usr/lib/apache2/modules/mod_passenger.so', modPhp() ?? '/usr/lib/apache2/modules/libphp.so', path.join(WORDPRESS_PACKAGE, 'wp-login.php'), MARIADBD, INSTALL_DB, CLIENT, PHP, CHROMIUM],
  packages: ['apache2', 'libapache2-mod-passenger', 'libapache2-mod-php', 'php', 'php-mysql', 'wordpress', 'mariadb-server', 'chromium'],
};

/** The last single-sign-on audit entry, read from the database file as another process would. */
async function lastSsoAudit(dataDir: string): Promise<{ outcome: string; actor: string | null; detail: string | null }> {
  const SQL = await initSqlJs({ locateFile: () => WASM });
  const db = new SQL.Database(readFileSync(path.join(dataDir, 'dashboard.sqlite')));
  try {
    const row = db.exec("SELECT outcome, actor, detail FROM audit_log WHERE action = 'sso_wordpress' ORDER BY id DESC LIMIT 1")[0]?.values[0];
    assert.ok(row !== undefined, 'an sso_wordpress audit entry');
    return { outcome: String(row[0]), actor: row[1] === null ? null : String(row[1]), detail: row[2] === null ? null : String(row[2]) };
  } finally {
    db.close();
  }
}

/** Rows of the audit log matching `where`, read from the database file. */
async function auditCount(dataDir: string, where: string): Promise<number> {
  const SQL = await initSqlJs({ locateFile: () => WASM });
  const db = new SQL.Database(readFileSync(path.join(dataDir, 'dashboard.sqlite')));
  try {
    return Number(db.exec(`SELECT COUNT(*) FROM audit_log WHERE ${where}`)[0]?.values[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/** Signs in on wp-login.php (WordPress's own form) and waits for wp-admin. */
async function wordpressLogin(page: Page, user: WordPressUser): Promise<void> {
  // wp-login.php focuses a field 200 ms after it loads, and when it knows the login (reauth=1)
  // it empties the password field first: typing before that loses the password ("The password
  // field is empty"). Its timer has run once either field has the focus; a page showing an
  // error sets no timer.
  await page
    .waitForFunction(() => ['user_login', 'user_pass'].includes(document.activeElement?.id ?? ''), undefined, { timeout: 5000 })
    .catch(() => undefined);
  await page.locator('#user_login').fill(user.login);
  await page.locator('#user_pass').fill(user.password);
  await page.locator('#wp-submit').click();
}

interface Landing {
  readonly token: string;
  readonly next: string;
  /** Milliseconds from the click to the dashboard page shown. */
  readonly ms: number;
  /** Milliseconds from the click to each answer's arrival: WordPress's form page, the landing's 303, the dashboard page. */
  readonly steps: { readonly wordpress: number; readonly landing: number; readonly page: number };
}

/** From a wp-admin page: clicks the admin bar's Dashboard link and follows the form post to `landing`. */
async function followDashboardLink(page: Page, dashboard: string, landing: string | RegExp): Promise<Landing> {
  const posted = page.waitForRequest((r) => r.url() === `${dashboard}/auth/wordpress` && r.method() === 'POST');
  const steps = { wordpress: NaN, landing: NaN, page: NaN };
  const onResponse = (response: { url(): string }): void => {
    const at = performance.now() - started;
    const url = response.url();
    if (url.includes('/wp-admin/admin-post.php')) steps.wordpress = at;
    else if (url === `${dashboard}/auth/wordpress`) steps.landing = at;
    else if (Number.isNaN(steps.page) && url.startsWith(`${dashboard}/`) && !url.includes('/assets/')) steps.page = at;
  };
  page.on('response', onResponse);
  const started = performance.now();
  await page.locator('#wp-admin-bar-dashboard-sso > a').click();
  const form = new URLSearchParams((await posted).postData() ?? '');
  await page.waitForURL(landing);
  await page.locator('main').first().waitFor();
  const ms = performance.now() - started;
  page.off('response', onResponse);
  return { token: form.get('token') ?? '', next: form.get('next') ?? '', ms, steps };
}

async function me(page: Page, dashboard: string): Promise<{ id: number; username: string; displayName: string; role: string }> {
  const body = await page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json(), `${dashboard}/api/me`);
  return (body as { user: { id: number; username: string; displayName: string; role: string } }).user;
}

/** Posts the form as the plugin's page does (Origin: the WordPress site), without following the answer. */
function land(dashboard: string, origin: string, token: string): Promise<Response> {
  return fetch(`${dashboard}/auth/wordpress`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
    body: new URLSearchParams({ token, next: '' }).toString(),
  });
}

function claimsOf(token: string): PluginClaims {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as PluginClaims;
}

/** Runs the CLI as the app's user (files in DATA_DIR must stay the app's). */
function cliAsApp(appRoot: string, dataDir: string, args: readonly string[]): Promise<{ code: number | null; out: string }> {
  const { uid, gid } = systemIds(APP_USER, APP_GROUP);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/cli.cjs', ...args, '--data-dir', dataDir], { cwd: appRoot, uid, gid, env: { PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.end();
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('single sign-on from a real WordPress 6.1 to the app under Passenger at /dashboard', { timeout: 600_000 }, async (t: TestContext) => {
  if (!needSystem(t, NEEDS)) return;
  const tmp = account(t);
  if (tmp === undefined) return;
  let apache: Apache | undefined;
  let db: MariaDb | undefined;
  let second: AppProcess | undefined;
  t.after(async () => {
    try {
      await second?.stop();
      await apache?.stop();
      await db?.stop();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  const html = path.join(tmp, 'public_html');
  copyWordPress(html);
  const ssoSecret = randomBytes(32).toString('hex');
  const appEnv = { SECRET_KEY: randomBytes(32).toString('hex'), WP_SSO_SECRET: ssoSecret, ORG_NAME: '회원 협회' };
  const site = install(tmp, { name: 'dashboard', env: appEnv });
  mkdirSync(path.join(tmp, 'mysql'), { mode: 0o755 });
  db = await startMariaDb(path.join(tmp, 'mysql'));
  apache = await startOnFreePort(tmp, { sites: [site], php: true });
  const wp = apache.url;
  const dashboard = `${wp}/dashboard`;
  // The port is known only now; Passenger reads the .htaccess when it first starts the app.
  appendFileSync(path.join(site.folder, '.htaccess'), `SetEnv WP_URL "${wp}"\n`);
  writeWpConfig(html, { url: wp, db, sso: { secret: ssoSecret, dashboardUrl: dashboard } });
  const ids = await installWordPress(html, wp, ADMIN, [MEMBER]);
  const version = await wordpressVersion(html, wp);
  process.stderr.write(`wordpress test: WordPress ${version} at ${wp}, the app at ${dashboard}\n`);
  assert.match(version, /^6\./);

  const browser = (await launchChromium(t)) as Browser;
  const step = stepper(t, apache);
  const flows: Landing[] = [];
  let memberId = 0;
  let replayable = '';
  const stepUpTimes: number[] = [];

  await step('a member signs in on wp-login.php, follows the Dashboard link, and lands signed in, Korean name and all', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${wp}/wp-login.php`);
    await wordpressLogin(page, MEMBER);
    await page.waitForURL(/\/wp-admin\//);
    const flow = await followDashboardLink(page, dashboard, `${dashboard}/`);
    flows.push(flow);
    assert.equal(await page.locator('#who').textContent(), MEMBER.displayName);
    const user = await me(page, dashboard);
    assert.deepEqual([user.username, user.displayName, user.role], [MEMBER.login, MEMBER.displayName, 'member']);
    memberId = user.id;
    replayable = flow.token;
    const claims = claimsOf(flow.token);
    assert.deepEqual([claims.iss, claims.aud, claims.sub, claims.login, claims.name, claims.roles], [wp, 'dashboard', String(ids[MEMBER.login]), MEMBER.login, MEMBER.displayName, ['subscriber']]);
    assert.equal(Number(claims.exp) - Number(claims.iat), 60);
    const audit = await lastSsoAudit(site.dataDir);
    assert.deepEqual([audit.outcome, audit.actor], ['success', MEMBER.login]);
    // A start URL with a nonce that is not this user's (a link made elsewhere): one click to confirm, nothing posted by itself.
    const sent: string[] = [];
    page.on('request', (r) => sent.push(r.url()));
    await page.goto(`${wp}/wp-admin/admin-post.php?action=dashboard_sso&_wpnonce=0123456789`);
    await page.getByRole('heading', { name: 'Go to the dashboard?' }).waitFor();
    assert.deepEqual(sent.filter((url) => url.startsWith(dashboard)), [], 'no token left WordPress');
    // Once more, warm (Passenger's process is up): the round trip on its own.
    await page.goto(`${wp}/wp-admin/profile.php`);
    flows.push(await followDashboardLink(page, dashboard, `${dashboard}/`));
    assert.equal((await me(page, dashboard)).id, memberId, 'the same WordPress user is the same account');
    await page.context().close();
  });

  await step('a WordPress administrator lands as an admin, and the Admin page marks WordPress accounts', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${wp}/wp-login.php`);
    await wordpressLogin(page, ADMIN);
    await page.waitForURL(/\/wp-admin\//);
    await followDashboardLink(page, dashboard, `${dashboard}/`);
    assert.equal((await me(page, dashboard)).role, 'admin');
    await page.goto(`${dashboard}/admin`);
    const row = page.locator('#users-table tbody tr', { hasText: MEMBER.login });
    await row.locator('.tag', { hasText: 'WordPress' }).waitFor();
    assert.equal(await row.getByRole('button', { name: /Reset password/ }).count(), 0, 'no dashboard password for a WordPress account');
    await page.context().close();
  });

  await step('step-up: a WordPress admin whose WordPress login is 10 minutes old types the WordPress password again, then the admin action goes through', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${wp}/wp-login.php`);
    await wordpressLogin(page, ADMIN);
    await page.waitForURL(/\/wp-admin\//);
    // As if the password had been typed ten minutes ago: WordPress's own record of this sign-in.
    await ageWordPressLogins(html, wp, ids[ADMIN.login]!, 600);
    const aged = await followDashboardLink(page, dashboard, `${dashboard}/`);
    const loginAt = claimsOf(aged.token).auth_time;
    assert.ok(Number.isSafeInteger(loginAt) && Math.abs(Number(loginAt) - (Math.floor(Date.now() / 1000) - 600)) < 30, `auth_time ${String(loginAt)}: the session's login time`);
    assert.doesNotMatch(String((await lastSsoAudit(site.dataDir)).detail), /step-up/, 'an old WordPress password is no confirmation');
    await page.goto(`${dashboard}/admin`);
    const signOut = async (): Promise<void> => {
      await page.locator('#users-table tbody tr', { hasText: MEMBER.login }).getByRole('button', { name: /Sign out everywhere/ }).click();
      await page.getByRole('dialog').getByRole('button', { name: `Sign ${MEMBER.login} out` }).click();
    };
    await signOut();
    const dialog = page.getByRole('dialog', { name: 'Confirm it\u2019s you' });
    const confirm = dialog.getByRole('link', { name: 'Confirm with WordPress' });
    await confirm.waitFor();
    assert.equal(await dialog.getByLabel('Your password').isVisible(), false, 'no dashboard password box for a WordPress account');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Confirm with WordPress', 'focus on the way forward');
    const violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.equal(await auditCount(site.dataDir, "action = 'logout_all'"), 0, 'nothing done without the confirmation');

    const started = performance.now();
    await confirm.click();
    await page.waitForURL(/\/wp-login\.php\?.*reauth=1/);
    const asked = performance.now() - started;
    await wordpressLogin(page, ADMIN);
    const typed = performance.now();
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${dashboard}/admin`);
    await page.locator('#users-table tbody tr', { hasText: MEMBER.login }).waitFor();
    const back = performance.now() - typed;
    assert.match(String((await lastSsoAudit(site.dataDir)).detail), /step-up confirmed/);
    await signOut();
    await page.locator('#users-status', { hasText: `Every session of ${MEMBER.login} has ended.` }).waitFor();
    assert.equal(await auditCount(site.dataDir, "action = 'logout_all'"), 1);
    stepUpTimes.push(asked, back);
    // The password now fresh, the step_up start goes straight to the one confirming click, no second sign-in.
    await page.goto(`${wp}/wp-admin/admin-post.php?action=dashboard_sso&step_up=1&next=%2Fdashboard%2Fadmin`);
    await page.getByRole('heading', { name: 'Go to the dashboard?' }).waitFor();
    assert.match(page.url(), /\/wp-admin\/admin-post\.php\?/);
    await page.context().close();
  });

  await step('a visitor not signed in to WordPress is sent to wp-login.php and back, to the page first asked for', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${dashboard}/admin`);
    await page.waitForURL(`${dashboard}/login?next=%2Fdashboard%2Fadmin`);
    await page.getByRole('link', { name: 'Sign in with WordPress' }).click();
    await page.waitForURL(/\/wp-login\.php\?redirect_to=/);
    await wordpressLogin(page, ADMIN);
    // Back at the plugin's start, which (no nonce: the dashboard cannot make one) asks once.
    await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${dashboard}/admin`);
    assert.equal((await me(page, dashboard)).username, ADMIN.login);
    await page.context().close();
  });

  await step('the token from the flow, replayed to Passenger\'s process and to a second app process, is refused', async () => {
    const res = await land(dashboard, wp, replayable);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('Location'), '/dashboard/login?error=wordpress_replayed');
    assert.deepEqual(res.headers.getSetCookie(), []);
    assert.match(String((await lastSsoAudit(site.dataDir)).detail), /token used before \(replay\)/);
    const { uid, gid } = systemIds(APP_USER, APP_GROUP);
    second = spawnApp({
      cwd: site.appRoot,
      uid,
      gid,
      env: { ...appEnv, NODE_ENV: 'production', DATA_DIR: site.dataDir, WP_URL: wp, BASE_PATH: '/dashboard' },
    });
    const other = `${await second.url()}/dashboard`;
    const again = await land(other, wp, replayable);
    assert.equal(again.headers.get('Location'), '/dashboard/login?error=wordpress_replayed');
    assert.deepEqual(again.headers.getSetCookie(), []);
    // The positive control for the second process: a fresh token is accepted there.
    const fresh = signLikePlugin({ ...claimsOf(replayable), iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, jti: randomBytes(16).toString('hex') }, ssoSecret);
    assert.equal((await land(other, wp, fresh)).headers.getSetCookie().length, 3);
  });

  await step('forged and stale tokens are each refused with an audit entry', async () => {
    const real = claimsOf(replayable);
    const now = Math.floor(Date.now() / 1000);
    const fresh = (changes: PluginClaims = {}): PluginClaims => ({ ...real, iat: now, exp: now + 60, jti: randomBytes(16).toString('hex'), ...changes });
    const cases: Array<[string, string, string, RegExp]> = [
      ['expired', signLikePlugin(fresh({ iat: now - 600, exp: now - 540 }), ssoSecret), 'expired', /token refused: expired/],
      ['another secret', signLikePlugin(fresh(), randomBytes(32).toString('hex')), 'invalid', /token refused: signature/],
      ['tampered roles', tamper(signLikePlugin(fresh(), ssoSecret), (claims) => ({ ...claims, roles: ['administrator'] })), 'invalid', /token refused: signature/],
      ['another audience', signLikePlugin(fresh({ aud: 'shop' }), ssoSecret), 'invalid', /token refused: audience/],
      ['another issuer', signLikePlugin(fresh({ iss: 'http://evil.localhost' }), ssoSecret), 'invalid', /token refused: issuer/],
    ];
    for (const [label, token, reason, detail] of cases) {
      const res = await land(dashboard, wp, token);
      assert.equal(res.headers.get('Location'), `/dashboard/login?error=wordpress_${reason}`, label);
      assert.deepEqual(res.headers.getSetCookie(), [], label);
      const audit = await lastSsoAudit(site.dataDir);
      assert.equal(audit.outcome, 'failure', label);
      assert.match(String(audit.detail), detail, label);
    }
    // The positive control: the same construction, untouched, signs in.
    assert.equal((await land(dashboard, wp, signLikePlugin(fresh(), ssoSecret))).headers.getSetCookie().length, 3);
  });

  await step('a new login name in WordPress is the same dashboard account', async () => {
    await renameLogin(html, wp, ids[MEMBER.login]!, 'minji.kim');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${wp}/wp-login.php`);
    await wordpressLogin(page, { ...MEMBER, login: 'minji.kim' });
    await page.waitForURL(/\/wp-admin\//);
    await followDashboardLink(page, dashboard, `${dashboard}/`);
    const user = await me(page, dashboard);
    assert.deepEqual([user.id, user.username], [memberId, 'minji.kim']);
    assert.match(String((await lastSsoAudit(site.dataDir)).detail), /renamed from minji/);
    await page.context().close();
  });

  await step('a disabled dashboard account is refused, with a message on the sign-in page', async () => {
    const disabled = await cliAsApp(site.appRoot, site.dataDir, ['users', 'disable', 'minji.kim']);
    assert.equal(disabled.code, 0, disabled.out);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${wp}/wp-login.php`);
    await wordpressLogin(page, { ...MEMBER, login: 'minji.kim' });
    await page.waitForURL(/\/wp-admin\//);
    await followDashboardLink(page, dashboard, `${dashboard}/login?error=wordpress_disabled`);
    assert.match(String(await page.locator('#form-error').textContent()), /Your dashboard account is disabled/);
    assert.match(String((await lastSsoAudit(site.dataDir)).detail), /account disabled/);
    await page.context().close();
  });

  await step('the plugin: the [dashboard_link] shortcode for signed-in users only; without its constants, an admin notice and no links', async () => {
    const shortcode = (userId: number): Promise<string> =>
      wpPhp(html, wp, `wp_set_current_user( ${userId} );\necho do_shortcode( '[dashboard_link text="회원 대시보드" next="/dashboard/admin"]' );`);
    const link = await shortcode(ids[ADMIN.login]!);
    assert.match(link, new RegExp(`^<a class="dashboard-sso-link" href="${wp.replace(/[.]/g, '\\.')}/wp-admin/admin-post\\.php\\?action=dashboard_sso&#038;next=%2Fdashboard%2Fadmin&#038;_wpnonce=[0-9a-f]{10}">회원 대시보드</a>$`));
    assert.equal(await shortcode(0), '', 'nothing for a visitor not signed in');
    const roleless = Number(await wpPhp(html, wp, "echo wp_insert_user( array( 'user_login' => 'norole', 'user_pass' => 'x', 'role' => '' ) );"));
    assert.equal(await shortcode(roleless), '', 'nothing for a user without the read capability');
    // wp-config.php's own defines come later and lose (PHP keeps the first; the warning goes to stderr).
    const unset = "define( 'DASHBOARD_SSO_SECRET', '' );\ndefine( 'DASHBOARD_URL', '' );\n";
    const notice = await wpPhp(html, wp, `wp_set_current_user( ${ids[ADMIN.login]} );\ndo_action( 'admin_notices' );\necho '|' . do_shortcode( '[dashboard_link]' );`, { prelude: unset });
    assert.match(notice, /<div class="notice notice-warning" id="dashboard-sso-notice"><p><strong>Dashboard single sign-on is off\.<\/strong> DASHBOARD_SSO_SECRET is not defined\. DASHBOARD_URL is not defined\./);
    assert.match(notice, /\|$/, 'no link while it is off');
    const configured = await wpPhp(html, wp, `wp_set_current_user( ${ids[ADMIN.login]} );\ndo_action( 'admin_notices' );`);
    assert.doesNotMatch(configured, /dashboard-sso-notice/, 'no notice once set up');
  });

  const [cold, warm] = flows;
  process.stderr.write(
    `wordpress test: SSO round trip (click on Dashboard in wp-admin → dashboard page shown): first ${cold!.ms.toFixed(0)} ms (including Passenger starting the app), ` +
      `then ${warm!.ms.toFixed(0)} ms (WordPress's form page after ${warm!.steps.wordpress.toFixed(0)} ms, the landing's 303 after ${warm!.steps.landing.toFixed(0)} ms, the dashboard page after ${warm!.steps.page.toFixed(0)} ms)\n`,
  );
  process.stderr.write(
    `wordpress test: step-up through WordPress: "Confirm with WordPress" → wp-login.php asking again ${stepUpTimes[0]?.toFixed(0)} ms; ` +
      `password typed → back on the admin page (one confirming click included) ${stepUpTimes[1]?.toFixed(0)} ms\n`,
  );
  assert.ok(existsSync(tmp));
});
