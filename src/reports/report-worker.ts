/**
 * The PDF child process (dist/report-worker.cjs), started by report-process.ts for each report:
 * the report's input as JSON on standard input, the font folder as its one argument, the PDF's
 * bytes on standard output. pdf-lib, fontkit, the font and every page's drawing live and die
 * here: a 1,000-row report peaks near 100 MB and a 10,000-row one near 270 MB, which the app's
 * own process would otherwise keep for its whole life (V8 does not hand heap back).
 * A failure is one line on standard error and exit code 1; the app logs it, the member gets 503.
 */
import { createFontLoader } from './font.ts';
import { renderReport, type ReportInput } from './report.ts';

/** What crosses the pipe: ReportInput with its one Date as ISO text. */
export type WireReportInput = Omit<ReportInput, 'generatedAt'> & { readonly generatedAt: string };

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<Uint8Array> {
  const fontDir = process.argv[2];
  if (fontDir === undefined || fontDir === '') throw new Error('report worker: the font folder argument is missing');
  const wire = JSON.parse(await readStdin()) as WireReportInput;
  const generatedAt = new Date(wire.generatedAt);
  if (Number.isNaN(generatedAt.getTime())) throw new Error('report worker: generatedAt is not a date');
  const fonts = await createFontLoader(fontDir)();
  return renderReport({ ...wire, generatedAt }, fonts);
}

main().then(
  (pdf) => process.stdout.write(pdf, () => process.exit(0)),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : 'report failed'}\n`, () => process.exit(1));
  },
);
