// House rules that the type checker cannot see (part of `npm run check`):
// - `any` only with a comment saying why (`// any: ...` on the line or the one above);
// - only the process entries (src/server.ts, src/cli.ts) read process.env;
// - no console.* in src/ (the logger keeps one line per event and never logs headers);
// - source files stay small (one concern each);
// - no focused or skipped tests;
// - the folders of src/ import each other without a cycle, and the lowest import nothing above
//   them (tests/lint/layers.mjs).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { layerProblems } from './lint/layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 300;
const problems = [];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === 'node_modules' || name === 'artifacts') return [];
    return statSync(full).isDirectory() ? walk(full) : /\.(ts|mts)$/.test(name) ? [full] : [];
  });
}

const sources = [];
for (const file of [...walk(path.join(root, 'src')), ...walk(path.join(root, 'public')), ...walk(path.join(root, 'tests'))]) {
  const rel = path.relative(root, file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (!rel.startsWith('tests/')) sources.push({ path: rel.split(path.sep).join('/'), text });
  const inSrc = rel.startsWith('src/');
  lines.forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
    if (/(:\s*any\b|<any\b|\bany\[\]|as any\b|,\s*any\b)/.test(code)) {
      const here = /\/\/\s*any:/.test(line) || /\/\/\s*any:/.test(lines[i - 1] ?? '');
      if (!here) problems.push(`${rel}:${i + 1}: \`any\` without a "// any: why" comment`);
    }
    if (inSrc && rel !== 'src/server.ts' && rel !== 'src/cli.ts' && /process\.env\b/.test(code)) {
      problems.push(`${rel}:${i + 1}: only src/server.ts reads process.env (pass configuration in)`);
    }
    if (inSrc && /\bconsole\.(log|error|warn|info)\(/.test(code)) {
      problems.push(`${rel}:${i + 1}: use the logger, not console`);
    }
    if (rel.startsWith('tests/') && /\b(test|it|describe)\.only\(|\{\s*only:\s*true/.test(code)) {
      problems.push(`${rel}:${i + 1}: focused test`);
    }
  });
  if (inSrc && lines.length > MAX_LINES) problems.push(`${rel}: ${lines.length} lines; split it (limit ${MAX_LINES})`);
}

problems.push(...layerProblems(sources));

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} lint problem(s)`);
  process.exit(1);
}
console.log('lint: ok');
