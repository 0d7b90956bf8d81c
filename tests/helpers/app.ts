/** Builds an in-process app for `app.request()` tests, with everything injected. */
import type { Hono } from 'hono';
import { createApp, type AppDeps } from '../../src/app.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createMemoryAssets } from '../../src/http/assets.ts';
import { createMemoryLogger } from '../../src/log/index.ts';

export function testApp(overrides: Partial<AppDeps> = {}): { app: Hono<AppEnv>; lines: string[] } {
  const logger = createMemoryLogger();
  let id = 0;
  const app = createApp({
    config: { basePath: '', production: false },
    logger,
    assets: createMemoryAssets({ 'app.css': 'body{}', 'app.js': 'console.log(1)' }, overrides.config?.basePath ?? ''),
    newRequestId: () => `req-${++id}`,
    ...overrides,
  });
  return { app, lines: logger.lines };
}
