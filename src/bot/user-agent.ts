/**
 * The User-Agent as a weak signal (BOT_UA_PATTERN): an empty one, or one naming a scripting tool,
 * makes sign-in ask for proof of work (adaptive) and gives the data API a tenth of its budget.
 * Never a gate by itself: every client can send a browser's User-Agent, and an honest script that
 * names itself must still be able to sign in (it solves the work, as the CLI does).
 */

export type AgentSignal = (userAgent: string | undefined) => boolean;

/** `pattern` (BOT_UA_PATTERN, case-insensitive) null: the signal is off (every agent passes). */
export function agentSignal(pattern: string | null): AgentSignal {
  if (pattern === null) return () => false;
  const re = new RegExp(pattern, 'i');
  return (userAgent) => userAgent === undefined || userAgent.trim() === '' || re.test(userAgent);
}
