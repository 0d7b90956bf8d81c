/**
 * A separate process hammering the file store, for the multi-process tests and the benchmark.
 * argv: dir, mode ("one-key" | "spread"), count, limit-text, start-at-ms (wait until then).
 * Prints one JSON line: {admitted, refused, ms}.
 */
import { createFileStore } from '../../src/ratelimit/file-store.ts';
import { parseRate } from '../../src/config/index.ts';

async function main(): Promise<void> {
  const [dir, mode, countText, limitText, startAtText] = process.argv.slice(2);
  const parsed = parseRate(limitText ?? '100/minute');
  if (!parsed.ok) throw new Error(parsed.error);
  const rule = { name: 'bench', windows: parsed.value };
  const store = createFileStore({ dir: dir! });
  const count = Number(countText);
  const startAt = Number(startAtText ?? 0);
  while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
  let admitted = 0;
  const started = performance.now();
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const key = mode === 'one-key' ? 'hot' : `k${process.pid}-${i % 5000}`;
    const decision = await store.consume(key, rule, now);
    if (decision.allowed) admitted += 1;
  }
  const ms = performance.now() - started;
  store.close();
  process.stdout.write(`${JSON.stringify({ admitted, refused: count - admitted, ms })}\n`);
}

void main();
