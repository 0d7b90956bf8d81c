'use strict';
// A preload for measuring only (tests/bench/memory-breakdown.mjs): `node -r memory-probe.cjs app.js`.
// On SIGUSR2 it appends one JSON line to $MEMORY_PROBE_OUT: process.memoryUsage(), the bytes of
// every WebAssembly memory the process has instantiated (sql.js's heap: it only ever grows) and
// /proc/self/smaps_rollup, all read in the same turn. The request file ($MEMORY_PROBE_OUT.request,
// JSON) names the moment and may ask for a heap snapshot (written after the reading) or for a
// full GC (heapUsed read again after it: what is garbage and what is kept).
// Nothing here changes the app; SIGUSR2 is otherwise unused by it (node's default would end it).
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const out = process.env.MEMORY_PROBE_OUT;
if (!out) throw new Error('memory-probe: set MEMORY_PROBE_OUT to the file the readings go to');

/** Exported memories of every instance: the WASM heap is not in memoryUsage()'s heap figures. */
const memories = [];
function keep(result) {
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  for (const value of Object.values(instance?.exports ?? {})) if (value instanceof WebAssembly.Memory) memories.push(value);
  return result;
}
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function probedInstantiate(...args) {
  return instantiate.apply(this, args).then(keep);
};

function rollup() {
  const fields = {};
  for (const [, name, kib] of fs.readFileSync('/proc/self/smaps_rollup', 'utf8').matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields[name] = Number(kib) * 1024;
  return fields;
}

/**
 * The mappings holding the most anonymous memory (KiB): size (virtual), anonymous, and the name.
 * WebAssembly memories are the anonymous mappings of several GiB (V8 reserves guard space).
 */
function largestMappings(count = 8) {
  const maps = [];
  let current;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = { sizeKiB: Number((BigInt(`0x${head[2]}`) - BigInt(`0x${head[1]}`)) / 1024n), anonymousKiB: 0, name: head[3] };
      maps.push(current);
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB$/.exec(line);
    if (anon && current) current.anonymousKiB = Number(anon[1]);
  }
  return maps.sort((a, b) => b.anonymousKiB - a.anonymousKiB).slice(0, count);
}

process.on('SIGUSR2', function memoryProbe() {
  let request = {};
  try {
    request = JSON.parse(fs.readFileSync(`${out}.request`, 'utf8'));
  } catch {
    // no request file: an unnamed reading
  }
  const usage = process.memoryUsage();
  const smaps = rollup();
  const reading = {
    moment: request.moment ?? null,
    at: Date.now(),
    ...usage,
    wasm: memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    wasmMemories: memories.length,
    smapsRss: smaps.Rss,
    smapsAnonymous: smaps.Anonymous,
    smapsPrivateDirty: smaps.Private_Dirty,
    smapsShared: (smaps.Shared_Clean ?? 0) + (smaps.Shared_Dirty ?? 0),
    heapSpaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size])),
    modules: Object.keys(require.cache).length,
    largestMappings: largestMappings(),
  };
  if (request.gc && typeof globalThis.gc === 'function') {
    globalThis.gc();
    const after = process.memoryUsage();
    reading.afterGc = { heapUsed: after.heapUsed, external: after.external, arrayBuffers: after.arrayBuffers, rss: after.rss };
  }
  if (request.snapshot) reading.snapshot = v8.writeHeapSnapshot(path.join(request.snapshot, `${String(request.moment ?? 'reading').replace(/[^\w-]+/g, '-')}.heapsnapshot`));
  fs.appendFileSync(out, `${JSON.stringify(reading)}\n`);
});
