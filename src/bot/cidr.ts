/**
 * Addresses and ranges an admin blocks: `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`,
 * `::ffff:203.0.113.7` (an IPv4 address written as IPv6, as some proxies report it). Parsed and
 * normalised once (the network address with its prefix, so `203.0.113.9/24` and
 * `203.0.113.0/24` are one block), matched with node:net's BlockList, whose answers are
 * remembered per address: a check parses its argument each time (about 10 µs), and the same
 * few addresses ask again and again.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';

export interface Cidr {
  readonly family: 'ipv4' | 'ipv6';
  readonly network: string;
  readonly prefix: number;
  /** `network/prefix`. */
  readonly text: string;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (node:net has said it is one). */
function ipv6Bytes(address: string): number[] {
  let text = address;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    tail = ipv4Bytes(v4[1]!);
    text = `${text.slice(0, v4.index)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 255];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function masked(bytes: number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
}

function ipv6Text(bytes: number[]): string {
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The longest run of zero groups becomes `::` (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start === -1) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** A block's text → its normal form; undefined when it is not an address or a range. */
export function parseCidr(input: string): Cidr | undefined {
  const text = input.trim().toLowerCase();
  const slash = text.indexOf('/');
  let address = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  // An IPv4-mapped address or range is the IPv4 one (the client address is normalised alike).
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let prefix = prefixText === undefined ? undefined : Number(prefixText);
  if (mapped !== null) {
    address = mapped[1]!;
    if (prefix !== undefined) prefix -= 96;
  }
  const family = isIP(address);
  if (family === 4) {
    const bits = prefix ?? 32;
    if (bits < 0 || bits > 32) return undefined;
    const network = masked(ipv4Bytes(address), bits).join('.');
    return { family: 'ipv4', network, prefix: bits, text: `${network}/${bits}` };
  }
  if (family === 6) {
    const bits = prefix ?? 128;
    if (bits < 0 || bits > 128) return undefined;
    const network = ipv6Text(masked(ipv6Bytes(address), bits));
    return { family: 'ipv6', network, prefix: bits, text: `${network}/${bits}` };
  }
  return undefined;
}

export interface AddressMatcher {
  /** The block (its normal text) holding `address`, or undefined. */
  match(address: string): string | undefined;
}

const CACHE_LIMIT = 10_000;

export function addressMatcher(cidrs: readonly string[]): AddressMatcher {
  const parsed = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  if (parsed.length === 0) return { match: () => undefined };
  const lists = parsed.map((c) => {
    const list = new BlockList();
    list.addSubnet(c.network, c.prefix, c.family);
    return { cidr: c, list };
  });
  const cache = new Map<string, string | null>();
  return {
    match(address) {
      const known = cache.get(address);
      if (known !== undefined) return known ?? undefined;
      const family = isIPv4(address) ? 'ipv4' : isIP(address) === 6 ? 'ipv6' : undefined;
      let found: string | null = null;
      if (family !== undefined) {
        for (const { cidr, list } of lists) {
          if (list.check(address, family)) {
            found = cidr.text;
            break;
          }
        }
      }
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(address, found);
      return found ?? undefined;
    },
  };
}
