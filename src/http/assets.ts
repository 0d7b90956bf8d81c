/**
 * Built browser assets (dist/public). Only files listed in the build's manifest are ever
 * served: the set of reachable files is fixed at build time, so no request path, however
 * encoded, can name anything else (path traversal is impossible by construction, not by
 * filtering). Files are read on first request and kept in memory: they are few and small.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AssetUrls } from './html.ts';

export interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  /** Strong validator derived from the content. */
  readonly etag: string;
  /** Content-hashed name: safe to cache forever. */
  readonly immutable: boolean;
}

export interface AssetStore extends AssetUrls {
  /** By served file name (`app-3F2A1B9C.js`); undefined for anything not built. */
  get(fileName: string): Promise<Asset | undefined>;
}

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** esbuild's `[name]-[hash]` with its default 8-character base32 hash. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

export const ASSET_PREFIX = '/assets/';

export function createFileAssets(options: { dir: string; basePath: string }): AssetStore {
  // Logical name → served file name, written by build.mjs.
  const manifest = readManifest(path.join(options.dir, 'manifest.json'));
  const served = new Set(Object.values(manifest));
  const cache = new Map<string, Promise<Asset | undefined>>();

  return {
    url(name) {
      const file = manifest[name];
      return file === undefined ? undefined : `${options.basePath}${ASSET_PREFIX}${file}`;
    },
    get(fileName) {
      if (!served.has(fileName)) return Promise.resolve(undefined);
      let pending = cache.get(fileName);
      if (pending === undefined) {
        pending = load(path.join(options.dir, fileName), fileName);
        // A failed read is not cached: the next request tries again.
        pending.catch(() => cache.delete(fileName));
        cache.set(fileName, pending);
      }
      return pending;
    },
  };
}

/** Assets from memory, for tests and for the bare 503 configuration page. */
export function createMemoryAssets(files: Readonly<Record<string, string>>, basePath = ''): AssetStore {
  const byFile = new Map<string, Asset>();
  const manifest: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const body = new TextEncoder().encode(content);
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 8).toUpperCase();
    const ext = path.extname(name);
    const file = `${name.slice(0, -ext.length)}-${hash}${ext}`;
    manifest[name] = file;
    byFile.set(file, makeAsset(file, body));
  }
  return {
    url: (name) => (manifest[name] === undefined ? undefined : `${basePath}${ASSET_PREFIX}${manifest[name]}`),
    get: (fileName) => Promise.resolve(byFile.get(fileName)),
  };
}

async function load(filePath: string, fileName: string): Promise<Asset | undefined> {
  const body = new Uint8Array(await readFile(filePath));
  return makeAsset(fileName, body);
}

function makeAsset(fileName: string, body: Uint8Array<ArrayBuffer>): Asset {
  return {
    body,
    contentType: TYPES[path.extname(fileName)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    immutable: HASHED.test(fileName),
  };
}

function readManifest(file: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object') return {};
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(parsed)) {
      // Only plain file names: the manifest is ours, but a stray entry must not widen the set.
      if (typeof value === 'string' && /^[A-Za-z0-9._-]+$/.test(value) && !value.startsWith('.')) out[name] = value;
    }
    return out;
  } catch {
    // A missing manifest means an unbuilt tree: pages render without assets, /healthz says so.
    return {};
  }
}
