// The sign-in's proof of work, solved off the page's thread (a Web Worker, its own bundle): finds
// `number` with SHA-256(salt + number) = challenge by trying 0, 1, 2 … with WebCrypto, a batch of
// digests at a time (one await per batch, not per hash: the await is most of a digest's cost),
// and reports progress so the page can show it if the person submits before it is done.
// Messages in: { challenge: {algorithm, challenge, salt, maxnumber, signature} }.
// Messages out: { progress: tried, of: maxnumber }, then { number, ms } or { error }.

import type { Challenge } from './lib/pow.ts';

// The DOM library types `self` as a Window; in a dedicated worker it is the worker's scope.
const scope = self as unknown as { onmessage: ((event: MessageEvent<{ challenge: Challenge }>) => void) | null; postMessage(message: unknown): void };

const BATCH = 100;
const encoder = new TextEncoder();

function target(hex: string): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 1) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function same(buffer: ArrayBuffer, wanted: Uint8Array): boolean {
  const got = new Uint8Array(buffer);
  for (let i = 0; i < 32; i += 1) if (got[i] !== wanted[i]) return false;
  return true;
}

async function solve(challenge: Challenge): Promise<void> {
  const started = performance.now();
  if (challenge.algorithm !== 'SHA-256' || !/^[0-9a-f]{64}$/.test(challenge.challenge)) {
    scope.postMessage({ error: 'unsupported challenge' });
    return;
  }
  const wanted = target(challenge.challenge);
  let lastReport = started;
  for (let n = 0; n <= challenge.maxnumber; n += BATCH) {
    const end = Math.min(n + BATCH, challenge.maxnumber + 1);
    const digests: Array<Promise<ArrayBuffer>> = [];
    for (let i = n; i < end; i += 1) digests.push(crypto.subtle.digest('SHA-256', encoder.encode(challenge.salt + i)));
    const results = await Promise.all(digests);
    for (let k = 0; k < results.length; k += 1) {
      if (same(results[k]!, wanted)) {
        scope.postMessage({ number: n + k, ms: performance.now() - started });
        return;
      }
    }
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      scope.postMessage({ progress: end, of: challenge.maxnumber });
    }
  }
  scope.postMessage({ error: 'no solution' });
}

scope.onmessage = (event) => {
  void solve(event.data.challenge);
};
