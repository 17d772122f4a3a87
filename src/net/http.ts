import { lookup as dnsLookup } from 'node:dns/promises';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { type Dispatcher, ProxyAgent, request } from 'undici';
import { type Clock, systemClock } from '../clock.ts';
import { EarshotError, FetchError, type FetchFailure, redactUrl } from '../errors.ts';
import { type Logger, silentLogger } from '../log.ts';
import {
  blockedError,
  createGuardedDispatcher,
  type GuardOptions,
  guardUrl,
  isAddressAllowed,
} from './guard.ts';
import { parseRateLimit, type RateLimitInfo, rateLimitWaitMs } from './rate-limit.ts';
import { makeResponse } from './response.ts';
import type { HostLimit, HttpClient, HttpRequestOptions, HttpResponse } from './types.ts';

const VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0';
  }
})();

/** What Earshot sends as User-Agent unless the config sets `network.userAgent`. */
export const USER_AGENT = `Earshot/${VERSION} (+https://github.com/earshot; social listening)`;

export interface HttpClientOptions {
  userAgent?: string;
  clock?: Clock;
  log?: Logger;
  /** CIDRs reachable although private (config `network.allowPrivate`). */
  allowPrivate?: readonly string[];
  /** Every private address allowed (a source's `allowPrivateNetwork`). */
  allowPrivateNetwork?: boolean;
  /** Response body cap in bytes (compressed and decompressed). Default 10 MiB. */
  maxBytes?: number;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Retries for retryable failures. Default 3. */
  retries?: number;
  /** Longest wait between retries, including a Retry-After; longer ones fail the call instead. */
  maxRetryWaitMs?: number;
  /** Base of the exponential backoff. Default 500 ms. */
  backoffBaseMs?: number;
  /** An HTTPS_PROXY URL; the proxy then resolves names, so the address guard cannot apply. */
  proxy?: string;
  /** Seeds of the per-host buckets by host name (the platforms' documented budgets). */
  hostLimits?: Readonly<Record<string, HostLimit>>;
  /** Limit for hosts not in hostLimits (the collector's own `rateLimit`). */
  defaultLimit?: HostLimit;
  /** Circuit breaker: open after this many consecutive failed calls, for `coolDownMs`. */
  breaker?: { failures?: number; coolDownMs?: number };
  /** Random source for jitter (tests pass a constant). */
  random?: () => number;
  /** Replaces the guarded dispatcher (tests). */
  dispatcher?: Dispatcher;
}

const DEFAULT_LIMIT: HostLimit = { perMinute: 60, concurrency: 2 };

/**
 * Per-host token bucket plus a concurrency gate. Seeded from the platform's documented budget;
 * a response's rate-limit headers lower the rate (never raise it above the seed): the policy
 * window, and pacing the remaining budget over the time to its reset.
 */
class HostGate {
  private tokens: number;
  private last: number;
  private active = 0;
  private waiters: (() => void)[] = [];
  /** Budget from headers, in force until `paceUntil`. */
  private pacePerMinute = Number.POSITIVE_INFINITY;
  private paceUntil = 0;
  private policyPerMinute = Number.POSITIVE_INFINITY;
  /** No request before this time (from a 429 or an exhausted remaining count). */
  blockedUntil = 0;
  requests = 0;
  lastRateLimit: RateLimitInfo | undefined;

  constructor(
    readonly limit: HostLimit,
    private clock: Clock,
  ) {
    this.tokens = Math.max(1, Math.min(limit.perMinute, 10));
    this.last = clock.now().getTime();
  }

  perMinute(now: number): number {
    const pace = now < this.paceUntil ? this.pacePerMinute : Number.POSITIVE_INFINITY;
    return Math.max(0.01, Math.min(this.limit.perMinute, this.policyPerMinute, pace));
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    const max = this.limit.concurrency ?? 2;
    while (this.active >= max) await new Promise<void>((r) => this.waiters.push(r));
    this.active++;
    try {
      for (;;) {
        const now = this.clock.now().getTime();
        if (this.blockedUntil > now) {
          await this.clock.sleep(this.blockedUntil - now, signal);
          continue;
        }
        const rate = this.perMinute(now);
        this.tokens = Math.min(Math.max(1, rate), this.tokens + ((now - this.last) / 60_000) * rate);
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          this.requests++;
          return;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / rate) * 60_000), signal);
      }
    } catch (e) {
      this.release();
      throw e;
    }
  }

  /** Adjust from a response's headers; `maxBlockMs` caps how long an exhausted budget blocks. */
  adjust(headers: Record<string, string>, now: number, maxBlockMs: number): void {
    const rl = parseRateLimit(headers, now);
    if (rl) {
      this.lastRateLimit = rl;
      if (rl.limit !== undefined && rl.windowMs) this.policyPerMinute = (rl.limit * 60_000) / rl.windowMs;
      if (rl.remaining !== undefined && rl.resetAt !== undefined && rl.resetAt > now) {
        this.tokens = Math.min(this.tokens, Math.max(0, rl.remaining));
        this.pacePerMinute = (Math.max(rl.remaining, 0) * 60_000) / (rl.resetAt - now);
        this.paceUntil = rl.resetAt;
      }
    }
    const wait = rateLimitWaitMs(headers, now);
    if (wait !== undefined && wait > 0)
      this.blockedUntil = Math.max(this.blockedUntil, now + Math.min(wait, maxBlockMs));
  }

  snapshot(now: number): HostStats {
    return {
      requests: this.requests,
      active: this.active,
      queued: this.waiters.length,
      perMinute: Math.round(this.perMinute(now) * 100) / 100,
      tokens: Math.floor(this.tokens * 100) / 100,
      blockedUntil: this.blockedUntil > now ? new Date(this.blockedUntil).toISOString() : null,
      lastRateLimit: this.lastRateLimit,
    };
  }

  release(): void {
    this.active--;
    this.waiters.shift()?.();
  }
}

export interface HostStats {
  requests: number;
  active: number;
  queued: number;
  /** Rate in force now (seed lowered by headers). */
  perMinute: number;
  tokens: number;
  blockedUntil: string | null;
  lastRateLimit: RateLimitInfo | undefined;
}

export interface HttpStats {
  requests: number;
  retries: number;
  failures: number;
  rateLimited: number;
  bytes: number;
  breaker: {
    state: 'closed' | 'open' | 'half-open';
    consecutiveFailures: number;
    openUntil: string | null;
  };
  hosts: Record<string, HostStats>;
}

/** The client with its counters, for source health and `earshot sources`. */
export interface StatsHttpClient extends HttpClient {
  stats(): HttpStats;
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function classify(err: unknown): FetchFailure {
  // A connect to several addresses (happy eyeballs) fails with an AggregateError of each attempt.
  const code =
    (err as { code?: string })?.code ?? (err as { errors?: { code?: string }[] })?.errors?.[0]?.code ?? '';
  const name = (err as { name?: string })?.name ?? '';
  if (
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    name === 'TimeoutError'
  )
    return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code.startsWith('ERR_TLS') || code.includes('CERT')) return 'tls';
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return 'aborted';
  // Nothing listens there (the service is down or the port is wrong): not a reset.
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN')
    return 'unreachable';
  if (
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  )
    return 'reset';
  return 'reset';
}

/** How a failed connection reads in a message (source health, `earshot collect`). */
const FAILURE_TEXT: Partial<Record<FetchFailure, string>> = {
  refused: 'connection refused',
  unreachable: 'host unreachable',
  reset: 'connection reset',
  dns: 'DNS lookup failed',
  tls: 'TLS handshake failed',
};

const hostOf = (href: string) => {
  try {
    return new URL(href).host;
  } catch {
    return 'the server';
  }
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * The HTTP client every collector (and alert channel) uses: per-host token buckets and
 * concurrency seeded from `hostLimits` (the platforms' budgets) and lowered by rate-limit headers;
 * retries with exponential backoff and jitter for 429, 5xx, timeouts, resets and truncated
 * bodies (never other 4xx), honouring `Retry-After`; connect/header/body timeouts; a body cap
 * (also on the decompressed size); gzip/deflate/br; redirects followed hop by hop through the
 * guarded dispatcher; a circuit breaker for the source the client belongs to. Every wait goes
 * through `clock.sleep`, so tests advance a FakeClock or set `maxRetryWaitMs`.
 *
 * Why one client per source: the breaker and the buckets are per client. The core creates one
 * per source and keeps it across runs so a failing platform trips only its own breaker.
 *
 * @example
 * const http = createHttpClient({ clock, log, allowPrivate: ['127.0.0.0/8'] });
 * const res = await http.get('https://hn.algolia.com/api/v1/search_by_date', { query: { query: 'acme' } });
 * http.stats().breaker.state; // 'closed'
 */
export function createHttpClient(opts: HttpClientOptions = {}): StatsHttpClient {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger();
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const retries = opts.retries ?? 3;
  const maxWait = opts.maxRetryWaitMs ?? 60_000;
  const base = opts.backoffBaseMs ?? 500;
  const random = opts.random ?? Math.random;
  const headersMs = opts.timeouts?.headersMs ?? 30_000;
  const bodyMs = opts.timeouts?.bodyMs ?? 30_000;
  const guard = { allowCidrs: opts.allowPrivate ?? [], allowPrivateNetwork: opts.allowPrivateNetwork };
  // Why the proxy path checks before connecting: through HTTPS_PROXY the proxy resolves the
  // name, so the connect-time guard cannot see the address. We resolve and check it ourselves
  // (a rebinding window remains; deployments that need the strict guard run without a proxy).
  const dispatcher: Dispatcher =
    opts.dispatcher ??
    (opts.proxy
      ? new ProxyAgent({ uri: opts.proxy, connectTimeout: opts.timeouts?.connectMs ?? 10_000 })
      : createGuardedDispatcher({ ...guard, connectTimeoutMs: opts.timeouts?.connectMs }));
  const gates = new Map<string, HostGate>();
  const breakerLimit = opts.breaker?.failures ?? 5;
  const coolDown = opts.breaker?.coolDownMs ?? 5 * 60_000;
  const counters = { requests: 0, retries: 0, failures: 0, rateLimited: 0, bytes: 0 };
  let consecutive = 0;
  let openUntil = 0;
  let trialInFlight = false;

  const gate = (host: string) => {
    let g = gates.get(host);
    if (!g) {
      g = new HostGate(opts.hostLimits?.[host] ?? opts.defaultLimit ?? DEFAULT_LIMIT, clock);
      gates.set(host, g);
    }
    return g;
  };

  async function once(url: URL, o: HttpRequestOptions): Promise<HttpResponse> {
    guardUrl(url, guard);
    if (opts.proxy && !opts.dispatcher) await guardResolved(url.hostname, guard);
    const g = gate(url.host);
    await g.acquire(o.signal);
    counters.requests++;
    const cap = o.maxBytes ?? maxBytes;
    const href = url.toString();
    try {
      const timeoutSignal = AbortSignal.timeout(o.timeoutMs ?? headersMs + bodyMs);
      const signal = o.signal ? AbortSignal.any([o.signal, timeoutSignal]) : timeoutSignal;
      let res: Dispatcher.ResponseData<unknown>;
      try {
        res = await request(url, {
          method: o.method ?? 'GET',
          headers: {
            'user-agent': opts.userAgent ?? USER_AGENT,
            'accept-encoding': 'gzip, deflate, br',
            ...o.headers,
          },
          body: o.body,
          dispatcher,
          signal,
          headersTimeout: o.timeoutMs ?? headersMs,
          bodyTimeout: o.timeoutMs ?? bodyMs,
        });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        if (cause instanceof EarshotError) throw cause;
        if (err instanceof EarshotError) throw err;
        if (o.signal?.aborted)
          throw new FetchError('request aborted', { url: href, failure: 'aborted', cause: err });
        const failure = timeoutSignal.aborted ? 'timeout' : classify(cause);
        throw new FetchError(`${FAILURE_TEXT[failure] ?? failure} while requesting ${hostOf(href)}`, {
          url: href,
          failure,
          cause: err,
        });
      }
      const headers = flattenHeaders(res.headers as Record<string, string | string[] | undefined>);
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body) {
          size += (chunk as Buffer).length;
          if (size > cap) {
            res.body.destroy();
            throw new FetchError(`response body over ${cap} bytes`, {
              url: href,
              failure: 'too-large',
              status: res.statusCode,
            });
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof FetchError) throw err;
        if (o.signal?.aborted)
          throw new FetchError('request aborted', { url: href, failure: 'aborted', cause: err });
        const failure = timeoutSignal.aborted || classify(err) === 'timeout' ? 'timeout' : 'truncated';
        throw new FetchError(`${failure}: the response body ended early`, {
          url: href,
          failure,
          status: res.statusCode,
          cause: err,
        });
      }
      let body: Buffer = Buffer.concat(chunks);
      counters.bytes += body.length;
      const declared = headers['content-length'];
      if (declared !== undefined && Number(declared) > body.length && o.method !== 'HEAD') {
        throw new FetchError(`truncated: ${body.length} of ${declared} bytes`, {
          url: href,
          failure: 'truncated',
          status: res.statusCode,
        });
      }
      const enc = (headers['content-encoding'] ?? '').toLowerCase().trim();
      if (body.length > 0 && enc && enc !== 'identity') {
        body = decompress(body, enc, cap, href, res.statusCode);
        // The decoded body no longer matches these; callers see what they got.
        delete headers['content-encoding'];
        delete headers['content-length'];
      }
      const now = clock.now().getTime();
      g.adjust(headers, now, maxWait);
      if (res.statusCode === 429) counters.rateLimited++;
      if (REDIRECTS.has(res.statusCode) && headers.location && !o.acceptStatus?.includes(res.statusCode)) {
        return makeResponse(href, res.statusCode, headers, body);
      }
      const accepted = o.acceptStatus
        ? o.acceptStatus.includes(res.statusCode)
        : (res.statusCode >= 200 && res.statusCode < 300) || res.statusCode === 304;
      if (!accepted) {
        throw new FetchError(`upstream answered ${res.statusCode}`, {
          url: href,
          failure: 'status',
          status: res.statusCode,
          retryAfterMs:
            res.statusCode === 429 || res.statusCode >= 500 ? rateLimitWaitMs(headers, now) : undefined,
        });
      }
      return makeResponse(href, res.statusCode, headers, body);
    } finally {
      g.release();
    }
  }

  /** One logical request: redirects followed (each hop guarded at connect), auth dropped cross-origin. */
  async function follow(url: URL, o: HttpRequestOptions): Promise<HttpResponse> {
    let cur = url;
    let req = o;
    for (let hop = 0; ; hop++) {
      const res = await once(cur, req);
      if (!REDIRECTS.has(res.status) || !res.headers.location || req.acceptStatus?.includes(res.status))
        return res;
      if (hop >= MAX_REDIRECTS)
        throw new FetchError(`more than ${MAX_REDIRECTS} redirects`, {
          url: cur.toString(),
          failure: 'status',
          status: res.status,
        });
      let next: URL;
      try {
        next = new URL(res.headers.location, cur);
      } catch {
        throw new FetchError('redirect to an invalid location', {
          url: cur.toString(),
          failure: 'status',
          status: res.status,
        });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new FetchError(`redirect to a ${next.protocol} URL`, {
          url: cur.toString(),
          failure: 'status',
          status: res.status,
        });
      const headers = { ...req.headers };
      if (next.origin !== cur.origin)
        for (const k of Object.keys(headers))
          if (/^(authorization|cookie|proxy-authorization)$/i.test(k)) delete headers[k];
      const toGet =
        res.status === 303 || ((res.status === 301 || res.status === 302) && req.method === 'POST');
      req = toGet ? { ...req, headers, method: 'GET', body: undefined } : { ...req, headers };
      cur = next;
    }
  }

  function circuitCheck(host: string): boolean {
    const now = clock.now().getTime();
    if (openUntil === 0) return false;
    if (openUntil > now || trialInFlight) {
      throw new EarshotError(
        'CIRCUIT_OPEN',
        `circuit open after ${consecutive} consecutive failures; next try after ${new Date(openUntil).toISOString()}`,
        { retry: true, context: { host, retryAfterMs: Math.max(0, openUntil - now) } },
      );
    }
    trialInFlight = true; // half-open: this call is the trial
    return true;
  }

  async function requestWithRetry(rawUrl: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch (cause) {
      throw new EarshotError('BAD_REQUEST', 'invalid URL', { cause, context: { url: redactUrl(rawUrl) } });
    }
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const trial = circuitCheck(url.host);
    const attempts = (o.retries ?? retries) + 1;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await follow(url, o);
          consecutive = 0;
          openUntil = 0;
          return r;
        } catch (err) {
          const retryable = err instanceof EarshotError && err.retry;
          if (!retryable || attempt >= attempts) {
            counters.failures++;
            if (countsAgainstBreaker(err) && (++consecutive >= breakerLimit || trial)) {
              openUntil = clock.now().getTime() + coolDown;
              log.warn({ host: url.host, consecutive, coolDownMs: coolDown }, 'circuit opened');
            }
            throw err;
          }
          const asked = err instanceof FetchError ? err.retryAfterMs : undefined;
          const backoff = Math.min(maxWait, base * 2 ** (attempt - 1)) * (0.5 + random() / 2);
          const wait = asked ?? backoff;
          // A wait longer than we may spend here fails the call; the scheduler retries later.
          if (wait > maxWait) throw err;
          counters.retries++;
          log.debug(
            { host: url.host, attempt, waitMs: Math.round(wait), err: (err as Error).message },
            'retrying request',
          );
          await clock.sleep(wait, o.signal);
        }
      }
    } finally {
      if (trial) trialInFlight = false;
    }
  }

  return {
    request: requestWithRetry,
    get: (url, o) => requestWithRetry(url, { ...o, method: 'GET' }),
    stats(): HttpStats {
      const now = clock.now().getTime();
      return {
        ...counters,
        breaker: {
          state: openUntil === 0 ? 'closed' : openUntil > now ? 'open' : 'half-open',
          consecutiveFailures: consecutive,
          openUntil: openUntil > now ? new Date(openUntil).toISOString() : null,
        },
        hosts: Object.fromEntries([...gates].map(([h, g]) => [h, g.snapshot(now)])),
      };
    },
  };
}

/** Network-level failures and 5xx trip the breaker; 429, other 4xx, aborts and refusals do not. */
function countsAgainstBreaker(err: unknown): boolean {
  if (!(err instanceof FetchError)) return false;
  if (err.failure === 'status') return err.status !== undefined && err.status >= 500;
  return err.failure !== 'aborted' && err.failure !== 'too-large';
}

function decompress(body: Buffer, enc: string, cap: number, url: string, status: number): Buffer {
  const o = { maxOutputLength: cap };
  try {
    // Content-Encoding may list several codings, applied in order; undo them in reverse.
    let out: Buffer = body;
    for (const e of enc
      .split(',')
      .map((x) => x.trim())
      .reverse()) {
      if (e === 'br') out = brotliDecompressSync(out, o);
      else if (e === 'gzip' || e === 'x-gzip') out = gunzipSync(out, o);
      else if (e === 'deflate') {
        // "deflate" is zlib-wrapped by the RFC, raw deflate by some servers.
        try {
          out = inflateSync(out, o);
        } catch {
          out = inflateRawSync(out, o);
        }
      } else if (e !== 'identity') return out;
    }
    return out;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError)
      throw new FetchError(`decoded body over ${cap} bytes`, { url, failure: 'too-large', status, cause });
    throw new FetchError(`truncated: cannot decode ${enc} body`, {
      url,
      failure: 'truncated',
      status,
      cause,
    });
  }
}

async function guardResolved(hostname: string, guard: GuardOptions): Promise<void> {
  if (guard.allowPrivateNetwork) return;
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return; // guardUrl checked it
  let addrs: { address: string }[];
  try {
    addrs = await dnsLookup(host, { all: true });
  } catch {
    return; // the proxy reports the failure
  }
  const bad = addrs.find((a) => !isAddressAllowed(a.address, guard.allowCidrs ?? []));
  if (bad) throw blockedError(host, bad.address);
}
