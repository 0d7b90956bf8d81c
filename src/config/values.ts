/** Small readers of single values for parseConfig: each gives undefined for a value it refuses. */
import { isIP } from 'node:net';
import type { TrustProxy } from './index.ts';

export function readInteger(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

export function readTrustProxy(text: string): TrustProxy | undefined {
  if (text === 'passenger') return { kind: 'passenger' };
  if (text === 'none') return { kind: 'none' };
  const addresses = text.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (addresses.length === 0 || addresses.some((a) => isIP(a) === 0)) return undefined;
  return { kind: 'list', addresses };
}

/** null when unset, undefined when invalid. */
export function readUrl(text: string | undefined): string | null | undefined {
  if (text === undefined) return null;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.href.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
