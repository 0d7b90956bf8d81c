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

export function createClientAddress(trust: TrustProxy): ClientAddress {
  switch (trust.kind) {
    case 'none':
      return (c) => normaliseAddress(socketPeer(c));
    case 'passenger':
      return (c) => {
        const entries = forwardedFor(c);
        return normaliseAddress(entries.length > 0 ? entries[entries.length - 1] : socketPeer(c));
      };
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
