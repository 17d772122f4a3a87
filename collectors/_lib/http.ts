import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { type Dispatcher, ProxyAgent, request } from 'undici';
import { type Clock, systemClock } from '../../src/clock.ts';
import { EarshotError, FetchError, type FetchFailure, SourceFault } from '../../src/errors.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import { createGuardedDispatcher, guardUrl } from '../../src/net/guard.ts';
import type { HttpClient, HttpRequestOptions, HttpResponse } from '../../src/net/types.ts';

export const USER_AGENT = 'Earshot/0.1 (+self-hosted social listening)';

export interface HostLimit {
  perMinute: number;
  concurrency?: number;
}

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
  hostLimits?: Record<string, HostLimit>;
  /** Limit for hosts not in hostLimits (the collector's own `rateLimit`). */
  defaultLimit?: HostLimit;
  /** Circuit breaker: open after this many consecutive failed calls, for `coolDownMs`. */
  breaker?: { failures?: number; coolDownMs?: number };
  /** Random source for jitter (tests pass a constant). */
  random?: () => number;
  /** Replaces the guarded dispatcher (tests). */
  dispatcher?: Dispatcher;
}

/** Documented request budgets of the platforms Earshot talks to, per minute. */
export const PLATFORM_LIMITS: Record<string, HostLimit> = {
  'oauth.reddit.com': { perMinute: 100, concurrency: 2 },
  'www.reddit.com': { perMinute: 10, concurrency: 1 },
  'hn.algolia.com': { perMinute: 100, concurrency: 2 },
  'api.twitter.com': { perMinute: 30, concurrency: 1 },
  'api.x.com': { perMinute: 30, concurrency: 1 },
  'bsky.social': { perMinute: 600, concurrency: 4 },
  'public.api.bsky.app': { perMinute: 600, concurrency: 4 },
  'www.googleapis.com': { perMinute: 60, concurrency: 2 },
  'itunes.apple.com': { perMinute: 20, concurrency: 1 },
  'play.google.com': { perMinute: 10, concurrency: 1 },
  'www.trustpilot.com': { perMinute: 10, concurrency: 1 },
  'm.weibo.cn': { perMinute: 10, concurrency: 1 },
  'weibo.cn': { perMinute: 10, concurrency: 1 },
};
const DEFAULT_LIMIT: HostLimit = { perMinute: 60, concurrency: 2 };

/** Per-host token bucket plus a concurrency gate, adjusted from rate-limit headers. */
class HostGate {
  private tokens: number;
  private last: number;
  private active = 0;
  private waiters: (() => void)[] = [];
  /** No request before this time (from a 429 or an exhausted remaining count). */
  blockedUntil = 0;

  constructor(
    private limit: HostLimit,
    private clock: Clock,
  ) {
    this.tokens = Math.max(1, Math.min(limit.perMinute, 10));
    this.last = clock.now().getTime();
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
        this.tokens = Math.min(
          this.limit.perMinute,
          this.tokens + ((now - this.last) / 60_000) * this.limit.perMinute,
        );
        this.last = now;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.limit.perMinute) * 60_000), signal);
      }
    } catch (e) {
      this.release();
      throw e;
    }
  }

  release(): void {
    this.active--;
    this.waiters.shift()?.();
  }
}

/** The wait a response asks for: Retry-After, or the reset of an exhausted budget (ms), else undefined. */
export function rateLimitWaitMs(headers: Record<string, string>, now: number): number | undefined {
  const ra = headers['retry-after'];
  if (ra !== undefined) {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  // Reddit: x-ratelimit-remaining "599.0", x-ratelimit-reset seconds until reset.
  // X: x-rate-limit-remaining, x-rate-limit-reset epoch seconds.
  // Mastodon: x-ratelimit-remaining, x-ratelimit-reset ISO time.
  // IETF draft (Bluesky): ratelimit-remaining, ratelimit-reset seconds (or epoch on some servers).
  const remaining =
    headers['x-ratelimit-remaining'] ?? headers['x-rate-limit-remaining'] ?? headers['ratelimit-remaining'];
  if (remaining === undefined || Number(remaining) >= 1) return undefined;
  const reset = headers['x-ratelimit-reset'] ?? headers['x-rate-limit-reset'] ?? headers['ratelimit-reset'];
  if (reset === undefined) return undefined;
  const n = Number(reset);
  if (Number.isFinite(n)) return n > 1e9 ? Math.max(0, n * 1000 - now) : Math.max(0, n * 1000);
  const at = Date.parse(reset);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function charsetOf(contentType: string | undefined): string | undefined {
  const m = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return m?.[1];
}

function decodeBody(buf: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') return buf.toString('utf8');
  return iconv.encodingExists(cs) ? iconv.decode(buf, cs) : buf.toString('utf8');
}

function makeResponse(
  url: string,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): HttpResponse {
  return {
    url,
    status,
    headers,
    body,
    text: (charset) => decodeBody(body, charset ?? charsetOf(headers['content-type'])),
    json<T>(): T {
      const text = decodeBody(body, charsetOf(headers['content-type'])).replace(/^\uFEFF/, '');
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        const looksHtml = /^\s*</.test(text);
        throw new SourceFault(
          looksHtml ? 'schema-changed' : 'parse-error',
          looksHtml ? 'expected JSON, got an HTML page' : 'malformed JSON body',
          {
            cause,
            context: { url, bytes: body.length },
          },
        );
      }
    },
  };
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function classify(err: unknown): FetchFailure {
  const code = (err as { code?: string })?.code ?? '';
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
  if (
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  )
    return 'reset';
  return 'reset';
}

/**
 * The HTTP client every collector (and alert channel) uses.
 *
 * @example
 * const http = createHttpClient({ clock, log, allowPrivate: ['127.0.0.0/8'] });
 * const res = await http.get('https://hn.algolia.com/api/v1/search_by_date', { query: { query: 'acme' } });
 */
export function createHttpClient(opts: HttpClientOptions = {}): HttpClient {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLogger();
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const retries = opts.retries ?? 3;
  const maxWait = opts.maxRetryWaitMs ?? 60_000;
  const base = opts.backoffBaseMs ?? 500;
  const random = opts.random ?? Math.random;
  const guard = { allowCidrs: opts.allowPrivate ?? [], allowPrivateNetwork: opts.allowPrivateNetwork };
  const dispatcher: Dispatcher =
    opts.dispatcher ??
    (opts.proxy
      ? new ProxyAgent({ uri: opts.proxy })
      : createGuardedDispatcher({ ...guard, connectTimeoutMs: opts.timeouts?.connectMs }));
  const gates = new Map<string, HostGate>();
  const breakerLimit = opts.breaker?.failures ?? 5;
  const coolDown = opts.breaker?.coolDownMs ?? 5 * 60_000;
  let failures = 0;
  let openUntil = 0;

  const gate = (host: string) => {
    let g = gates.get(host);
    if (!g) {
      g = new HostGate(
        opts.hostLimits?.[host] ?? PLATFORM_LIMITS[host] ?? opts.defaultLimit ?? DEFAULT_LIMIT,
        clock,
      );
      gates.set(host, g);
    }
    return g;
  };

  async function once(url: URL, o: HttpRequestOptions): Promise<HttpResponse> {
    guardUrl(url, guard);
    const g = gate(url.host);
    await g.acquire(o.signal);
    const cap = o.maxBytes ?? maxBytes;
    try {
      const timeoutSignal = AbortSignal.timeout(
        o.timeoutMs ?? (opts.timeouts?.headersMs ?? 30_000) + (opts.timeouts?.bodyMs ?? 30_000),
      );
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
          headersTimeout: o.timeoutMs ?? opts.timeouts?.headersMs ?? 30_000,
          bodyTimeout: o.timeoutMs ?? opts.timeouts?.bodyMs ?? 30_000,
          maxRedirections: 0,
        } as Parameters<typeof request>[1]);
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err;
        if (cause instanceof EarshotError) throw cause;
        if (o.signal?.aborted)
          throw new FetchError('request aborted', { url: url.toString(), failure: 'aborted', cause: err });
        const failure = timeoutSignal.aborted ? 'timeout' : classify(cause);
        throw new FetchError(`${failure} while requesting`, { url: url.toString(), failure, cause: err });
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
              url: url.toString(),
              failure: 'too-large',
              status: res.statusCode,
            });
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        if (err instanceof FetchError) throw err;
        const failure = timeoutSignal.aborted ? 'timeout' : 'truncated';
        throw new FetchError(`${failure}: the response body ended early`, {
          url: url.toString(),
          failure,
          status: res.statusCode,
          cause: err,
        });
      }
      let body = Buffer.concat(chunks);
      const declared = headers['content-length'];
      if (
        declared !== undefined &&
        !headers['content-encoding'] &&
        Number(declared) > body.length &&
        o.method !== 'HEAD'
      ) {
        throw new FetchError(`truncated: ${body.length} of ${declared} bytes`, {
          url: url.toString(),
          failure: 'truncated',
          status: res.statusCode,
        });
      }
      const enc = (headers['content-encoding'] ?? '').toLowerCase();
      if (body.length > 0 && enc && enc !== 'identity') {
        try {
          body = enc.includes('br')
            ? brotliDecompressSync(body)
            : enc.includes('gzip')
              ? gunzipSync(body)
              : enc.includes('deflate')
                ? inflateSync(body)
                : body;
        } catch (cause) {
          throw new FetchError(`truncated: cannot decode ${enc} body`, {
            url: url.toString(),
            failure: 'truncated',
            status: res.statusCode,
            cause,
          });
        }
        if (body.length > cap)
          throw new FetchError(`response body over ${cap} bytes`, {
            url: url.toString(),
            failure: 'too-large',
            status: res.statusCode,
          });
      }
      const wait = rateLimitWaitMs(headers, clock.now().getTime());
      if (wait !== undefined && wait > 0)
        g.blockedUntil = Math.max(g.blockedUntil, clock.now().getTime() + Math.min(wait, maxWait));
      const accepted = o.acceptStatus
        ? o.acceptStatus.includes(res.statusCode)
        : (res.statusCode >= 200 && res.statusCode < 300) || res.statusCode === 304;
      if (!accepted) {
        throw new FetchError(`upstream answered ${res.statusCode}`, {
          url: url.toString(),
          failure: 'status',
          status: res.statusCode,
          retryAfterMs:
            res.statusCode === 429 || res.statusCode >= 500
              ? rateLimitWaitMs(headers, clock.now().getTime())
              : undefined,
        });
      }
      return makeResponse(url.toString(), res.statusCode, headers, body);
    } finally {
      g.release();
    }
  }

  async function requestWithRetry(rawUrl: string, o: HttpRequestOptions = {}): Promise<HttpResponse> {
    const url = new URL(rawUrl);
    for (const [k, v] of Object.entries(o.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const now = clock.now().getTime();
    if (openUntil > now) {
      throw new EarshotError(
        'CIRCUIT_OPEN',
        `circuit open after ${failures} consecutive failures; next try after ${new Date(openUntil).toISOString()}`,
        {
          retry: true,
          context: { host: url.host },
        },
      );
    }
    const attempts = (o.retries ?? retries) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await once(url, o);
        failures = 0;
        return r;
      } catch (err) {
        const retryable = err instanceof EarshotError && err.retry;
        if (!retryable || attempt >= attempts) {
          if (retryable || (err instanceof FetchError && err.failure !== 'status')) {
            if (++failures >= breakerLimit) openUntil = clock.now().getTime() + coolDown;
          }
          throw err;
        }
        const asked = err instanceof FetchError ? err.retryAfterMs : undefined;
        const backoff = Math.min(maxWait, base * 2 ** (attempt - 1)) * (0.5 + random() / 2);
        const wait = asked !== undefined ? asked : backoff;
        if (wait > maxWait) throw err;
        log.debug(
          { url: url.host, attempt, waitMs: Math.round(wait), err: (err as Error).message },
          'retrying request',
        );
        await clock.sleep(wait, o.signal);
      }
    }
  }

  return {
    request: requestWithRetry,
    get: (url, o) => requestWithRetry(url, { ...o, method: 'GET' }),
  };
}
