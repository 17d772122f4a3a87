import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, type Dispatcher } from 'undici';
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

/** IPv6 forms that a host reaches as the IPv4 address they embed: judged as that address. */
const TRANSLATED = new Set(['ipv4Mapped', 'rfc6145', 'ipv4Compatible', 'rfc6052']);

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The IPv4 address inside an IPv6 one, with the kind of embedding: IPv4-mapped `::ffff:0:0/96`,
 * SIIT `::ffff:0:0:0/96`, IPv4-compatible `::/96` (deprecated; `::` and `::1` excluded),
 * well-known NAT64 `64:ff9b::/96`, local-use NAT64 `64:ff9b:1::/48` (RFC 8215; its embedding
 * depends on the operator's prefix length, so it is never trusted as public), 6to4 `2002::/16`
 * and Teredo `2001::/32` (client address, bits inverted).
 */
function embeddedIPv4(a: ipaddr.IPv6): { kind: string; v4: ipaddr.IPv4 } | null {
  const b = a.toByteArray();
  const v4 = (bytes: number[]) => new ipaddr.IPv4(bytes);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const last = b.slice(12, 16);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return { kind: 'ipv4Mapped', v4: v4(last) };
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0)
    return { kind: 'rfc6145', v4: v4(last) };
  if (zero(0, 12) && !(zero(12, 15) && (b[15] ?? 0) <= 1)) return { kind: 'ipv4Compatible', v4: v4(last) };
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zero(4, 12)) return { kind: 'rfc6052', v4: v4(last) };
    if (b[4] === 0 && b[5] === 1) return { kind: 'nat64Local', v4: v4(last) };
  }
  if (b[0] === 0x20 && b[1] === 0x02) return { kind: '6to4', v4: v4(b.slice(2, 6)) };
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0)
    return { kind: 'teredo', v4: v4(last.map((x) => x ^ 0xff)) };
  return null;
}

function parseAddress(ip: string): Addr | null {
  // A zone id (`fe80::1%eth0`) names an interface; the address is what is judged.
  const bare = ip
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  try {
    return ipaddr.parse(bare);
  } catch {
    return null;
  }
}

function inAny(addr: Addr, cidrs: readonly string[]): boolean {
  for (const c of cidrs) {
    try {
      const [net, bits] = ipaddr.parseCIDR(c);
      if (net.kind() === addr.kind() && addr.match([net, bits] as never)) return true;
    } catch {
      /* invalid CIDRs are rejected by config validation */
    }
  }
  return false;
}

/**
 * May a connection go to `ip`? Public addresses yes; private, loopback, link-local and other
 * special ranges only when inside one of `allowCidrs`. An IPv6 address that embeds an IPv4 one
 * (IPv4-mapped, IPv4-compatible `::127.0.0.1`, SIIT, NAT64) is judged as that IPv4 address;
 * 6to4, Teredo and local-use NAT64 stay refused unless allowed (their embedded address is
 * refused too when it is private). A zone id is ignored; anything that does not parse is refused.
 *
 * @example
 * isAddressAllowed('127.0.0.1', []) // false
 * isAddressAllowed('::7f00:1', []) // false (IPv4-compatible 127.0.0.1)
 * isAddressAllowed('127.0.0.1', ['127.0.0.0/8']) // true
 */
export function isAddressAllowed(ip: string, allowCidrs: readonly string[] = []): boolean {
  const addr = parseAddress(ip);
  if (!addr) return false;
  const inner = addr.kind() === 'ipv6' ? embeddedIPv4(addr as ipaddr.IPv6) : null;
  if (inAny(addr, allowCidrs) || (inner && inAny(inner.v4, allowCidrs))) return true;
  if (inner && TRANSLATED.has(inner.kind)) return !BLOCKED_RANGES.has(inner.v4.range());
  if (inner && (inner.kind === 'nat64Local' || BLOCKED_RANGES.has(inner.v4.range()))) return false;
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
 * checked inside the connector's lookup, so a name that resolves to a private address (DNS
 * rebinding, a redirect to an internal host) is refused at connect time, not before; a literal
 * IP host is checked when the connection is opened, and the socket's remote address once open.
 */
export function createGuardedDispatcher(opts: GuardOptions = {}): Dispatcher {
  const allow = opts.allowPrivateNetwork ? null : (opts.allowCidrs ?? []);
  const check = (ip: string) => allow === null || isAddressAllowed(ip, allow);
  const connector = buildConnector({
    timeout: opts.connectTimeoutMs ?? 10_000,
    lookup(hostname, options, callback) {
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
  });
  return new Agent({
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000,
    // Literal IPs never reach `lookup`, so the host is checked here too; and whatever path the
    // socket took (lookup, literal, happy eyeballs), the address it actually connected to is
    // checked before a byte of the request is written.
    connect(o, callback) {
      const host = o.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host.replace(/%.*$/, '')) && !check(host))
        return callback(blockedError(o.hostname, host), null);
      connector(o, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error('no socket'), null);
        const remote = socket.remoteAddress;
        if (remote && !check(remote)) {
          socket.destroy();
          return callback(blockedError(o.hostname, remote), null);
        }
        callback(null, socket);
      });
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
