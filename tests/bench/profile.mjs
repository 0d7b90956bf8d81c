// `npm run bench -- --cpu-prof`: the app runs under `node --cpu-prof`, and this reads the
// profile it writes on exit into a short list of where the CPU went (self time), so that a
// figure that misses its goal comes with its first suspects.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The newest .cpuprofile in `dir`, or undefined. */
export function newestProfile(dir) {
  let newest;
  for (const name of safeList(dir)) {
    if (!name.endsWith('.cpuprofile')) continue;
    const file = path.join(dir, name);
    const mtime = statSync(file).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { file, mtime };
  }
  return newest?.file;
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Self time per function and per source file, busiest first, as printable lines.
 * `(idle)` is left out of the shares: they are of the time the process was busy.
 */
export function summarizeProfile(file, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map();
  const byFile = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') return;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    busy += ms;
    const where = callFrame.url ? shortUrl(callFrame.url) : '';
    const fn = `${callFrame.functionName || '(anonymous)'}${where ? ` ${where}:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const source = where || callFrame.functionName;
    byFile.set(source, (byFile.get(source) ?? 0) + ms);
  });
  const list = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => `    ${((100 * ms) / busy).toFixed(1).padStart(5)}%  ${name}`);
  return [
    `  busy ${busy.toFixed(0)} ms; self time by function:`,
    ...list(byFunction),
    '  by source:',
    ...list(byFile).slice(0, 8),
  ];
}

function shortUrl(url) {
  const clean = url.replace(/^file:\/\//, '');
  return clean.startsWith('node:') ? clean : clean.split('/').slice(-2).join('/');
}
