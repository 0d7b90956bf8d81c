/**
 * One process of the `pdf` benchmark (bundled by tests/bench/pdf.mjs like the server, brotli
 * left out). Renders a report of `cold` rows first, timing what the first PDF request of a
 * fresh server process pays (loading pdf-lib and fontkit, reading and parsing the font,
 * subsetting), then `rounds` warm renders of each size. Prints one JSON line.
 */
import { createFontLoader } from '../../src/reports/font.ts';
import { sampleInput } from '../reports/report-input.ts';

interface Args {
  readonly fontDir: string;
  readonly cold: number;
  readonly sizes: readonly number[];
  readonly rounds: number;
}

async function main(args: Args): Promise<void> {
  const started = performance.now();
  const { renderReport, pageCount } = await import('../../src/reports/report.ts');
  const imported = performance.now();
  const loadFonts = createFontLoader(args.fontDir);
  const fonts = await loadFonts();
  const fontsRead = performance.now();
  const first = await renderReport(sampleInput(args.cold), fonts);
  const coldMs = performance.now() - started;

  const warm: Record<number, number[]> = {};
  const bytes: Record<number, number> = { [args.cold]: first.length };
  const pages: Record<number, number> = { [args.cold]: pageCount(args.cold) };
  for (let round = 0; round < args.rounds; round += 1) {
    for (const size of args.sizes) {
      const input = sampleInput(size);
      const t0 = performance.now();
      const pdf = await renderReport(input, await loadFonts());
      (warm[size] ??= []).push(performance.now() - t0);
      bytes[size] = pdf.length;
      pages[size] = pageCount(size);
    }
  }
  const result = { cold: args.cold, coldMs, importMs: imported - started, fontReadMs: fontsRead - imported, warm, bytes, pages, rssMiB: process.memoryUsage().rss / 2 ** 20 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main(JSON.parse(process.argv[2] ?? '{}') as Args).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
