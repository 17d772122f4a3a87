import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, type Dispatcher } from 'undici';
import { EarshotError } from '../errors.ts';

/** ipaddr.js ranges that are not the public internet. */
const BLOCKED_RANGES = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'carrierGradeNat',
  'private',
  'reserved',
  'uniqueLocal',
  'ipv4Mapped',
  'rfc6145',
  'rfc6052',
  '6to4',
  'teredo',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'deprecated',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'discard',
]);

/**
 * May a connection go to `ip`? Public addresses yes; private, loopback, link-local and other
 * special ranges only when inside one of `allowCidrs`. IPv4-mapped IPv6 is judged as IPv4.
 *
 * @example
 * isAddressAllowed('127.0.0.1', []) // false
 * isAddressAllowed('127.0.0.1', ['127.0.0.0/8']) // true
 */
export function isAddressAllowed(ip: string, allowCidrs: readonly string[] = []): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return false;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  for (const c of allowCidrs) {
    try {
      const [net, bits] = ipaddr.parseCIDR(c);
      if (net.kind() === addr.kind() && addr.match([net, bits] as never)) return true;
    } catch {
      /* invalid CIDRs are rejected by config validation */
    }
  }
  return !BLOCKED_RANGES.has(addr.range());
}

export interface GuardOptions {
  /** CIDRs reachable even though private (config `network.allowPrivate`). */
  allowCidrs?: readonly string[];
  /** Allow every private address (a source's `allowPrivateNetwork: true`). */
  allowPrivateNetwork?: boolean;
  connectTimeoutMs?: number;
  /** Idle keep-alive sockets close after this. */
  keepAliveTimeoutMs?: number;
}

export function blockedError(host: string, ip: string): EarshotError {
  return new EarshotError(
    'BLOCKED_ADDRESS',
    `refusing to connect to ${host} (${ip}): private or special address; allow it with network.allowPrivate or the source's allowPrivateNetwork`,
    {
      context: { host, ip },
    },
  );
}

/**
 * An undici dispatcher that checks the address it actually connects to: the DNS answer is
 * checked inside `connect.lookup`, so a name that resolves to a private address (DNS
 * rebinding, a redirect to an internal host) is refused at connect time, not before.
 */
export function createGuardedDispatcher(opts: GuardOptions = {}): Dispatcher {
  const allow = opts.allowPrivateNetwork ? null : (opts.allowCidrs ?? []);
  const check = (ip: string) => allow === null || isAddressAllowed(ip, allow);
  return new Agent({
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000,
    connect: {
      timeout: opts.connectTimeoutMs ?? 10_000,
      lookup(hostname, options, callback) {
        // Literal IPs never reach lookup in every Node version; they are checked by guardUrl too.
        dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
          if (err) return callback(err, '', 0);
          const list = (addresses as unknown as LookupAddress[]).filter((a) => check(a.address));
          if (list.length === 0) {
            const first = (addresses as unknown as LookupAddress[])[0];
            return callback(
              blockedError(hostname, first?.address ?? '?') as unknown as NodeJS.ErrnoException,
              '',
              0,
            );
          }
          if ((options as { all?: boolean }).all)
            return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
          return callback(null, list[0]!.address, list[0]!.family);
        });
      },
    },
  });
}

/** Refuse a URL whose host is a literal private IP before any socket opens. */
export function guardUrl(url: URL, opts: GuardOptions = {}): void {
  if (opts.allowPrivateNetwork) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isAddressAllowed(host, opts.allowCidrs ?? [])) throw blockedError(host, host);
}

/**
 * The address to connect to for a configured host, for protocols that do not go through the
 * guarded HTTP dispatcher (SMTP): resolved once, checked like a connection, and returned so the
 * caller connects to exactly the address that was checked (no second lookup to rebind).
 *
 * @example
 * await resolveGuarded('smtp.example.com', {}) // '203.0.113.7'
 * await resolveGuarded('127.0.0.1', {}) // throws BLOCKED_ADDRESS
 */
export async function resolveGuarded(host: string, opts: GuardOptions = {}): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  const allow = opts.allowPrivateNetwork ? null : (opts.allowCidrs ?? []);
  const ok = (ip: string) => allow === null || isAddressAllowed(ip, allow);
  if (isIP(bare)) {
    if (!ok(bare)) throw blockedError(host, bare);
    return bare;
  }
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(bare, { all: true }, (err, list) => (err ? reject(err) : resolve(list))),
  );
  const allowed = addresses.find((a) => ok(a.address));
  if (!allowed) throw blockedError(host, addresses[0]?.address ?? '?');
  return allowed.address;
}
