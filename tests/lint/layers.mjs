// The folders of src/ and what they may import (house rule 12). Part of `npm run check`
// (tests/lint.mjs); tests/lint/layers.test.ts shows it catching each kind of problem.
//
// - Each folder imports only folders below it in LAYERS (the order src/README.md lists them in).
// - No two folders import each other, directly or round a longer circle. Type-only imports
//   count: they carry the design's dependencies just the same, and a type that lives in the
//   wrong folder is how a real import finds its way back later.
// - The lowest folders import nothing above them: `db` (the cross-process database-file
//   protocol) knows only the logger; the stores know no HTTP; `http` (what the features use)
//   knows no feature; the pure cores (figures, charts, reports and below) know no Hono.
// - The page scripts in public/ import from src/ only what the page and the PDF share: the
//   chart geometry and formatting (src/charts/) and the shapes of the figures (types.ts).
import path from 'node:path';

/**
 * The folders (and top-level files) of src/, lowest first, as src/README.md lists them: each may
 * import only those before it. A new folder must be placed here before it can import or be
 * imported, which is the moment to decide what it sits on.
 */
export const LAYERS = [
  'log', 'config', 'health', 'jobs', 'db', 'instances', 'backup', 'store', 'figures', 'charts', 'reports', 'http',
  'ratelimit', 'bot', 'auth', 'dashboard', 'admin', 'wordpress', 'app', 'server', 'cli',
];

/** Folders of src/ that may import only these others (the rest are held by the no-cycle rule alone). */
export const MAY_IMPORT = {
  log: [],
  config: [],
  health: [],
  jobs: [],
  db: ['log'],
  instances: ['db'],
  backup: ['db'],
  store: ['db', 'health', 'log'],
  figures: ['db', 'health', 'jobs', 'log'],
  charts: ['figures'],
  reports: ['charts', 'figures', 'jobs'],
  http: ['config', 'health', 'log'],
};

/** Folders whose code is free of the web framework. */
export const NO_HONO = ['log', 'config', 'health', 'jobs', 'db', 'instances', 'backup', 'store', 'figures', 'charts', 'reports'];

/** What public/ may import from src/. */
const PUBLIC_MAY_IMPORT = [/^src\/charts\//, /^src\/figures\/types\.ts$/];

const SPECIFIER =
  /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+|\bexport\s+\*\s+from\s+|\bdeclare\s+module\s+|\brequire\s*\(\s*)(['"])([^'"]+)\1/gm;

/** Every module a file names: static, type-only, side-effect and dynamic imports, re-exports, module augmentations. */
export function specifiers(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(SPECIFIER)].map((m) => m[2]);
}

/** `src/db/lock.ts` → `db`; `src/app.ts` → `app`; `src/cli.ts` and `src/cli/…` are both `cli`. */
export function unitOf(rel) {
  const parts = rel.split('/');
  if (parts[0] !== 'src') return undefined;
  return parts.length === 2 ? parts[1].replace(/\.(d\.)?ts$/, '') : parts[1];
}

/**
 * files: [{ path: 'src/db/lock.ts', text }] relative to the repository root.
 * Returns one line per problem, naming the files that make it.
 */
export function layerProblems(files) {
  const problems = [];
  /** unit → unit → the first file-level import that makes the edge */
  const edges = new Map();
  for (const { path: rel, text } of files) {
    const from = unitOf(rel);
    for (const spec of specifiers(text)) {
      if (spec === 'hono' || spec.startsWith('hono/') || spec.startsWith('@hono/')) {
        if (from !== undefined && NO_HONO.includes(from)) problems.push(`${rel}: imports ${spec}; src/${from}/ is free of Hono (its routes live with the feature that serves them)`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      if (rel.startsWith('public/')) {
        if (target.startsWith('src/') && !PUBLIC_MAY_IMPORT.some((re) => re.test(target))) {
          problems.push(`${rel}: imports ${target}; the page may import from src/ only src/charts/ and src/figures/types.ts`);
        }
        continue;
      }
      const to = unitOf(target);
      if (from === undefined || to === undefined || to === from) continue;
      const allowed = MAY_IMPORT[from];
      const [fromLayer, toLayer] = [LAYERS.indexOf(from), LAYERS.indexOf(to)];
      if (allowed !== undefined && !allowed.includes(to)) {
        problems.push(`${rel}: imports ${target}; src/${from}/ may import only ${allowed.length === 0 ? 'itself' : allowed.map((u) => `src/${u}/`).join(', ')}`);
      } else if (fromLayer === -1 || toLayer === -1) {
        const unknown = fromLayer === -1 ? from : to;
        problems.push(`${rel}: imports ${target}; src/${unknown} has no place in LAYERS (tests/lint/layers.mjs): put it there and in src/README.md`);
      } else if (toLayer > fromLayer) {
        problems.push(`${rel}: imports ${target}; src/${to} sits above src/${from} (LAYERS in tests/lint/layers.mjs, src/README.md)`);
      }
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${rel} → ${target}`);
    }
  }
  for (const cycle of cycles(edges)) {
    const steps = cycle.map((unit, i) => edges.get(unit).get(cycle[(i + 1) % cycle.length]));
    problems.push(`import cycle between folders ${[...cycle, cycle[0]].join(' → ')}:\n    ${steps.join('\n    ')}`);
  }
  return problems;
}

/** One shortest circle through each strongly connected group of units (Tarjan, then a BFS inside the group). */
function cycles(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const groups = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(new Set(group));
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return groups.map((group) => {
    const start = [...group].sort()[0];
    const previous = new Map([[start, undefined]]);
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift();
      for (const w of edges.get(v)?.keys() ?? []) {
        if (!group.has(w)) continue;
        if (w === start) {
          const circle = [];
          for (let u = v; u !== undefined; u = previous.get(u)) circle.unshift(u);
          return circle;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [...group];
  });
}
