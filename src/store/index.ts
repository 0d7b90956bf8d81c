/**
 * The store: every operation the app performs on its shared database, as one atomic intent
 * (never a raw get-then-set across two calls). Writes go through DatabaseFile's locked,
 * durable commit; reads see other processes' writes on their very next call.
 */
import { insertAudit, insertFailure, insertRefusalAudit, listAudit, purgeAudit, type AuditEntry, type AuditFilter, type AuditRecord } from './audit.ts';
import type { DatabaseFile } from '../db/db-file.ts';
import { addFailure, clearFailures, failureCounts, purgeFailures, type FailureCount } from './lockout.ts';
import {
  addRefusals,
  clearFailurePrefixes,
  deleteBlock,
  failuresAtLeast,
  insertBlock,
  listBlocks,
  purgePow,
  purgeRefusals,
  spendPow,
  topRefused,
  type BlockRecord,
  type RefusalCount,
  type RefusalTotal,
} from './bot.ts';
import type { Query } from '../db/query.ts';
import {
  confirmStepUp,
  endSignIn,
  purgeExpired,
  revokeUserFamilies,
  rotateFamily,
  sessionState,
  startFamily,
  type EndedSignIn,
  type NewFamily,
  type RotateOutcome,
  type RotateRequest,
  type SessionState,
} from './sessions.ts';
import { consumeSsoToken, linkWordPressUser, purgeSsoTokens, type WordPressIdentity, type WordPressLink } from './wordpress.ts';
import {
  countUsers,
  findUserById,
  findUserByUsername,
  insertUser,
  listUsers,
  publicUser,
  updateUser,
  type NewUser,
  type User,
  type UserChanges,
  type UserWithHash,
} from './users.ts';

export type { AuditEntry, AuditFilter, AuditRecord } from './audit.ts';
export type { FailureCount } from './lockout.ts';
export type { BlockRecord, RefusalCount, RefusalTotal } from './bot.ts';
export type { EndedSignIn, NewFamily, RotateOutcome, SessionState } from './sessions.ts';
export type { WordPressIdentity, WordPressLink } from './wordpress.ts';
export type { NewUser, Role, User, UserChanges, UserWithHash } from './users.ts';
export { UserExistsError, usernameKey } from './users.ts';
export { DatabaseFile, StoreWriteError } from '../db/db-file.ts';
export { StoreUnavailableError } from '../db/sqljs.ts';

/** Seconds; the store works in whole seconds, as JWTs do. */
export type Clock = () => number;

const PURGE_EVERY_SECONDS = 600;

export interface Store {
  ready(): Promise<void>;
  userByUsername(username: string): Promise<UserWithHash | undefined>;
  userById(id: number): Promise<UserWithHash | undefined>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  /** `receivedAt`: performance.now() when the asking request arrived (see DatabaseFile.readMemo). */
  sessionState(userId: number, jti: string, familyId: string, receivedAt?: number): Promise<SessionState | undefined>;
  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;
  loginFailures(keys: readonly string[]): Promise<Map<string, FailureCount>>;
  /** A failed sign-in: counts it against `keys` and audits it, in one write. */
  recordLoginFailure(keys: readonly string[], audit: AuditEntry): Promise<void>;

  createUser(user: NewUser, audit?: AuditEntry): Promise<User>;
  /** Creates the first admin only if there is no user at all (several processes may try at once). */
  createFirstUser(user: NewUser, audit?: AuditEntry): Promise<User | undefined>;
  updateUser(id: number, changes: UserChanges, audit?: AuditEntry): Promise<User | undefined>;
  startSession(family: NewFamily, login: { userId: number; passwordHash?: string; clearFailures?: readonly string[] }, audit?: AuditEntry): Promise<void>;
  rotateSession(request: RotateRequest, audit: (outcome: RotateOutcome) => AuditEntry | undefined): Promise<RotateOutcome>;
  endSession(session: EndedSignIn, audit?: AuditEntry): Promise<void>;
  endAllSessions(userId: number, audit?: AuditEntry): Promise<User | undefined>;
  /**
   * A fresh step-up (auth/step-up.ts) on one live sign-in, clearing the lockout counts a success
   * clears and auditing it, in one write. False, with nothing written, when that sign-in has ended.
   */
  confirmStepUp(step: { familyId: string; userId: number; until: number; clearFailures?: readonly string[] }, audit?: AuditEntry): Promise<boolean>;
  /**
   * Single sign-on from WordPress, in one write: the token's jti accepted once (a replay to any
   * process is refused), the linked account created or brought up to date, and, when it is
   * usable, the new sign-in (`family`) recorded. `audit` describes the outcome; a refusal is
   * audited as a failure (capped per day like failed sign-ins: anyone can post tokens).
   */
  signInWithWordPress(
    token: { jti: string; expiresAt: number },
    who: WordPressIdentity,
    family: Omit<NewFamily, 'userId'>,
    audit: (outcome: WordPressLink) => AuditEntry,
  ): Promise<WordPressLink>;
  /** A refused single sign-on (bad token, wrong origin): audited, capped per day like failed sign-ins. */
  recordSsoFailure(audit: AuditEntry): Promise<void>;
  audit(entry: AuditEntry): Promise<void>;
  purge(): Promise<{ revocations: number; families: number; audit: number; failures: number; ssoTokens: number; pow: number; refusals: number }>;

  /** Proof of work (bot/pow.ts): true the first time a solution is presented, anywhere; false after. */
  spendPow(challenge: string, expiresAt: number): Promise<boolean>;
  /** Refusals counted per address or account and hour, with their audit rows, in one write. */
  recordRefusals(counts: readonly RefusalCount[], audit: readonly (AuditEntry & { times?: number })[]): Promise<void>;
  topRefused(kind: 'ip' | 'user', since: number, limit: number): Promise<RefusalTotal[]>;
  /** The same array for one version of the file (callers may cache what they derive from it by identity). */
  blocks(receivedAt?: number): Promise<readonly BlockRecord[]>;
  addBlock(block: { cidr: string; reason: string | null; createdBy: string | null }, audit: AuditEntry): Promise<BlockRecord | undefined>;
  removeBlock(id: number, audit: AuditEntry): Promise<BlockRecord | undefined>;
  /** Lockout counts (bot/lockout.ts) of at least `minimum` under keys starting with `prefix`. */
  failuresAtLeast(prefix: string, minimum: number): Promise<Array<{ key: string; failures: number; lastFailureAt: number }>>;
  /**
   * Lifts a lockout: clears the exact `keys` and every key under `prefixes`, and, for each
   * `pair:<user>|<address>` cleared, that address's `ip:` count too; audited. Returns rows cleared.
   */
  liftLockout(keys: readonly string[], prefixes: readonly string[], audit: AuditEntry): Promise<number>;
}

export function createStore(file: DatabaseFile, now: Clock): Store {
  let lastPurge = now();

  /** Piggybacks the periodic purge on ordinary writes: the file stays small without a timer. */
  const write = async <T>(change: (q: Query) => T): Promise<T> => {
    const result = await file.write(change);
    if (now() - lastPurge >= PURGE_EVERY_SECONDS) {
      lastPurge = now();
      void store.purge().catch(() => undefined);
    }
    return result;
  };

  const store: Store = {
    ready: () => file.ready(),
    userByUsername: (username) => file.read((q) => findUserByUsername(q, username)),
    userById: (id) => file.read((q) => findUserById(q, id)),
    listUsers: () => file.read((q) => listUsers(q)),
    countUsers: () => file.read((q) => countUsers(q)),
    // Every authenticated request asks this: remembered per file version (see readMemo).
    sessionState: (userId, jti, familyId, receivedAt) =>
      file.readMemo(`session\u0000${userId}\u0000${jti}\u0000${familyId}`, (q) => sessionState(q, userId, jti, familyId), receivedAt),
    listAudit: (filter) => file.read((q) => listAudit(q, filter)),
    loginFailures: (keys) => file.read((q) => failureCounts(q, keys)),
    recordLoginFailure: (keys, audit) =>
      write((q) => {
        addFailure(q, keys, now());
        insertFailure(q, audit, now());
      }),

    createUser: (user, audit) =>
      write((q) => {
        const created = insertUser(q, user, now());
        if (audit !== undefined) insertAudit(q, { ...audit, target: audit.target ?? created.username }, now());
        return publicUser(created);
      }),
    createFirstUser: (user, audit) =>
      write((q) => {
        if (countUsers(q) > 0) return undefined;
        const created = insertUser(q, user, now());
        if (audit !== undefined) insertAudit(q, audit, now());
        return publicUser(created);
      }),
    updateUser: (id, changes, audit) =>
      write((q) => {
        const updated = updateUser(q, id, changes, now());
        if (updated !== undefined && changes.endSessions === true) revokeUserFamilies(q, id, now(), 'logout-all');
        if (updated !== undefined && audit !== undefined) insertAudit(q, audit, now());
        return updated === undefined ? undefined : publicUser(updated);
      }),
    startSession: (family, login, audit) =>
      write((q) => {
        startFamily(q, family, now());
        if (login.clearFailures !== undefined) clearFailures(q, login.clearFailures);
        updateUser(q, login.userId, { lastLoginAt: now(), ...(login.passwordHash === undefined ? {} : { passwordHash: login.passwordHash }) }, now());
        if (audit !== undefined) insertAudit(q, audit, now());
      }),
    rotateSession: (request, audit) =>
      write((q) => {
        const outcome = rotateFamily(q, request);
        const entry = audit(outcome);
        if (entry !== undefined) insertAudit(q, entry, now());
        return outcome;
      }),
    endSession: (session, audit) =>
      write((q) => {
        endSignIn(q, session, now(), 'logout');
        if (audit !== undefined) insertAudit(q, audit, now());
      }),
    endAllSessions: (userId, audit) =>
      write((q) => {
        const updated = updateUser(q, userId, { endSessions: true }, now());
        if (updated === undefined) return undefined;
        revokeUserFamilies(q, userId, now(), 'logout-all');
        if (audit !== undefined) insertAudit(q, audit, now());
        return publicUser(updated);
      }),
    confirmStepUp: (step, audit) =>
      write((q) => {
        if (!confirmStepUp(q, step.familyId, step.userId, now(), step.until)) return false;
        if (step.clearFailures !== undefined) clearFailures(q, step.clearFailures);
        if (audit !== undefined) insertAudit(q, audit, now());
        return true;
      }),
    signInWithWordPress: (token, who, family, audit) =>
      write((q) => {
        const outcome: WordPressLink = consumeSsoToken(q, token.jti, token.expiresAt) ? linkWordPressUser(q, who, now()) : { kind: 'replayed' };
        const entry = audit(outcome);
        if (outcome.kind !== 'linked') {
          insertFailure(q, entry, now());
          return outcome;
        }
        startFamily(q, { ...family, userId: outcome.user.id }, now());
        updateUser(q, outcome.user.id, { lastLoginAt: now() }, now());
        insertAudit(q, entry, now());
        return outcome;
      }),
    recordSsoFailure: (entry) => write((q) => insertFailure(q, entry, now())),
    audit: (entry) => write((q) => insertAudit(q, entry, now())),
    purge: () =>
      file.write((q) => {
        const removed = purgeExpired(q, now());
        return {
          ...removed,
          audit: purgeAudit(q, now()),
          failures: purgeFailures(q, now()),
          ssoTokens: purgeSsoTokens(q, now()),
          pow: purgePow(q, now()),
          refusals: purgeRefusals(q, now()),
        };
      }),

    spendPow: (challenge, expiresAt) => write((q) => spendPow(q, challenge, expiresAt)),
    recordRefusals: (counts, audit) =>
      write((q) => {
        addRefusals(q, counts);
        for (const entry of audit) insertRefusalAudit(q, entry, now());
      }),
    topRefused: (kind, since, limit) => file.read((q) => topRefused(q, kind, since, limit)),
    blocks: (receivedAt) => file.readMemo('blocks', (q) => Object.freeze(listBlocks(q)), receivedAt),
    addBlock: (block, audit) =>
      write((q) => {
        const added = insertBlock(q, block, now());
        if (added !== undefined) insertAudit(q, { ...audit, target: block.cidr }, now());
        return added;
      }),
    removeBlock: (id, audit) =>
      write((q) => {
        const removed = deleteBlock(q, id);
        if (removed !== undefined) insertAudit(q, { ...audit, target: removed.cidr }, now());
        return removed;
      }),
    failuresAtLeast: (prefix, minimum) => file.read((q) => failuresAtLeast(q, prefix, minimum)),
    liftLockout: (keys, prefixes, audit) =>
      write((q) => {
        const addresses = new Set<string>();
        for (const prefix of prefixes) {
          for (const row of failuresAtLeast(q, prefix, 0)) {
            const bar = row.key.lastIndexOf('|');
            if (row.key.startsWith('pair:') && bar !== -1) addresses.add(`ip:${row.key.slice(bar + 1)}`);
          }
        }
        const before = failureCounts(q, [...keys, ...addresses]).size;
        clearFailures(q, [...keys, ...addresses]);
        const cleared = before + clearFailurePrefixes(q, prefixes);
        insertAudit(q, { ...audit, detail: `${audit.detail ?? 'lockout lifted'} (${cleared} count${cleared === 1 ? '' : 's'} cleared)` }, now());
        return cleared;
      }),
  };
  return store;
}
