/**
 * The benchmark's baseline: the smallest Hono + @hono/node-server app that answers the same
 * health check. tests/bench/run.mjs bundles it with the server's esbuild options and starts it
 * with `node bare.cjs`, so every figure of the app sits beside what the framework alone costs.
 * Keep it bare: anything added here hides the app's own overhead.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) });
