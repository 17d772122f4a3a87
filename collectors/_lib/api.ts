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

/**
 * An account's post count as the canonical author takes it: a finite non-negative integer, or
 * null (strings, negatives, fractions and NaN are not counts).
 *
 * @example
 * postsCountOf(1159) // 1159
 * postsCountOf(-1) // null
 */
export function postsCountOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** Earliest account creation date believed: older values are placeholders (`0001-01-01`, epoch 0). */
const EARLIEST_ACCOUNT = Date.UTC(2000, 0, 1);

/**
 * An account creation timestamp (ISO 8601 text) as an ISO string, or null when it is not a string,
 * does not parse, or is a placeholder before 2000. Never throws.
 *
 * @example
 * accountCreatedAt('2024-09-04T11:55:00.863Z') // '2024-09-04T11:55:00.863Z'
 * accountCreatedAt('0001-01-01T00:00:00.000Z') // null
 */
export function accountCreatedAt(v: unknown): string | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) && t >= EARLIEST_ACCOUNT ? new Date(t).toISOString() : null;
}

/**
 * `postsCount` and `createdAt` of a canonical author from the platform's raw values, each left
 * out when the platform does not give a usable one (see `postsCountOf`, `accountCreatedAt`).
 *
 * @example
 * accountFacts(3, '2026-08-01T00:00:00.000Z') // { postsCount: 3, createdAt: '2026-08-01T00:00:00.000Z' }
 * accountFacts('1.2万', 'soon') // {}
 */
export function accountFacts(
  posts: unknown,
  createdAt: unknown,
): { postsCount?: number; createdAt?: string } {
  const out: { postsCount?: number; createdAt?: string } = {};
  const n = postsCountOf(posts);
  if (n !== null) out.postsCount = n;
  const d = accountCreatedAt(createdAt);
  if (d !== null) out.createdAt = d;
  return out;
}
