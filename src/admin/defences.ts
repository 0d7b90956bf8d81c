/**
 * Admin API for the anti-bot defences (src/bot/): what was refused over the last day (top
 * addresses and accounts, with reasons), who is locked out now, lifting a lockout, and blocking
 * or unblocking an address or range (IPv4 or IPv6 CIDR) — stored in the shared database, so every
 * process honours a block from its next request. Changes are audited. Each change hands over or
 * takes away access (a lifted lockout lets guessing go on; a block shuts people out), so each
 * needs the admin's fresh password, as the user changes do (auth/step-up.ts).
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { ClientAddress } from '../http/client-ip.ts';
import { readJsonObject } from '../http/body.ts';
import { AppError } from '../http/errors.ts';
import { assertStepUp } from '../auth/step-up.ts';
import { usernameKey, type Store } from '../store/index.ts';
import { addressMatcher, parseCidr } from '../bot/cidr.ts';
import { backoffSeconds, DEFAULT_LOCKOUT, type LockoutPolicy } from '../bot/lockout.ts';
import type { RefusalRecorder } from '../bot/refusals.ts';

export interface DefencesDeps {
  readonly store: Store;
  readonly clientAddress: ClientAddress;
  /** Flushed before reading, so the page shows refusals of the last second too. */
  readonly refusals?: RefusalRecorder;
  readonly lockout?: LockoutPolicy;
  /** Seconds. */
  readonly now: () => number;
}

const DAY = 86_400;

interface LockedOut {
  readonly username: string;
  /** The address, when only this username from this address is locked out. */
  readonly address: string | null;
  readonly failures: number;
  readonly until: string;
}

async function lockedOutNow(store: Store, policy: LockoutPolicy, now: number): Promise<LockedOut[]> {
  const out: LockedOut[] = [];
  const add = (rows: Array<{ key: string; failures: number; lastFailureAt: number }>, threshold: number, parse: (key: string) => { username: string; address: string | null }): void => {
    for (const row of rows) {
      const until = row.lastFailureAt + backoffSeconds(row.failures, threshold, policy.capSeconds);
      if (until > now) out.push({ ...parse(row.key), failures: row.failures, until: new Date(until * 1000).toISOString() });
    }
  };
  add(await store.failuresAtLeast('user:', policy.userThreshold), policy.userThreshold, (key) => ({ username: key.slice(5), address: null }));
  add(await store.failuresAtLeast('pair:', policy.pairThreshold), policy.pairThreshold, (key) => {
    const bar = key.lastIndexOf('|');
    return { username: key.slice(5, bar), address: key.slice(bar + 1) };
  });
  return out.slice(0, 200);
}

export function adminDefenceRoutes(app: Hono<AppEnv>, deps: DefencesDeps): void {
  const policy = deps.lockout ?? DEFAULT_LOCKOUT;

  app.get('/api/admin/defences', async function defences(c) {
    await deps.refusals?.flush();
    const at = deps.now();
    const [addresses, accounts, lockedOut, blocks] = await Promise.all([
      deps.store.topRefused('ip', at - DAY, 10),
      deps.store.topRefused('user', at - DAY, 10),
      lockedOutNow(deps.store, policy, at),
      deps.store.blocks(),
    ]);
    const blocked = addressMatcher(blocks.map((b) => b.cidr));
    return c.json({
      since: new Date((at - DAY) * 1000).toISOString(),
      refused: {
        addresses: addresses.map((t) => ({ ...t, lastAt: new Date(t.lastAt * 1000).toISOString(), blocked: blocked.match(t.subject) ?? null })),
        accounts: accounts.map((t) => ({ ...t, lastAt: new Date(t.lastAt * 1000).toISOString() })),
      },
      lockedOut,
      blocks: blocks.map((b) => ({ ...b, createdAt: new Date(b.createdAt * 1000).toISOString() })),
    });
  });

  app.post('/api/admin/lockouts/lift', async function liftLockout(c) {
    const { username } = await readJsonObject(c);
    if (typeof username !== 'string' || username.trim() === '' || username.length > 200) {
      throw new AppError('bad_request', { message: 'Name the account whose lockout to lift.', details: { field: 'username' } });
    }
    assertStepUp(c);
    const key = usernameKey(username.trim());
    const session = c.get('session');
    const cleared = await deps.store.liftLockout([`user:${key}`], [`pair:${key}|`], {
      action: 'lift_lockout',
      outcome: 'success',
      actorId: session.user.id,
      actor: session.user.username,
      target: username.trim().slice(0, 200),
      ip: deps.clientAddress(c),
      detail: 'lockout lifted',
    });
    return c.json({ cleared });
  });

  app.post('/api/admin/blocks', async function block(c) {
    const body = await readJsonObject(c);
    const cidr = typeof body.cidr === 'string' ? parseCidr(body.cidr) : undefined;
    if (cidr === undefined) {
      throw new AppError('bad_request', { message: 'Enter an IPv4 or IPv6 address, or a range such as 203.0.113.0/24 or 2001:db8::/32.', details: { field: 'cidr' } });
    }
    const reason = typeof body.reason === 'string' && body.reason.trim() !== '' ? body.reason.trim().slice(0, 200) : null;
    const ip = deps.clientAddress(c);
    // An admin must not shut themselves out: the next request would be refused too.
    if (addressMatcher([cidr.text]).match(ip) !== undefined) {
      throw new AppError('bad_request', { message: `${cidr.text} holds your own address (${ip}): it is not blocked.`, details: { field: 'cidr' } });
    }
    assertStepUp(c);
    const session = c.get('session');
    const added = await deps.store.addBlock(
      { cidr: cidr.text, reason, createdBy: session.user.username },
      { action: 'block', outcome: 'success', actorId: session.user.id, actor: session.user.username, ip, detail: reason },
    );
    if (added === undefined) throw new AppError('conflict', { message: `${cidr.text} is blocked already.`, details: { field: 'cidr' } });
    return c.json({ block: { ...added, createdAt: new Date(added.createdAt * 1000).toISOString() } }, 201);
  });

  app.delete('/api/admin/blocks/:id', async function unblock(c) {
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id) || id < 1) throw new AppError('not_found');
    assertStepUp(c);
    const session = c.get('session');
    const removed = await deps.store.removeBlock(id, { action: 'unblock', outcome: 'success', actorId: session.user.id, actor: session.user.username, ip: deps.clientAddress(c) });
    if (removed === undefined) throw new AppError('not_found');
    return c.body(null, 204);
  });
}
