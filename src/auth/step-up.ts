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
 * Seam for WordPress-linked accounts (no dashboard password, src/wordpress/): in a later issue they
 * will confirm by a fresh round trip through WordPress that ends in the same
 * `store.confirmStepUp` for the current sign-in; until then `service.stepUp` answers them with
 * `forbidden` and `method: "wordpress"`.
 */
import type { AppContext } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { Session } from './session.ts';

/** How long a confirmation holds: long enough for a few changes in a row, short enough to be "fresh". */
export const STEP_UP_SECONDS = 300;

/** Throws `403 step_up_required` unless this sign-in confirmed its password within STEP_UP_SECONDS. */
export function assertStepUp(c: AppContext): void {
  const session = c.get('session') as Session | undefined;
  if (session?.steppedUp !== true) throw new AppError('step_up_required');
}
