/**
 * The health of the app's parts (the data folder, each database file, the built assets), as
 * each part describes it. Below storage and HTTP alike: the stores say how to check themselves,
 * `/healthz` (http/health.ts) runs the checks and answers.
 */

export interface HealthCheck {
  /** Stable name of the part, e.g. `data_dir`, `database`. */
  readonly name: string;
  /** Resolves when healthy; rejects with an Error whose message is safe to show (no paths' contents, no secrets). */
  check(): Promise<void>;
}

export interface FailingPart {
  readonly part: string;
  readonly problem: string;
}

/** Runs every check at once; never rejects. An empty list means every part is healthy. */
export async function failingParts(checks: readonly HealthCheck[]): Promise<FailingPart[]> {
  const results = await Promise.all(
    checks.map(async (part): Promise<FailingPart | undefined> => {
      try {
        await part.check();
        return undefined;
      } catch (error) {
        return { part: part.name, problem: error instanceof Error ? error.message : 'failed' };
      }
    }),
  );
  return results.filter((r) => r !== undefined);
}
