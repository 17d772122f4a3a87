/**
 * What a response says about the caller's request budget, as the platforms write it. Pure
 * functions of the (lower-cased) headers; the client (`./http.ts`) paces itself with them and
 * collectors read a quota reset from them.
 */

/** What a response says about the caller's remaining budget. */
export interface RateLimitInfo {
  /** Requests allowed per window. */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** When the window resets (epoch ms). */
  resetAt?: number;
  /** Window length (ms), from `RateLimit-Policy: 3000;w=300`. */
  windowMs?: number;
}

/** `Retry-After` as delay-seconds or an HTTP date; ms from `now`, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.max(0, Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A reset value as platforms write it: an ISO/HTTP date (Mastodon), epoch seconds (X, Bluesky's
 * PDS) or seconds from now (Reddit, the IETF draft). Numbers above 1e9 are epochs.
 */
function parseReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    return n > 1e9 ? n * 1000 : now + n * 1000;
  }
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : at;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number.parseFloat(v);
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Read the rate-limit headers of Reddit (`x-ratelimit-used/remaining/reset`, floats as strings,
 * reset in seconds), X (`x-rate-limit-*`, reset in epoch seconds), Mastodon (`x-ratelimit-*`,
 * ISO reset) and the IETF draft used by Bluesky (`RateLimit-Limit/Remaining/Reset` plus
 * `RateLimit-Policy: 3000;w=300`, or the combined `RateLimit: limit=.., remaining=.., reset=..`).
 * Headers must be lower-cased. Undefined when none is present.
 *
 * @example
 * parseRateLimit({ 'x-ratelimit-remaining': '599.0', 'x-ratelimit-used': '1', 'x-ratelimit-reset': '525' }, now)
 * // { limit: 600, remaining: 599, resetAt: now + 525_000 }
 */
export function parseRateLimit(h: Record<string, string>, now: number): RateLimitInfo | undefined {
  const info: RateLimitInfo = {};
  const prefix = ['x-ratelimit-', 'x-rate-limit-', 'ratelimit-'].find(
    (p) => h[`${p}remaining`] !== undefined || h[`${p}limit`] !== undefined,
  );
  if (prefix) {
    info.remaining = num(h[`${prefix}remaining`]);
    info.limit = num(h[`${prefix}limit`]);
    const used = num(h[`${prefix}used`]);
    if (info.limit === undefined && used !== undefined && info.remaining !== undefined)
      info.limit = used + info.remaining;
    info.resetAt = parseReset(h[`${prefix}reset`], now);
  } else if (h.ratelimit !== undefined) {
    // draft-ietf-httpapi-ratelimit-headers-07+: `RateLimit: limit=100, remaining=50, reset=5`
    // (later drafts name the policy first: `"default";r=50;t=5`).
    const kv = Object.fromEntries(
      [...h.ratelimit.matchAll(/([a-z]+)=("?)([^",;\s]+)\2/gi)].map((m) => [m[1]!.toLowerCase(), m[3]!]),
    );
    info.limit = num(kv.limit ?? kv.q);
    info.remaining = num(kv.remaining ?? kv.r);
    const reset = num(kv.reset ?? kv.t);
    if (reset !== undefined) info.resetAt = now + reset * 1000;
  } else return undefined;
  const policy = h['ratelimit-policy'] ?? h['x-ratelimit-policy'];
  if (policy) {
    const m = /^\s*(\d+)\s*;\s*w=(\d+)/.exec(policy) ?? /q=(\d+).*?w=(\d+)/.exec(policy);
    if (m) {
      info.limit ??= Number(m[1]);
      info.windowMs = Number(m[2]) * 1000;
    }
  }
  return info;
}

/** The wait a response asks for: Retry-After, or the reset of an exhausted budget (ms), else undefined. */
export function rateLimitWaitMs(headers: Record<string, string>, now: number): number | undefined {
  const ra = parseRetryAfter(headers['retry-after'], now);
  if (ra !== undefined) return ra;
  const rl = parseRateLimit(headers, now);
  if (rl?.remaining === undefined || rl.remaining >= 1 || rl.resetAt === undefined) return undefined;
  return Math.max(0, rl.resetAt - now);
}
