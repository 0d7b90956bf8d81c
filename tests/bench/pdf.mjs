// The `pdf` scenario of `npm run bench` (see scenarios.mjs for the shape): the PDF report of 100
// and 1,000 rows (tests/reports/report-input.ts: Korean and Latin categories), rendered in
// worker processes bundled like the server (brotli left out) with the font from dist/fonts.
//   cold   a fresh process's first report: import pdf-lib and fontkit, read the font, parse and
//          subset it, render (what the first PDF request after a spawn costs, spawn excluded)
//   warm   later reports in the same process (median over rounds)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_BUNDLE, withoutBrotli } from '../../build.mjs';
import { median, runWorker, summarize } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function pdfReport({ name = 'pdf', sizes = [100, 1000], coldRuns = 3, quickColdRuns = 1, rounds = 5, quickRounds = 2, goalMs = 1500 } = {}) {
  return {
    name,
    description: `PDF report of ${sizes.map((n) => n.toLocaleString('en-US')).join(' and ')} rows: cold (fresh process) and warm`,
    async run(ctx) {
      const worker = path.join(ctx.tmp, 'pdf-worker.cjs');
      await build({ ...NODE_BUNDLE, entryPoints: [path.join(here, 'pdf-worker.ts')], outfile: worker, plugins: [withoutBrotli] });
      const fontDir = path.join(ctx.root, 'dist', 'fonts');
      const runs = ctx.quick ? quickColdRuns : coldRuns;
      const cold = Object.fromEntries(sizes.map((n) => [n, []]));
      const coldParts = { importMs: [], fontReadMs: [] };
      const warm = Object.fromEntries(sizes.map((n) => [n, []]));
      const bytes = {};
      const pages = {};
      for (let run = 0; run < runs; run += 1) {
        for (const size of run % 2 === 0 ? sizes : [...sizes].reverse()) {
          const result = await runWorker(worker, { fontDir, cold: size, sizes, rounds: ctx.quick ? quickRounds : rounds }, 'pdf worker');
          cold[size].push(result.coldMs);
          coldParts.importMs.push(result.importMs);
          coldParts.fontReadMs.push(result.fontReadMs);
          for (const n of sizes) warm[n].push(...result.warm[n]);
          Object.assign(bytes, result.bytes);
          Object.assign(pages, result.pages);
          ctx.progress(`${name}: run ${run + 1}/${runs}  cold ${size} rows ${result.coldMs.toFixed(0)} ms  warm ${sizes.map((n) => `${n}: ${median(result.warm[n]).toFixed(0)} ms`).join(', ')}`);
        }
      }
      const rows = [];
      for (const n of sizes) {
        const label = `${n.toLocaleString('en-US')} rows`;
        const goal = n === Math.max(...sizes) ? { op: '<=', value: goalMs } : undefined;
        rows.push({ metric: `${label}: cold (first in a process)`, unit: 'ms', app: summarize(cold[n]), bare: null, goal });
        rows.push({ metric: `${label}: warm`, unit: 'ms', app: summarize(warm[n]), bare: null, goal });
        rows.push({ metric: `${label}: file size`, unit: 'KiB', app: summarize([Math.round(bytes[n] / 1024)]), bare: null });
        rows.push({ metric: `${label}: pages`, unit: 'count', app: summarize([pages[n]]), bare: null });
      }
      rows.push({ metric: 'cold: of which import pdf-lib + fontkit', unit: 'ms', app: summarize(coldParts.importMs), bare: null });
      rows.push({ metric: 'cold: of which read the font files', unit: 'ms', app: summarize(coldParts.fontReadMs), bare: null });
      return {
        rows,
        details: {
          rounds: ctx.quick ? quickRounds : rounds,
          coldRuns: runs,
          bytes,
          pages,
          notes: [`${runs} fresh process(es) per size for cold; warm = every later render in those processes (${sizes.join(' and ')} rows each round)`],
        },
      };
    },
  };
}
