import { EarshotError, FetchError } from '../../../src/errors.ts';
import type { ChannelContext, DeliveryResult, HttpResponse } from '../../types.ts';

/**
 * Shared HTTP delivery for channels: one attempt, every status handed back, mapped to a
 * `DeliveryResult`.
 *
 * Why `retries: 0`: the outbox owns retries (with the idempotency key and Retry-After), so
 * a client-level retry would double-send on a timeout that the provider in fact accepted.
 * Why accept every status: the body of a 4xx says what is wrong with the config, and the
 * channel, not the client, knows which 2xx bodies are failures (Feishu, DingTalk, WeCom).
 */
const ALL_STATUSES = Array.from({ length: 500 }, (_, i) => i + 100);

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Inspect a 2xx response; return a failure for a 200 that carries an error code. */
  interpret?: (res: HttpResponse) => DeliveryResult;
}

export async function postBody(
  ctx: ChannelContext,
  url: string,
  body: string,
  opts: PostOptions = {},
): Promise<DeliveryResult> {
  let res: HttpResponse;
  try {
    res = await ctx.http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...opts.headers },
      body,
      acceptStatus: ALL_STATUSES,
      retries: 0,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: 64 * 1024,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    return fromError(err);
  }
  if (res.status >= 200 && res.status < 300) return opts.interpret ? opts.interpret(res) : { ok: true };
  return fromStatus(ctx, res);
}

export function postJson(
  ctx: ChannelContext,
  url: string,
  payload: unknown,
  opts: PostOptions = {},
): Promise<DeliveryResult> {
  return postBody(ctx, url, JSON.stringify(payload), opts);
}

/** 408/429/5xx retry (honouring Retry-After); any other status does not. */
export function fromStatus(ctx: ChannelContext, res: HttpResponse): DeliveryResult {
  const retry = res.status === 408 || res.status === 429 || res.status >= 500;
  const retryAfterMs = retry ? parseRetryAfter(res.headers['retry-after'], ctx.clock.now()) : undefined;
  return {
    ok: false,
    retry,
    status: res.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    error: `HTTP ${res.status}${snippet(res)}`,
  };
}

/** A thrown transport error as a result. An abort (shutdown) is retried: nothing was confirmed. */
export function fromError(err: unknown): DeliveryResult {
  if (err instanceof FetchError) {
    const retry = err.failure === 'aborted' ? true : err.retry;
    return {
      ok: false,
      retry,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
      error: `${err.failure}: ${err.message}`,
    };
  }
  if (err instanceof EarshotError)
    return { ok: false, retry: err.retry, error: `${err.code}: ${err.message}` };
  return { ok: false, retry: true, error: err instanceof Error ? err.message : String(err) };
}

/** A failure reported in a 2xx body (provider error code); `retry` decided by the caller. */
export function bodyFailure(
  res: HttpResponse,
  code: number | string,
  msg: string,
  retry: boolean,
  retryAfterMs?: number,
): DeliveryResult {
  return {
    ok: false,
    retry,
    status: res.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    error: `provider error ${code}: ${msg.slice(0, 200)}`,
  };
}

/** Retry-After as delta-seconds or an HTTP date; capped at a day. */
export function parseRetryAfter(v: string | undefined, now: Date): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(s)) ms = Math.round(Number(s) * 1000);
  else {
    const at = Date.parse(s);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(0, ms), 86_400_000);
}

/** Parse a JSON body without throwing; undefined when it is not JSON. */
export function jsonBody(res: HttpResponse): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(res.text()) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function snippet(res: HttpResponse): string {
  const t = res.text().replace(/\s+/g, ' ').trim().slice(0, 200);
  return t ? `: ${t}` : '';
}
