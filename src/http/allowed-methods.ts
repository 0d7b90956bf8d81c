/**
 * Hono answers a path that exists under another method with 404. The old app's bare 405s were
 * undiagnosable, so we answer `405` with an `Allow` header naming what the path does accept.
 * The lookup table is built from the app's own routes on first use, after every route is in.
 */
import type { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// any: Hono's Env, Schema and base-path parameters differ per app; only the route table is read.
type AnyHono = Pick<Hono<any, any, any>, 'routes'>;

export function createAllowedMethods(app: AnyHono): (path: string) => string[] {
  let router: TrieRouter<true> | undefined;
  return function allowedMethods(path) {
    if (router === undefined) {
      router = new TrieRouter<true>();
      // Middleware is not an endpoint, so it does not count: `use()` registers it as ALL, and
      // `on(methods, '*')` (the body limit) for every path.
      for (const route of app.routes) {
        if (route.method !== 'ALL' && route.path !== '/*' && route.path !== '*') router.add(route.method, route.path, true);
      }
    }
    const found = router;
    const allowed: string[] = METHODS.filter((method) => found.match(method, path)[0].length > 0);
    if (allowed.includes('GET')) allowed.splice(1, 0, 'HEAD');
    return allowed;
  };
}
