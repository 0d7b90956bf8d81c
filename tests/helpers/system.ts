/**
 * Tests that need system packages (Apache + Passenger, Chromium, sshd, poppler...) must run in
 * CI: there a missing package is a failure. Run locally without them, they skip loudly and
 * say how to install what is missing.
 */
import { accessSync, constants } from 'node:fs';
import type { TestContext } from 'node:test';

export interface SystemNeed {
  /** Absolute paths of the programs or files the test needs. */
  readonly paths: readonly string[];
  /** Debian packages that provide them. */
  readonly packages: readonly string[];
}

export function missing(need: SystemNeed): string[] {
  return need.paths.filter((p) => {
    try {
      accessSync(p, constants.F_OK);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * Returns true when the test can go on. In CI (CI set) a missing need throws, failing the test.
 * Otherwise the test is skipped with a message naming the packages to install.
 */
export function needSystem(t: TestContext, need: SystemNeed): boolean {
  const absent = missing(need);
  if (absent.length === 0) return true;
  const how = `apt-get install -y ${need.packages.join(' ')}`;
  cannotRun(t, `CI requires ${absent.join(', ')} (install with: ${how})`, `SKIPPED: missing ${absent.join(', ')}; install with: ${how}`);
  return false;
}

/**
 * A test that cannot run here: in CI (CI set) that is a failure, thrown with `failure`;
 * locally the test is skipped, saying `skip` loudly on stderr as well as in the report.
 */
export function cannotRun(t: TestContext, failure: string, skip: string): void {
  if (process.env.CI) throw new Error(failure);
  process.stderr.write(`\n*** ${skip}\n`);
  t.skip(skip);
}
