/**
 * axe-core in a real page: the engine's source (a dev dependency, never shipped) is injected by
 * the test, since the app's Content-Security-Policy rightly forbids any inline or foreign script;
 * Playwright's evaluate runs it in the page's own world, which the CSP does not govern.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(__filename);
let source: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  /** Selectors and the failure summary of each offending node. */
  readonly nodes: readonly string[];
}

/** Runs axe-core (WCAG 2.0/2.1/2.2 A and AA, plus best practices) on the page as it is now. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    // any: axe's global, injected just above; its types would pull axe-core into the page's lib.
    const engine = (window as unknown as { axe: any }).axe;
    const result = await engine.run(document, { resultTypes: ['violations'] });
    return (result.violations as Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[]; failureSummary?: string }> }>).map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300)}`),
    }));
  });
}

/** One line per violation, for an assertion message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`).join('\n');
}
