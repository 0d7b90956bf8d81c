/**
 * Honeypot and timing for the HTML forms. Each rendering of a form carries a token
 * `<renderedAt>.<nonce>.<HMAC>` (milliseconds, random, signed with a key derived from
 * SECRET_KEY) and a decoy field whose name is derived from the nonce, so it changes with every
 * page and a bot cannot learn to skip it by name. A person never sees the decoy (it sits off
 * screen, `aria-hidden`, `tabindex=-1`, `autocomplete=off`, labelled as nothing a password
 * manager would fill); a form-filling bot fills every field it finds. A filled decoy, a token
 * younger than a person could type, or a forged one is refused as a wrong password would be
 * (signin.ts), so the bot learns nothing, and recorded (bot/refusals.ts).
 *
 * Pure: node:crypto only; the clock is injected.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface FormGuard {
  /** A token for a form rendered now, and the decoy field's name. */
  issue(): { token: string; decoy: string };
  /**
   * Checks a submitted form: its token field and every field (to find the decoy). `undefined`
   * when it passes; otherwise why not.
   */
  check(fields: Readonly<Record<string, unknown>>): FormProblem | undefined;
}

/** Why a form is not a person's: a missing or forged token, a filled decoy, or sent too soon. */
export type FormProblem = 'form_token' | 'honeypot' | 'too_fast';

export interface FormGuardOptions {
  readonly secret: string;
  /** Milliseconds. */
  readonly now: () => number;
  /** Faster than this from rendering to submitting is not a person (BOT_FORM_MIN_MS). */
  readonly minMs: number;
  /** Older than this, the token is refused (a form kept open overnight is reloaded by the page's script). */
  readonly maxAgeMs?: number;
}

/** The form field carrying the token. */
export const FORM_TOKEN_FIELD = 'form_token';

export function createFormGuard(options: FormGuardOptions): FormGuard {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(options.secret, 'utf8'), 'members-dashboard', 'form-token', 32));
  const maxAge = options.maxAgeMs ?? 24 * 3600_000;
  const mac = (text: string): Buffer => createHmac('sha256', key).update(text).digest();
  // Looks like one of the many fields a real form might have; never "email" or "name", which
  // autofill would fill for a person and get them refused.
  const decoyOf = (nonce: string): string => `contact_${mac(`decoy\n${nonce}`).toString('hex').slice(0, 10)}`;

  return {
    issue() {
      const nonce = randomBytes(9).toString('base64url');
      const body = `${options.now()}.${nonce}`;
      return { token: `${body}.${mac(body).toString('base64url')}`, decoy: decoyOf(nonce) };
    },
    check(fields) {
      const token = fields[FORM_TOKEN_FIELD];
      if (typeof token !== 'string' || token.length > 200) return 'form_token';
      const [at, nonce, sig, extra] = token.split('.');
      if (at === undefined || nonce === undefined || sig === undefined || extra !== undefined || !/^\d{1,15}$/.test(at)) return 'form_token';
      const expected = mac(`${at}.${nonce}`);
      const given = Buffer.from(sig, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'form_token';
      const decoy = fields[decoyOf(nonce)];
      if (decoy !== undefined && decoy !== '') return 'honeypot';
      const age = options.now() - Number(at);
      if (age > maxAge) return 'form_token';
      if (age < options.minMs) return 'too_fast';
      return undefined;
    },
  };
}
