/** WordPress single sign-on's variables: WP_SSO_SECRET, WP_URL and WP_SSO_ADMIN_ROLES (src/wordpress/). */
import { MIN_SECRET_BYTES, WEAK, weakSecret } from './secret.ts';
import { readUrl } from './values.ts';

export interface WordPressConfig {
  readonly wpSsoSecret: string | null;
  readonly wpUrl: string | null;
  readonly wpAdminRoles: readonly string[];
}

/** `get` gives a variable's trimmed value (undefined when unset); `fail` records a problem. */
export function readWordPress(get: (name: string) => string | undefined, production: boolean, fail: (variable: string, message: string) => undefined): WordPressConfig {
  const wpSsoSecret = get('WP_SSO_SECRET') ?? null;
  if (wpSsoSecret !== null && Buffer.byteLength(wpSsoSecret) < MIN_SECRET_BYTES) {
    fail('WP_SSO_SECRET', `must be at least ${MIN_SECRET_BYTES} bytes long (e.g. the output of: openssl rand -hex 32)`);
  } else if (wpSsoSecret !== null && production && weakSecret(wpSsoSecret)) {
    fail('WP_SSO_SECRET', WEAK);
  }
  const wpUrl = readUrl(get('WP_URL'));
  if (wpUrl === undefined) fail('WP_URL', 'must be an http:// or https:// URL such as https://example.org');
  if (wpSsoSecret !== null && wpUrl === null) fail('WP_URL', 'is required when WP_SSO_SECRET is set (it is the SSO tokens\' issuer)');
  const wpAdminRoles = (get('WP_SSO_ADMIN_ROLES') ?? 'administrator').split(',').map((role) => role.trim()).filter((role) => role !== '');
  if (wpAdminRoles.length === 0 || wpAdminRoles.some((role) => !/^[a-z0-9_-]{1,64}$/.test(role))) {
    fail('WP_SSO_ADMIN_ROLES', 'must be WordPress role names (lower-case letters, digits, _ and -) separated by commas, such as administrator,editor');
  }
  return { wpSsoSecret, wpUrl: wpUrl ?? null, wpAdminRoles };
}
