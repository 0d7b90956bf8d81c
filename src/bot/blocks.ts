/**
 * Addresses and ranges blocked by an admin (stored in the shared database, store.blocks): every
 * request to the app but health checks and static files is refused `403` when its client
 * address falls in one. The list is read per version of the database file (a `stat` that the
 * requests of one turn share), so a block made in any process holds in every process from its
 * very next request; with no block at all, a request pays one Map lookup.
 */
import type { MiddlewareHandler } from 'hono';
import type { ClientAddress } from '../http/client-ip.ts';
import type { AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { BlockRecord, Store } from '../store/index.ts';
import { addressMatcher, type AddressMatcher } from './cidr.ts';
import type { RefusalRecorder } from './refusals.ts';

export interface BlockDeps {
  readonly store: Store;
  readonly clientAddress: ClientAddress;
  readonly refusals: RefusalRecorder;
}

export const BLOCKED_MESSAGE = 'Access from your network address has been blocked. If you think this is a mistake, contact the site\u2019s administrator.';

export function blockedAddresses(deps: BlockDeps): MiddlewareHandler<AppEnv> {
  // One matcher per loaded list: the store hands back the same array until the file changes.
  const matchers = new WeakMap<readonly BlockRecord[], AddressMatcher>();
  return async function notBlocked(c, next) {
    const list = await deps.store.blocks(c.env?.receivedAt);
    if (list.length > 0) {
      let matcher = matchers.get(list);
      if (matcher === undefined) matchers.set(list, (matcher = addressMatcher(list.map((b) => b.cidr))));
      const ip = deps.clientAddress(c);
      const block = matcher.match(ip);
      if (block !== undefined) {
        deps.refusals.record({ reason: 'blocked', ip, detail: block });
        throw new AppError('forbidden', { message: BLOCKED_MESSAGE, details: { reason: 'blocked' } });
      }
    }
    await next();
  };
}
