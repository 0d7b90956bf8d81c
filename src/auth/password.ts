/**
 * Password hashes with Node's built-in scrypt. Parameters from OWASP's Password Storage Cheat
 * Sheet for a 16 MiB budget (N=2^14, r=8, p=5): shared hosts cap memory per account, and a
 * burst of sign-ins must not exhaust it. The parameters live in the hash string
 * (`$scrypt$ln=14,r=8,p=5$salt$hash`), so they can be raised later and old hashes upgraded at
 * the next sign-in (`needsRehash`).
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { oneAtATime } from '../jobs/one-at-a-time.ts';

export interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

export const CURRENT_PARAMS: ScryptParams = { ln: 14, r: 8, p: 5 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** 128·r·2^ln bytes per hash, with room for scrypt's small extras. */
const maxmem = (params: ScryptParams): number => 128 * params.r * 2 ** params.ln * 2;

/**
 * One hash at a time per process. Node would run four at once on its thread pool, each with its
 * own 16 MiB: twenty people signing in together over four processes then cost 256 MiB of a 512 MB
 * account at once (measured: the cgroup test's first run was killed by the limit). In turn, the
 * fifth sign-in in a process waits about 0.4 s; a shared host gives an account about one core
 * anyway, so four at once would not finish sooner.
 */
const inTurn = oneAtATime();

/**
 * The last hashes' wall times in milliseconds, the wait for their turn included: what a wrong
 * password costs a sign-in in this process now (typicalVerifyMs). A ring, so a burst moves it
 * and it settles back after.
 */
const RECENT = 31;
const recent: number[] = [];
let nextSlot = 0;

async function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: maxmem(params) };
  const started = performance.now();
  const key = await inTurn(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
      ),
  );
  recent[nextSlot] = performance.now() - started;
  nextSlot = (nextSlot + 1) % RECENT;
  return key;
}

export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed {
  readonly params: ScryptParams;
  readonly salt: Buffer;
  readonly key: Buffer;
}

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

function parse(hash: string): Parsed | undefined {
  const m = FORMAT.exec(hash);
  if (m === null) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Refuse parameters that would let a tampered row exhaust memory or CPU.
  if (params.ln < 10 || params.ln > 20 || params.r < 1 || params.r > 16 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

let dummy: Promise<string> | undefined;
/** The hash an absent one is checked against; built once, by the first sign-in that needs it. */
const dummyHash = (): Promise<string> => (dummy ??= hashPassword('not a real password'));

/**
 * Until this process has hashed once: a rough figure for CURRENT_PARAMS on one core of a
 * shared host (the busy 2-core test VM measured 250–350 ms a verify).
 */
export const UNMEASURED_MS = 200;

/**
 * How long a wrong password takes to be refused here now: the median of the recent hashes'
 * wall times (milliseconds). A sign-in refused as a wrong password without a hash (a form the
 * bot gate caught, service.ts) waits this long, so that its speed does not tell a bot it was
 * caught. A flood of them costs no hashes: before the process's first hash it answers
 * UNMEASURED_MS and starts the dummy hash (built once per process, and needed by the first
 * unknown username anyway), which measures one.
 */
export function typicalVerifyMs(): number {
  if (recent.length === 0) {
    // Nobody awaits it here; verifyPassword, which does, sees its failure.
    dummyHash().catch(() => undefined);
    return UNMEASURED_MS;
  }
  const sorted = [...recent].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** A wrong password's time varies from one to the next; a wait that never varied would stand out. */
const JITTER = 0.15;

/** `ms`, give or take 15 %, by `random` (in [0, 1)). */
export function jittered(ms: number, random: () => number): number {
  return ms * (1 - JITTER + 2 * JITTER * random());
}

/**
 * Constant-time check. With no hash (unknown user, or a WordPress-only account) it still does
 * the same scrypt work against a dummy hash, so the answer time does not tell whether the
 * username exists.
 */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  const parsed = hash === null || hash === undefined ? undefined : parse(hash);
  if (parsed === undefined) {
    const stand = parse(await dummyHash())!;
    const key = await derive(password, stand.salt, stand.params);
    timingSafeEqual(key, stand.key);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

export function needsRehash(hash: string, params: ScryptParams = CURRENT_PARAMS): boolean {
  const parsed = parse(hash);
  return parsed === undefined || parsed.params.ln !== params.ln || parsed.params.r !== params.r || parsed.params.p !== params.p;
}

/** Policy for passwords people choose: long enough, not absurdly long (scrypt input is hashed whole). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 12) return 'must be at least 12 characters long';
  if (password.length > 1024) return 'must be at most 1024 characters long';
  return undefined;
}
