// Who is calling: the socket's peer, or, behind proxies the gateway is told to trust, the address the
// nearest of them saw. TRUST_PROXY says which proxies: how many stand in front of the gateway, or their
// addresses and networks. Trusting any X-Forwarded-For would let every client pick its own address, and
// so step around every limit kept per address.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/** false: no proxy; a number: that many proxies in front; else their addresses, CIDRs or proxy-addr's names. */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for address ranges, as express accepts them. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Reads TRUST_PROXY: `false`, a hop count (`1`), or a comma-separated list of addresses and CIDRs; throws on anything else. */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === '' || text === 'false') return false;
  if (text === 'true') throw new Error('true would trust any X-Forwarded-For; give the number of proxies in front of the gateway, or their addresses or CIDRs');
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1) throw new Error('a hop count must be 1 or more (false for none)');
    return hops;
  }
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (RANGE_NAMES.has(entry)) continue;
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const maxPrefix = family === 4 ? 32 : 128;
    if (family === 0 || rest.length > 0 || (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix))) {
      throw new Error(`${entry} is not an address, a CIDR or one of ${[...RANGE_NAMES].join(', ')}`);
    }
  }
  return entries;
}

/** proxy-addr's question for each hop, from the socket's peer outwards: is this address a trusted proxy? */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/**
 * The client's address for `req`. What a trusted proxy reports is taken only when it is an address;
 * anything else falls back to the socket's peer.
 */
export function clientAddressOf(trust: TrustProxy): (req: IncomingMessage) => string | null {
  const trusted = trustFunction(trust);
  return (req) => {
    const address = proxyaddr(req, trusted);
    return isIP(address) ? address : (req.socket.remoteAddress ?? null);
  };
}
