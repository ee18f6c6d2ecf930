// Who the gateway takes a request to come from: the socket's peer, or behind trusted proxies the
// address the nearest one saw; and the key per-address limits count under.
import type { IncomingMessage } from 'node:http';
import { addressKey } from '@desk/shared';
import { clientAddressOf, parseTrustProxy } from '../src/client-address';

const request = (peer: string, forwardedFor?: string) =>
  ({ headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress: peer }, connection: { remoteAddress: peer } }) as unknown as IncomingMessage;

describe('when TRUST_PROXY is read', () => {
  test.each([
    ['false', false],
    ['', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.10', ['10.0.0.0/8', '192.168.1.10']],
    ['loopback,2001:db8::/32', ['loopback', '2001:db8::/32']],
  ])('then %j is understood', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  test.each(['true', '0', 'proxy.example', '10.0.0.0/33', '2001:db8::/129', '10.0.0.1/8/8', '1.2.3'])('then %j is refused with a reason', (value) => {
    expect(() => parseTrustProxy(value)).toThrow(/./);
  });
});

describe('when the client address is worked out', () => {
  test('then with no trusted proxy a forged X-Forwarded-For is ignored', () => {
    expect(clientAddressOf(false)(request('198.51.100.4', '203.0.113.7'))).toBe('198.51.100.4');
  });

  test('then one trusted hop takes the address that proxy appended, not what the client wrote before it', () => {
    expect(clientAddressOf(1)(request('10.0.0.2', '203.0.113.66, 198.51.100.9'))).toBe('198.51.100.9');
  });

  test('then listed proxies are believed only when the peer is one of them', () => {
    const of = clientAddressOf(['10.0.0.0/8']);
    expect(of(request('10.1.2.3', '198.51.100.9'))).toBe('198.51.100.9');
    expect(of(request('198.51.100.4', '203.0.113.7'))).toBe('198.51.100.4');
    expect(of(request('10.1.2.3', '203.0.113.7, 10.0.0.9'))).toBe('203.0.113.7');
  });

  test('then what a proxy reports is taken only when it is an address', () => {
    expect(clientAddressOf(1)(request('10.0.0.2', 'not-an-address'))).toBe('10.0.0.2');
  });
});

describe('when an address is made a limit key', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('then %s counts as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
