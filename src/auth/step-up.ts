/**
 * Step-up: a fresh password confirmation before the admin actions that hand over or take away
 * access — creating or promoting an admin, changing a role, disabling or enabling an account,
 * resetting someone's password, signing someone else out everywhere, lifting a lockout, blocking
 * or unblocking an address.
 *
 * Why: in the sub-path layout the dashboard shares a browser origin with WordPress, and a script
 * on any page of that origin (a compromised plugin) can load the dashboard with the admin's
 * cookies, read the CSRF token from the page and call the API as the admin. No token scheme can
 * stop that inside one origin; what such a script does not have is the admin's password. So the
 * actions that would let it keep or widen its hold need the password typed within the last
 * STEP_UP_SECONDS, recorded on the sign-in (the refresh family, in the shared database: every
 * process honours it, and it ends with the sign-in). Everything else an admin or member does
 * stays one click: the boundary that fixes this whole class is a separate origin (a subdomain).
 *
 * Accounts linked to WordPress (src/wordpress/) have no dashboard password: they confirm through
 * WordPress instead. The admin page sends them round the plugin's start URL with `step_up=1`,
 * where the plugin asks for the WordPress password again (wp-login.php with `reauth=1`) unless
 * that WordPress sign-in is under three minutes old, and every token carries `auth_time`, the
 * WordPress sign-in's own login time. A token whose `auth_time` is within STEP_UP_SECONDS starts
 * its new sign-in already confirmed, until `auth_time` + STEP_UP_SECONDS (`signInVouched`). Merely
 * having a WordPress session is not enough: a script on the shared origin could start that round
 * trip itself; the password typed recently is what it cannot supply. (Anyone who typed their
 * WordPress password in the last five minutes, for whatever reason, is confirmed by one round
 * trip: the same window a password step-up leaves open on its sign-in.)
 */
import type { AppContext } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Session } from './session.ts';

/** How long a confirmation holds: long enough for a few changes in a row, short enough to be "fresh". */
export const STEP_UP_SECONDS = 300;

/**
 * Throws `403 step_up_required` unless this sign-in confirmed its password within STEP_UP_SECONDS.
 * `method` tells the page how to ask: a password box, or "Confirm with WordPress".
 */
export function assertStepUp(c: AppContext): void {
  const session = c.get('session') as Session | undefined;
  if (session?.steppedUp === true) return;
  if (session?.stepUpMethod === 'wordpress') {
    throw new AppError('step_up_required', {
      message: 'Please confirm it\u2019s you by signing in to WordPress again to do this: it changes who can use the dashboard.',
      details: { method: 'wordpress' },
    });
  }
  throw new AppError('step_up_required', { details: { method: 'password' } });
}
