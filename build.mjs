// Builds dist/: the server bundle (dist/server.cjs, CommonJS for Passenger's require()),
// sql.js's WASM beside it, the PDF report's font in dist/fonts, and the browser assets with
// content-hashed names in dist/public.
// Usage: node build.mjs [--package]   (--package also writes release/*.zip)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, 'dist');
const require = createRequire(import.meta.url);

/** How Node code is bundled: CommonJS for Passenger's require(), Node 20. The benchmark's workers use it too. */
export const NODE_BUNDLE = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' };
/** The app's own bundles add source maps and licence files (the benchmark's variants of the server too). */
export const SERVER_BUNDLE = { ...NODE_BUNDLE, sourcemap: true, sourcesContent: false, legalComments: 'linked' };

export async function buildAll({ quiet = false } = {}) {
  const started = performance.now();
  await rm(dist, { recursive: true, force: true });
  await mkdir(path.join(dist, 'public'), { recursive: true });

  const server = await build({
    // report-worker.cjs (pdf-lib, fontkit) is the PDF's child process (src/reports/report-process.ts),
    // import-worker.cjs the CSV import's (src/figures/import-process.ts): the app's own bundle
    // carries neither library, and their memory leaves with the child.
    entryPoints: {
      server: path.join(root, 'src/server.ts'),
      cli: path.join(root, 'src/cli.ts'),
      'report-worker': path.join(root, 'src/reports/report-worker.ts'),
      'import-worker': path.join(root, 'src/figures/import-worker.ts'),
    },
    ...SERVER_BUNDLE,
    outdir: dist,
    outExtension: { '.js': '.cjs' },
    metafile: true,
    plugins: [withoutBrotli],
  });
  await writeThirdPartyLicenses(server.metafile);

  // sql.js, loaded on first use from beside the bundle: its WASM and its JavaScript half.
  await copyFile(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));
  await copyFile(require.resolve('sql.js/dist/sql-wasm.js'), path.join(dist, 'sql-wasm.js'));
  await copyFile(path.join(path.dirname(require.resolve('sql.js/dist/sql-wasm.js')), '..', 'LICENSE'), path.join(dist, 'sql-wasm.LICENSE.txt'));

  // The PDF report's Unicode font and its licence (SIL OFL 1.1 asks that the licence travel with
  // the font). Read at run time from dist/fonts; the server has no node_modules.
  const fonts = path.join(dist, 'fonts');
  await mkdir(fonts, { recursive: true });
  const pretendard = path.dirname(require.resolve('pretendard/package.json'));
  for (const face of ['Regular', 'Bold']) {
    await copyFile(path.join(pretendard, `dist/public/static/alternative/Pretendard-${face}.ttf`), path.join(fonts, `Pretendard-${face}.ttf`));
  }
  await copyFile(path.join(pretendard, 'dist/LICENSE.txt'), path.join(fonts, 'Pretendard-LICENSE.txt'));

  const browser = await build({
    entryPoints: await browserEntries(),
    outdir: path.join(dist, 'public'),
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
  });

  // Logical name → hashed file: the server serves only what is listed here.
  const manifest = {};
  for (const [file, output] of Object.entries(browser.metafile.outputs)) {
    if (!output.entryPoint) continue;
    const ext = path.extname(file);
    manifest[`${path.basename(output.entryPoint, path.extname(output.entryPoint))}${ext}`] = path.basename(file);
  }
  // Static files beside the scripts (the favicon): copied under a content-hashed name, like the bundles.
  for (const name of (await readdir(path.join(root, 'public'))).filter((n) => /\.(svg|ico|png)$/.test(n))) {
    const body = await readFile(path.join(root, 'public', name));
    const ext = path.extname(name);
    const file = `${path.basename(name, ext)}-${createHash('sha256').update(body).digest('hex').slice(0, 8).toUpperCase()}${ext}`;
    await writeFile(path.join(dist, 'public', file), body);
    manifest[name] = file;
  }
  await writeFile(path.join(dist, 'public', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (!quiet) console.log(`built dist/ in ${Math.round(performance.now() - started)} ms`);
  return manifest;
}

/**
 * fontkit requires `brotli` only to open WOFF2 fonts; the report embeds TrueType files. The real
 * package is a large decompression dictionary that every cold start would parse: resolve it to a
 * stub that throws if a WOFF2 font is ever handed in.
 */
export const withoutBrotli = {
  name: 'without-brotli',
  setup(b) {
    b.onResolve({ filter: /^brotli(\/.*)?$/ }, () => ({ path: path.join(root, 'src/reports/brotli-stub.ts') }));
  },
};

/**
 * The bundles carry other people's code (hono, jose, pdf-lib, fontkit, csv-parse, …) whose
 * licences ask that their notice travel with it: one file listing every bundled package with
 * its licence text, since the release has no node_modules to hold them.
 */
async function writeThirdPartyLicenses(metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m === null) continue;
    const dir = path.join(root, input.slice(0, m.index + m[0].length));
    packages.set(m[1], dir);
  }
  const sections = [];
  for (const [name, dir] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const files = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f));
    const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    sections.push(`${name}@${manifest.version} (${manifest.license ?? 'see text'})\n${'-'.repeat(60)}\n${texts.join('\n').trim() || `License: ${manifest.license}`}\n`);
  }
  const header = 'Third-party software bundled into dist/*.cjs, with its licence.\nsql.js: dist/sql-wasm.LICENSE.txt. Pretendard font: dist/fonts/Pretendard-LICENSE.txt.\n\n';
  await writeFile(path.join(dist, 'THIRD_PARTY_LICENSES.txt'), header + sections.join('\n'));
}

async function browserEntries() {
  const dir = path.join(root, 'public');
  const names = await readdir(dir);
  // Each page's script and each stylesheet is an entry; modules under public/lib/ are imported by them.
  return names.filter((n) => /\.(ts|css)$/.test(n) && !n.endsWith('.d.ts')).map((n) => path.join(dir, n));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAll();
  if (process.argv.includes('--package')) {
    const { packageRelease } = await import('./deploy/package.mjs');
    await packageRelease(root);
  }
}
