/**
 * The HTTP client contract shared by collectors, alert channels and the core. The
 * implementation (`./http.ts`, over undici) adds per-host rate limits, retries, timeouts,
 * a body cap, a circuit breaker and the private-address guard at connect time.
 */
export interface HttpResponse {
  /** Final URL after redirects. */
  url: string;
  status: number;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: Buffer;
  /** Body decoded as UTF-8 unless `charset` is given. */
  text(charset?: string): string;
  /** Body parsed as JSON; a malformed body throws `SourceFault('parse-error')`. */
  json<T = unknown>(): T;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'HEAD' | 'PUT';
  headers?: Record<string, string>;
  body?: string | Buffer;
  query?: Record<string, string | number | boolean | undefined>;
  /** Statuses to hand back instead of throwing (default: 2xx and 304). */
  acceptStatus?: number[];
  /** Per-request timeout override, ms. */
  timeoutMs?: number;
  /** Maximum body bytes (default from the client). */
  maxBytes?: number;
  /** Retries for retryable failures (default from the client). 0 disables. */
  retries?: number;
  signal?: AbortSignal;
}

export interface HttpClient {
  request(url: string, opts?: HttpRequestOptions): Promise<HttpResponse>;
  get(url: string, opts?: Omit<HttpRequestOptions, 'method'>): Promise<HttpResponse>;
}

/** A per-host request budget: requests per minute and requests in flight. */
export interface HostLimit {
  perMinute: number;
  concurrency?: number;
}
