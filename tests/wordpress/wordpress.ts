/**
 * A real WordPress (Debian's package, 6.1) in a test's public_html: the package's files copied
 * (Debian's own wp-config.php reads /etc/wordpress, so the copy gets one of its own), installed
 * without a browser by calling WordPress's wp_install() from PHP's command line, with the
 * dashboard's plugin in wp-content/mu-plugins. PHP code runs against it the same way (users,
 * renames), with wp-load.php loaded.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/process.ts';
import type { MariaDb } from './mariadb.ts';

const run = promisify(execFile);
export const WORDPRESS_PACKAGE = '/usr/share/wordpress';
export const PHP = '/usr/bin/php';
export const PLUGIN = path.join(ROOT, 'deploy', 'wordpress', 'dashboard-sso.php');

/** PHP single-quoted string literal. */
export function phpString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Copies the package's files over `html` (the site's own .htaccess stays) and adds the plugin. */
export function copyWordPress(html: string): void {
  for (const entry of readdirSync(WORDPRESS_PACKAGE)) {
    if (entry === 'wp-config.php') continue;
    rmSync(path.join(html, entry), { recursive: true, force: true });
    cpSync(path.join(WORDPRESS_PACKAGE, entry), path.join(html, entry), { recursive: true, verbatimSymlinks: true });
  }
  mkdirSync(path.join(html, 'wp-content', 'mu-plugins'), { recursive: true });
  cpSync(PLUGIN, path.join(html, 'wp-content', 'mu-plugins', 'dashboard-sso.php'));
}

export interface WordPressConfig {
  /** WordPress's address: http://127.0.0.1:PORT. */
  readonly url: string;
  readonly db: MariaDb;
  /** DASHBOARD_SSO_SECRET and DASHBOARD_URL; left out to see the plugin stay off. */
  readonly sso?: { readonly secret: string; readonly dashboardUrl: string };
}

/** wp-config.php as an admin writes it, with the plugin's two constants. */
export function writeWpConfig(html: string, config: WordPressConfig): void {
  const keys = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];
  const define = (name: string, value: string | boolean): string => `define( ${phpString(name)}, ${typeof value === 'boolean' ? String(value) : phpString(value)} );\n`;
  writeFileSync(
    path.join(html, 'wp-config.php'),
    '<?php\n' +
      define('DB_NAME', config.db.database) +
      define('DB_USER', config.db.user) +
      define('DB_PASSWORD', config.db.password) +
      define('DB_HOST', `localhost:${config.db.socket}`) +
      define('DB_CHARSET', 'utf8mb4') +
      define('DB_COLLATE', '') +
      keys.map((key) => define(key, randomBytes(32).toString('base64'))).join('') +
      "$table_prefix = 'wp_';\n" +
      define('WP_HOME', config.url) +
      define('WP_SITEURL', config.url) +
      // No internet here: no update checks, no cron loopbacks, no calls home.
      define('WP_HTTP_BLOCK_EXTERNAL', true) +
      define('AUTOMATIC_UPDATER_DISABLED', true) +
      define('DISABLE_WP_CRON', true) +
      (config.sso === undefined ? '' : define('DASHBOARD_SSO_SECRET', config.sso.secret) + define('DASHBOARD_URL', config.sso.dashboardUrl)) +
      "if ( ! defined( 'ABSPATH' ) ) {\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\nrequire_once ABSPATH . 'wp-settings.php';\n",
    { mode: 0o644 },
  );
}

/** Runs PHP code with WordPress loaded (as the site at `url`); returns what it printed. */
export async function wpPhp(html: string, url: string, code: string, options: { installing?: boolean; prelude?: string } = {}): Promise<string> {
  const host = new URL(url).host;
  const script =
    (options.installing === true ? "define( 'WP_INSTALLING', true );\n" : '') +
    (options.prelude ?? '') +
    `$_SERVER['HTTP_HOST'] = ${phpString(host)};\n$_SERVER['REQUEST_URI'] = '/';\n$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';\n` +
    `require ${phpString(path.join(html, 'wp-load.php'))};\n${code}\n`;
  try {
    return (await run(PHP, ['-d', 'display_errors=stderr', '-r', script], { cwd: html, timeout: 60_000 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`php failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

export interface WordPressUser {
  readonly login: string;
  readonly password: string;
  readonly displayName: string;
  readonly role: string;
}

/** Installs WordPress (its first user an administrator) and adds `users`; returns each login's user id. */
export async function installWordPress(html: string, url: string, admin: WordPressUser, users: readonly WordPressUser[]): Promise<Record<string, number>> {
  const insert = users
    .map(
      (u) =>
        `$id = wp_insert_user( array( 'user_login' => ${phpString(u.login)}, 'user_pass' => ${phpString(u.password)}, 'user_email' => ${phpString(`${u.login}@example.org`)}, 'display_name' => ${phpString(u.displayName)}, 'role' => ${phpString(u.role)} ) );\n` +
        `if ( is_wp_error( $id ) ) { fwrite( STDERR, $id->get_error_message() ); exit( 1 ); }\n$ids[${phpString(u.login)}] = $id;\n`,
    )
    .join('');
  const out = await wpPhp(
    html,
    url,
    "require_once ABSPATH . 'wp-admin/includes/upgrade.php';\n" +
      `$result = wp_install( 'Members\\' site', ${phpString(admin.login)}, ${phpString(`${admin.login}@example.org`)}, false, '', ${phpString(admin.password)} );\n` +
      `$ids = array( ${phpString(admin.login)} => $result['user_id'] );\n` +
      `wp_update_user( array( 'ID' => $result['user_id'], 'display_name' => ${phpString(admin.displayName)} ) );\n` +
      insert +
      'echo wp_json_encode( $ids );',
    { installing: true },
  );
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>;
}

/** Renames a user's login, as a site admin can only do in the database (WordPress's own screens refuse it). */
export async function renameLogin(html: string, url: string, id: number, login: string): Promise<void> {
  await wpPhp(html, url, `global $wpdb;\n$wpdb->update( $wpdb->users, array( 'user_login' => ${phpString(login)}, 'user_nicename' => ${phpString(login)} ), array( 'ID' => ${id} ) );\nclean_user_cache( ${id} );`);
}

/** WordPress's own version, as its files say. */
export async function wordpressVersion(html: string, url: string): Promise<string> {
  return (await wpPhp(html, url, 'global $wp_version; echo $wp_version;')).trim();
}

/** Moves the login time of every WordPress sign-in of this user `seconds` into the past (usermeta session_tokens). */
export async function ageWordPressLogins(html: string, url: string, id: number, seconds: number): Promise<void> {
  const count = await wpPhp(
    html,
    url,
    `$sessions = get_user_meta( ${id}, 'session_tokens', true );\nforeach ( $sessions as $key => $session ) { $sessions[ $key ]['login'] = $session['login'] - ${seconds}; }\nupdate_user_meta( ${id}, 'session_tokens', $sessions );\necho count( $sessions );`,
  );
  if (Number(count.trim()) < 1) throw new Error(`no WordPress session of user ${id} to age`);
}
