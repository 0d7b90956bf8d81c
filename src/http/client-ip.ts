/**
 * The client's address, per TRUST_PROXY. Under Passenger the socket peer is always 127.0.0.1
 * and Passenger appends the real peer to X-Forwarded-For, so only the LAST entry is
 * trustworthy: earlier entries are whatever the client chose to send.
 */
import type { Context } from 'hono';
import { isIP } from 'node:net';
import type { TrustProxy } from '../config/index.ts';

export type ClientAddress = (c: Context) => string;

function socketPeer(c: Context): string | undefined {
  // @hono/node-server passes the Node request as `incoming`; app.request() tests have none.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

function forwardedFor(c: Context): string[] {
  const header = c.req.header('X-Forwarded-For');
  if (header === undefined) return [];
  return header
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** `::ffff:1.2.3.4` is 1.2.3.4; anything that is not an address is "unknown". */
export function normaliseAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return isIP(plain) === 0 ? 'unknown' : plain.toLowerCase();
}

/** The last non-empty entry of X-Forwarded-For (Passenger appends the real peer there). */
function lastForwardedFor(c: Context): string | undefined {
  const header = c.req.header('X-Forwarded-For');
  if (header === undefined) return undefined;
  let end = header.length;
  while (end > 0) {
    const comma = header.lastIndexOf(',', end - 1);
    const entry = header.slice(comma + 1, end).trim();
    if (entry !== '') return entry;
    end = comma; // -1 (no comma left) or 0 (a leading comma) ends it
  }
  return undefined;
}

/**
 * normaliseAddress() remembered for the addresses seen lately: every request asks it, and a
 * client sends many. Bounded: past MEMO_SIZE addresses it starts afresh.
 */
const MEMO_SIZE = 4096;
function rememberedNormalise(): (address: string | undefined) => string {
  const memo = new Map<string, string>();
  return (address) => {
    if (address === undefined) return 'unknown';
    let normal = memo.get(address);
    if (normal === undefined) {
      if (memo.size >= MEMO_SIZE) memo.clear();
      normal = normaliseAddress(address);
      memo.set(address, normal);
    }
    return normal;
  };
}

export function createClientAddress(trust: TrustProxy): ClientAddress {
  switch (trust.kind) {
    case 'none': {
      const normalise = rememberedNormalise();
      return (c) => normalise(socketPeer(c));
    }
    case 'passenger': {
      const normalise = rememberedNormalise();
      return (c) => normalise(lastForwardedFor(c) ?? socketPeer(c));
    }
    case 'list': {
      const trusted = new Set(trust.addresses.map((a) => normaliseAddress(a)));
      // Walk from the socket peer back through proxies we trust; the first other hop is the client.
      return (c) => {
        const hops = [...forwardedFor(c), normaliseAddress(socketPeer(c))];
        for (let i = hops.length - 1; i >= 0; i -= 1) {
          const hop = normaliseAddress(hops[i]);
          if (!trusted.has(hop)) return hop;
        }
        return normaliseAddress(hops[0]);
      };
    }
  }
}
