import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Which URLs the bot may download a result from: KIE's own origin (KIE_API_URL, whatever its scheme and
 * address), or an `https:` URL whose host resolves only to public addresses. Every redirect hop is checked
 * by the same rule, and the connection's own DNS lookup refuses private addresses again, so a host that
 * changes its answer between the check and the connection (DNS rebinding) gains nothing.
 */
export interface DownloadGuard {
  /** Throws DownloadRefusedError when the URL may not be fetched. */
  check(url: URL): Promise<void>;
  /** A dns.lookup for the download connections: fails for private addresses, except for KIE's own host. */
  readonly lookup: LookupFunction;
}

export class DownloadRefusedError extends Error {
  override readonly name = 'DownloadRefusedError';
}

export type ResolveHost = (hostname: string) => Promise<readonly string[]>;

export interface DownloadGuardOptions {
  /** KIE_API_URL: its origin is trusted as it is (the fakes serve results over http on loopback). */
  trustedUrl: string;
  /** Resolves a host name to its addresses (default: the system resolver, every address). */
  resolve?: ResolveHost;
}

export function createDownloadGuard({ trustedUrl, resolve = resolveAll }: DownloadGuardOptions): DownloadGuard {
  const trusted = new URL(trustedUrl);
  return {
    async check(url) {
      if (url.origin === trusted.origin) return;
      if (url.protocol !== 'https:') throw new DownloadRefusedError(`refused ${url.protocol} URL outside KIE's origin`);
      const host = bareHost(url.hostname);
      const addresses = isIP(host) ? [host] : await resolve(host);
      if (addresses.length === 0) throw new DownloadRefusedError(`${host} has no address`);
      const forbidden = addresses.find(isPrivateAddress);
      if (forbidden !== undefined) throw new DownloadRefusedError(`refused ${host}: it resolves to a non-public address (${forbidden})`);
    },
    lookup: guardedLookup(bareHost(trusted.hostname)),
  };
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function resolveAll(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((entry) => entry.address)))),
  );
}

function guardedLookup(trustedHost: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const forbidden = hostname === trustedHost ? undefined : addresses.find((entry) => isPrivateAddress(entry.address));
      if (forbidden !== undefined) {
        const refused = Object.assign(new DownloadRefusedError(`refused ${hostname}: it resolves to a non-public address (${forbidden.address})`), {
          code: 'EADDRNOTPUBLIC',
        });
        return callback(refused, '', 4);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

/** Loopback, private, shared, link-local, unique-local, multicast, reserved and unspecified ranges. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for any address a download must not reach; IPv4 inside IPv6 (mapped, compatible, NAT64) is judged as IPv4. */
export function isPrivateAddress(address: string): boolean {
  const bare = bareHost(address).replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return NON_PUBLIC.check(bare, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(bare);
  if (bytes === undefined) return true;
  const embedded = embeddedIpv4(bytes);
  if (embedded !== undefined) return NON_PUBLIC.check(embedded, 'ipv4');
  return NON_PUBLIC.check(bare, 'ipv6');
}

/** ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, not :: or ::1) and 64:ff9b::a.b.c.d (NAT64). */
function embeddedIpv4(bytes: number[]): string | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((byte) => byte === 0);
  const v4 = bytes.slice(12).join('.');
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4;
  if (zeros(0, 12) && !zeros(12, 15)) return v4;
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return v4;
  return undefined;
}

/** The 16 bytes of a valid IPv6 address (as isIP accepts it), dotted IPv4 tail included. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((parts[0]! << 8) | parts[1]!).toString(16)}:${((parts[2]! << 8) | parts[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((group) => parseInt(group, 16));
  if (groups.some((group) => Number.isNaN(group))) return undefined;
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}
