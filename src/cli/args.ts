/** What the command-line areas (users, figures) share: their argument parsing and how they fail. */

/** The command line itself is wrong: the usage is printed and the exit code is 2. */
export class UsageError extends Error {}

/**
 * `--name value` flags and the positional arguments, in order. Names in `switches` take no
 * value (`--force`): present, they map to 'yes'.
 */
export function parseArgs(args: readonly string[], switches: readonly string[] = []): { positional: string[]; flags: Map<string, string> } {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    if (switches.includes(arg.slice(2)) && arg.startsWith('--')) flags.set(arg.slice(2), 'yes');
    else if (arg.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i += 1;
    } else positional.push(arg);
  }
  return { positional, flags };
}

/** A usage error: the message and the usage, exit 2. Anything else: its message, exit 1. */
export function failure(error: unknown, usage: string, err: (line: string) => void): number {
  if (error instanceof UsageError) {
    err(`error: ${error.message}\n\n${usage}`);
    return 2;
  }
  err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
