/**
 * The sign-in gate: what runs before a password is looked at (auth/routes.ts calls it after the
 * per-address limit, so a flood is refused before it costs a hash or a write).
 *
 * 1. Honeypot and timing (form-token.ts) on a form, and on a script's post that carries the
 *    form's token: recorded here, and returned; the sign-in then goes on as if the password
 *    were wrong (auth/service.ts login's `caught`), down the same path: the per-username limit,
 *    the lockout, the same answer after as long a wait (a timer, no hash), counted the same. So
 *    nothing in the answer, its time or what comes next tells the bot it was caught.
 * 2. Proof of work (pow.ts, pow-policy.ts): `428 pow_required` when it is asked and missing,
 *    `400 pow_invalid` when wrong, expired, foreign, too easy or already spent (store.spendPow,
 *    shared by every process).
 * Each refusal is recorded with its reason (refusals.ts).
 */
import type { Context } from 'hono';
import { AppError } from '../http/errors.ts';
import type { Decision } from '../ratelimit/store.ts';
import { addressKey } from '../ratelimit/limiter.ts';
import type { Store } from '../store/index.ts';
import type { FormGuard, FormProblem } from './form-token.ts';
import { FORM_TOKEN_FIELD } from './form-token.ts';
import { lockoutKeys } from './lockout.ts';
import type { Challenge, Pow } from './pow.ts';
import { powRequired, type PowPolicy } from './pow-policy.ts';
import type { RefusalReason, RefusalRecorder } from './refusals.ts';
import type { AgentSignal } from './user-agent.ts';

export interface SignInGuardDeps {
  readonly store: Store;
  readonly pow: Pow;
  readonly policy: PowPolicy;
  /** Off (BOT_HONEYPOT=off) when undefined. */
  readonly forms?: FormGuard;
  readonly agent: AgentSignal;
  readonly refusals: RefusalRecorder;
  /** Seconds. */
  readonly now: () => number;
}

export interface SignInAttempt {
  readonly username: string;
  readonly ip: string;
  /** Every field posted (the decoy is found among them). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** A plain form post (no JavaScript). */
  readonly form: boolean;
  /** The per-address sign-in limit's decision for this attempt, when limits are on. */
  readonly rate?: Decision | undefined;
}

export interface SignInGuard {
  readonly mode: PowPolicy['mode'];
  /** A challenge at the difficulty this client would be asked for (the base one when none is asked yet). */
  challenge(c: Context, ip: string, username: string | undefined): Promise<Challenge>;
  /**
   * Throws the proof of work's refusals. Resolves when the attempt may go on to the password:
   * with the form's problem, if any, for the sign-in to refuse as a wrong password.
   */
  check(c: Context, attempt: SignInAttempt): Promise<FormProblem | undefined>;
  /** For the sign-in page: a fresh form token and decoy name, or undefined when the honeypot is off. */
  form(): { token: string; decoy: string } | undefined;
}

/** The keys whose recent failures ask for work: the address's, the pair's and the username's. */
function signalKeys(username: string | undefined, ip: string): string[] {
  const address = `ip:${addressKey(ip)}`;
  if (username === undefined || username.trim() === '') return [address];
  const keys = lockoutKeys(username, ip);
  return [address, keys.pair, keys.user];
}

export function createSignInGuard(deps: SignInGuardDeps): SignInGuard {
  const required = async (c: Context, ip: string, username: string | undefined, rate: Decision | undefined): Promise<number> => {
    if (deps.policy.mode === 'off') return 0;
    const failures = await deps.store.loginFailures(signalKeys(username, ip));
    const tightest = rate?.windows.reduce((a, w) => (w.remaining / w.limit < a.remaining / a.limit ? w : a));
    return powRequired(deps.policy, {
      failures,
      ...(tightest === undefined ? {} : { rate: { remaining: tightest.remaining, limit: tightest.limit } }),
      suspiciousAgent: deps.agent(c.req.header('User-Agent')),
      now: deps.now(),
    });
  };

  return {
    mode: deps.policy.mode,
    async challenge(c, ip, username) {
      const needed = await required(c, ip, username, undefined);
      return deps.pow.issue(Math.max(needed, deps.policy.base));
    },

    async check(c, attempt) {
      const { ip, username } = attempt;
      const refuse = (reason: RefusalReason, detail?: string): void =>
        deps.refusals.record({ reason, ip, user: username, ...(detail === undefined ? {} : { detail }) });

      // Proof of work first: without it, a bot gets the 428 anyone gets, whatever else it did.
      const pow = attempt.fields.pow;
      const needed = await required(c, ip, username, attempt.rate);
      if (needed > 0 || (pow !== undefined && pow !== '')) await proofOfWork(pow, needed, refuse);

      if (deps.forms !== undefined && (attempt.form || attempt.fields[FORM_TOKEN_FIELD] !== undefined)) {
        const problem = deps.forms.check(attempt.fields);
        if (problem !== undefined) {
          refuse(problem);
          return problem;
        }
      }
      return undefined;
    },

    form: () => deps.forms?.issue(),
  };

  async function proofOfWork(pow: unknown, needed: number, refuse: (reason: RefusalReason, detail?: string) => void): Promise<void> {
    if (typeof pow !== 'string' || pow === '') {
      refuse('pow_missing');
      throw new AppError('pow_required', { details: { maxnumber: needed } });
    }
    const verdict = deps.pow.verify(pow, needed);
    if (!verdict.ok) {
      refuse('pow_invalid', verdict.reason);
      // Too easy for what is asked now (failures since it was fetched): fetch a harder one.
      if (verdict.reason === 'too_easy') throw new AppError('pow_required', { details: { maxnumber: needed } });
      throw new AppError('pow_invalid', { details: { reason: verdict.reason } });
    }
    if (!(await deps.store.spendPow(verdict.challenge, verdict.expiresAt))) {
      refuse('pow_reused');
      throw new AppError('pow_invalid', { details: { reason: 'reused' } });
    }
  }
}
