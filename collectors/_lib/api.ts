import { FetchError, SourceFault } from '../../src/errors.ts';
import type { HttpClient, HttpRequestOptions, HttpResponse } from '../../src/net/types.ts';

/**
 * A refused credential or a refusing platform is a source fault the operator must act on, not a
 * network hiccup: 401 becomes `auth-expired`, 403 `blocked`. Everything else passes through.
 */
export function asAuthFault(err: unknown, platform: string): unknown {
  if (err instanceof FetchError && err.status === 401)
    return new SourceFault('auth-expired', `${platform} refused the credentials (401)`, {
      cause: err,
      context: { url: err.url },
    });
  if (err instanceof FetchError && err.status === 403)
    return new SourceFault('blocked', `${platform} refused the request (403)`, {
      cause: err,
      context: { url: err.url },
    });
  return err;
}

/**
 * GET a JSON API: 401/403 as source faults, an HTML page (captcha, login wall, error page) or
 * an empty body where JSON was expected as source faults (see `HttpResponse.json`).
 *
 * @example
 * const { body, res } = await getJson<{ hits: unknown[] }>(ctx.http, url, { query: { q } }, 'hacker-news');
 */
export async function getJson<T = unknown>(
  http: HttpClient,
  url: string,
  opts: Omit<HttpRequestOptions, 'method'>,
  platform: string,
): Promise<{ res: HttpResponse; body: T }> {
  let res: HttpResponse;
  try {
    res = await http.get(url, opts);
  } catch (err) {
    throw asAuthFault(err, platform);
  }
  return { res, body: res.json<T>() };
}

/**
 * A JSON scalar as text (ids, codes), or null for anything else. `String(v)` is not safe on
 * parsed JSON: an object with a `toString` key that is no function throws a TypeError.
 */
export function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint' || typeof v === 'boolean')
    return String(v);
  return null;
}

/** Plain object check for JSON bodies whose shape is not guaranteed. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
