/**
 * The client address per TRUST_PROXY, on a stand-in for Hono's context: under Passenger the
 * last X-Forwarded-For entry (the ones before it are whatever the client sent), else the socket
 * peer; normalised (IPv4-mapped IPv6 unwrapped, IPv6 lower-cased, garbage → "unknown").
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Context } from 'hono';
import { createClientAddress } from '../../src/http/client-ip.ts';

function context(forwardedFor: string | undefined, peer = '127.0.0.1'): Context {
  // Only what client-ip.ts reads of a context.
  const stub = {
    req: { header: (name: string) => (name.toLowerCase() === 'x-forwarded-for' ? forwardedFor : undefined) },
    env: { incoming: { socket: { remoteAddress: peer } } },
  };
  return stub as unknown as Context;
}

describe('client address', () => {
  const passenger = createClientAddress({ kind: 'passenger' });
  const none = createClientAddress({ kind: 'none' });

  test('passenger: the last X-Forwarded-For entry, whatever the client put before it', () => {
    assert.equal(passenger(context('203.0.113.7')), '203.0.113.7');
    assert.equal(passenger(context('1.2.3.4, 10.0.0.1,203.0.113.7')), '203.0.113.7');
    assert.equal(passenger(context('1.2.3.4, 203.0.113.7 ,  ')), '203.0.113.7', 'empty trailing entries are skipped');
    assert.equal(passenger(context(undefined, '198.51.100.2')), '198.51.100.2', 'no header: the socket peer');
    for (const empty of ['', ',', ',,', ' , ', ', ,', '\t,']) {
      assert.equal(passenger(context(empty, '198.51.100.2')), '198.51.100.2', `only empty entries (${JSON.stringify(empty)}): the socket peer`);
    }
    assert.equal(passenger(context(',203.0.113.7,')), '203.0.113.7');
    assert.equal(passenger(context('1.2.3.4, not-an-address')), 'unknown', 'a last entry that is no address is not replaced by an earlier one');
  });

  test('normalised: IPv4-mapped IPv6 unwrapped, IPv6 in lower case, the same answer every time', () => {
    assert.equal(none(context(undefined, '::ffff:192.0.2.5')), '192.0.2.5');
    assert.equal(passenger(context('2001:DB8::1')), '2001:db8::1');
    for (let i = 0; i < 3; i += 1) assert.equal(passenger(context('2001:DB8::1')), '2001:db8::1');
  });

  test('none: the socket peer; X-Forwarded-For is ignored', () => {
    assert.equal(none(context('203.0.113.7', '198.51.100.9')), '198.51.100.9');
  });

  test('more distinct addresses than the memo holds: every answer still right', () => {
    for (let i = 0; i < 10_000; i += 1) {
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      assert.equal(passenger(context(`6.6.6.6, ${address}`)), address);
    }
    assert.equal(passenger(context('203.0.113.7')), '203.0.113.7');
  });
});
