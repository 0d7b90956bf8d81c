import { randomBytes } from 'node:crypto';

/**
 * Request ids: a random per-process prefix and a counter. Unique across Passenger's processes
 * and restarts, short enough to read out over the phone, and far cheaper than a UUID each.
 */
export function createRequestIds(random: (size: number) => Buffer = randomBytes): () => string {
  const prefix = random(6).toString('base64url');
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}-${counter.toString(36)}`;
  };
}
