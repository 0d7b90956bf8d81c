/**
 * The benchmark's baseline: the smallest Hono + @hono/node-server app that answers the same
 * health check. tests/bench/run.mjs bundles it with the server's esbuild options and starts it
 * with `node bare.cjs`, so every figure of the app sits beside what the framework alone costs.
 * Keep it bare: anything added here hides the app's own overhead.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
// BENCH_SPIN_US (the "amplification" scenario only): the same handler burning that much CPU
// first, to show what a microsecond of handler work costs under load on this machine. Unset,
// the handler is the bare one.
const spinUs = Number(process.env.BENCH_SPIN_US ?? 0);
if (spinUs > 0) {
  app.get('/healthz', (c) => {
    const until = performance.now() + spinUs / 1000;
    while (performance.now() < until);
    return c.json({ status: 'ok' });
  });
} else app.get('/healthz', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
