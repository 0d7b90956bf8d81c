/**
 * The folder rule of `npm run check` (tests/lint/layers.mjs): it passes the real tree, and it
 * catches a circle between folders (type-only imports too), a low folder importing above itself,
 * Hono in a pure core, and a page script reaching into the server's code.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { layerProblems as check, specifiers as names, type Source } from './layers.mjs';

/** Only the circles: the same imports also break the order, reported on lines of their own. */
const cyclesIn = (files: Source[]): string[] => check(files).filter((line) => line.startsWith('import cycle'));

const root = path.resolve(import.meta.dirname, '..', '..');

function realTree(): Source[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : name.endsWith('.ts') ? [full] : [];
    });
  return [...walk(path.join(root, 'src')), ...walk(path.join(root, 'public'))].map((full) => ({
    path: path.relative(root, full).split(path.sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
}

describe('folder layers', () => {
  test('the real tree passes', () => {
    assert.deepEqual(check(realTree()), []);
  });

  test('one type-only import added to the real tree is caught as a circle and as the protocol reaching up', () => {
    const tree = realTree().map((file) =>
      file.path === 'src/db/lock.ts' ? { ...file, text: `import type { Store } from '../store/index.ts';\n${file.text}` } : file,
    );
    const problems = check(tree);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^src\/db\/lock\.ts: imports src\/store\/index\.ts; src\/db\/ may import only src\/log\/$/);
    assert.match(problems[1]!, /^import cycle between folders (db → store → db|store → db → store):/);
    assert.match(problems[1]!, /src\/db\/lock\.ts → src\/store\/index\.ts/);
  });

  test('a circle round three folders names each step', () => {
    const problems = cyclesIn([
      { path: 'src/auth/a.ts', text: "import { b } from '../admin/b.ts';" },
      { path: 'src/admin/b.ts', text: "import type { C } from '../dashboard/c.ts';" },
      { path: 'src/dashboard/c.ts', text: "export { a } from '../auth/a.ts';" },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^import cycle between folders admin → dashboard → auth → admin:/);
    for (const step of ['src/admin/b.ts → src/dashboard/c.ts', 'src/dashboard/c.ts → src/auth/a.ts', 'src/auth/a.ts → src/admin/b.ts']) {
      assert.ok(problems[0]!.includes(step), step);
    }
  });

  test('a module augmentation and a dynamic import are imports too', () => {
    const problems = cyclesIn([
      { path: 'src/auth/session.ts', text: "declare module '../dashboard/context.ts' {\n  interface X { a: 1 }\n}" },
      { path: 'src/dashboard/api.ts', text: "const m = await import('../auth/session.ts');" },
    ]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^import cycle between folders auth → dashboard → auth:/);
  });

  test('a folder importing one above it is refused, and so is a folder with no place in the order', () => {
    const problems = check([
      { path: 'src/ratelimit/limiter.ts', text: "import type { Session } from '../auth/session.ts';" },
      { path: 'src/mailer/send.ts', text: "import { AppError } from '../http/errors.ts';" },
      { path: 'src/auth/routes.ts', text: "import { AppError } from '../http/errors.ts';" },
    ]);
    assert.deepEqual(problems, [
      'src/ratelimit/limiter.ts: imports src/auth/session.ts; src/auth sits above src/ratelimit (LAYERS in tests/lint/layers.mjs, src/README.md)',
      'src/mailer/send.ts: imports src/http/errors.ts; src/mailer has no place in LAYERS (tests/lint/layers.mjs): put it there and in src/README.md',
    ]);
  });

  test('imports inside comments and strings that are not specifiers do not count', () => {
    assert.deepEqual(names("// import { x } from '../store/index.ts';\n/* from '../http/app.ts' */\nconst s = 1;"), []);
    assert.deepEqual(names("import x from './a.ts';\nimport './b.ts';\nexport * from './c.ts';"), ['./a.ts', './b.ts', './c.ts']);
  });

  test('http importing a feature, and a store importing http, are refused without any circle', () => {
    const problems = check([
      { path: 'src/http/frame.ts', text: "import type { Session } from '../auth/session.ts';" },
      { path: 'src/store/open.ts', text: "import type { HealthCheck } from '../http/health.ts';" },
      { path: 'src/store/users.ts', text: "import { createQuery } from '../db/query.ts';" },
    ]);
    assert.deepEqual(problems, [
      'src/http/frame.ts: imports src/auth/session.ts; src/http/ may import only src/config/, src/health/, src/log/',
      'src/store/open.ts: imports src/http/health.ts; src/store/ may import only src/db/, src/health/, src/log/',
    ]);
  });

  test('Hono in a pure core is refused; in a feature it is not', () => {
    const problems = check([
      { path: 'src/reports/report.ts', text: "import type { Context } from 'hono';" },
      { path: 'src/figures/open.ts', text: "import { getPath } from 'hono/utils/url';" },
      { path: 'src/dashboard/api.ts', text: "import type { Hono } from 'hono';" },
    ]);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^src\/reports\/report\.ts: imports hono;/);
    assert.match(problems[1]!, /^src\/figures\/open\.ts: imports hono\/utils\/url;/);
  });

  test('the page may import the shared chart code and the figures’ shapes, nothing else of src/', () => {
    const problems = check([
      { path: 'public/lib/charts.ts', text: "import { lineChart } from '../../src/charts/chart.ts';\nimport type { Series } from '../../src/figures/types.ts';" },
      { path: 'public/dashboard.ts', text: "import { parseFilters } from '../src/figures/filters.ts';" },
    ]);
    assert.deepEqual(problems, [
      'public/dashboard.ts: imports src/figures/filters.ts; the page may import from src/ only src/charts/ and src/figures/types.ts',
    ]);
  });
});
