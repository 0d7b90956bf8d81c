/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): after a
 * successful sign-in the browser gets an HttpOnly cookie bound to that username. Sign-in limits
 * and lockout that count per username exist to slow a guessing campaign spread over many
 * addresses — but they would also let that campaign lock the real user out. A browser holding
 * a valid device cookie for the username is counted on its own (per device, with the strict
 * per-pair threshold) instead, so the real user still gets in while strangers are held back.
 * The value is `<nonce>.<HMAC(username, nonce)>`; it carries no session and grants nothing by
 * itself: it only changes which counter an attempt is charged to.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { usernameKey } from '../store/index.ts';

/** Half a year: a member who signs in twice a year keeps the benefit. */
export const DEVICE_COOKIE_MAX_AGE = 183 * 86_400;

export interface DeviceCookies {
  /** A new value for `username`, or the presented one renewed. */
  issue(username: string, nonce?: string): string;
  /** The device's nonce if `value` was issued for `username` with this key, else undefined. */
  verify(value: string | undefined, username: string): string | undefined;
}

export function createDeviceCookies(secret: string): DeviceCookies {
  // Its own key, derived apart from the token key: a device value can never pass as a MAC of anything else.
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'members-dashboard', 'device-cookie', 32));
  const mac = (username: string, nonce: string): Buffer => createHmac('sha256', key).update(`${usernameKey(username)}\n${nonce}`).digest();
  return {
    issue(username, nonce = randomBytes(16).toString('base64url')) {
      return `${nonce}.${mac(username, nonce).toString('base64url')}`;
    },
    verify(value, username) {
      if (value === undefined || value.length > 200) return undefined;
      const [nonce, presented, extra] = value.split('.');
      if (nonce === undefined || presented === undefined || extra !== undefined || !/^[\w-]{16,64}$/.test(nonce)) return undefined;
      const expected = mac(username, nonce);
      const given = Buffer.from(presented, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : undefined;
    },
  };
}
