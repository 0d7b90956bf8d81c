/**
 * The defences built from the configuration (server.ts and the tests' apps share this): proof
 * of work, honeypot and timing on sign-in, the User-Agent signal, the data API's limits, and
 * the recorder every refusal goes through.
 */
import type { Config } from '../config/index.ts';
import type { Logger } from '../log/index.ts';
import type { Rule } from '../ratelimit/store.ts';
import type { Store } from '../store/index.ts';
import { createFormGuard } from './form-token.ts';
import { createPow } from './pow.ts';
import { createRefusalRecorder, type RefusalRecorder } from './refusals.ts';
import type { DataApiPolicy } from './scrape.ts';
import { createSignInGuard, type SignInGuard } from './signin.ts';
import { agentSignal, type AgentSignal } from './user-agent.ts';

export type BotConfig = Pick<
  Config,
  | 'secretKey'
  | 'botPow'
  | 'botPowDifficulty'
  | 'botPowMaxDifficulty'
  | 'botHoneypot'
  | 'botFormMinMs'
  | 'botUaPattern'
  | 'dataApiRequests'
  | 'dataApiRows'
  | 'dataApiMaxPageSize'
  | 'dataApiMaxDays'
  | 'dataApiSameOrigin'
>;

export interface BuiltBot {
  readonly refusals: RefusalRecorder;
  readonly signIn: SignInGuard;
  readonly formMinMs: number;
  readonly dataApi: DataApiPolicy;
  readonly agent: AgentSignal;
}

export function createBotDeps(options: {
  config: BotConfig;
  store: Store;
  logger: Logger;
  /** Seconds. */
  now: () => number;
  /** Milliseconds (the form's timing); Date.now when omitted. */
  nowMs?: () => number;
  /** How long refusals gather before their one write (refusals.ts). */
  refusalDelayMs?: number;
}): BuiltBot {
  const { config, store, logger, now } = options;
  const refusals = createRefusalRecorder({ store, logger, now, ...(options.refusalDelayMs === undefined ? {} : { delayMs: options.refusalDelayMs }) });
  const agent = agentSignal(config.botUaPattern);
  const signIn = createSignInGuard({
    store,
    pow: createPow({ secret: config.secretKey, now }),
    policy: { mode: config.botPow, base: config.botPowDifficulty, max: config.botPowMaxDifficulty },
    ...(config.botHoneypot ? { forms: createFormGuard({ secret: config.secretKey, now: options.nowMs ?? Date.now, minMs: config.botFormMinMs }) } : {}),
    agent,
    refusals,
    now,
  });
  const rule = (name: string, windows: Config['dataApiRequests']): Rule | undefined => (windows === null ? undefined : { name, windows });
  const requests = rule('data', config.dataApiRequests);
  // The row budget counts units of ROW_UNIT rows (scrape.ts): DATA_API_ROWS is written in rows.
  const rows = rule(
    'data-rows',
    config.dataApiRows === null ? null : config.dataApiRows.map((w) => ({ ...w, limit: Math.max(1, Math.floor(w.limit / 50)) })),
  );
  const dataApi: DataApiPolicy = {
    ...(requests === undefined ? {} : { requests }),
    ...(rows === undefined ? {} : { rows }),
    maxPageSize: config.dataApiMaxPageSize,
    maxDays: config.dataApiMaxDays,
    sameOrigin: config.dataApiSameOrigin,
  };
  return { refusals, signIn, formMinMs: config.botHoneypot ? config.botFormMinMs : 0, dataApi, agent };
}
