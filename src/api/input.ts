import type { MiddlewareHandler } from 'hono';
import { formatPath } from '../config/load.ts';
import { UNSTORABLE } from '../mention.ts';
import { errorBody } from './errors.ts';

/** Longest path + query accepted; longer URLs get 414 (Node's own header limit is raised above it). */
export const MAX_URL_BYTES = 16 * 1024;
/** Deepest JSON nesting accepted in a request body. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a string cannot be stored, or undefined when it can.
 *
 * @example
 * unstorable('a\u0000b') // 'contains a NUL byte (\\u0000)'
 */
export function unstorable(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000'
    ? 'contains a NUL byte (\\u0000), which cannot be stored'
    : 'contains an unpaired UTF-16 surrogate, which cannot be stored';
}

/**
 * The first problem in a parsed JSON value: a string (key or value) that cannot be stored, or
 * nesting deeper than `maxDepth`. Iterative, so a hostile depth cannot overflow the stack.
 */
export function findUnstorable(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
): { path: (string | number)[]; message: string } | undefined {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) return { path, message: why };
      continue;
    }
    if (!v || typeof v !== 'object') continue;
    if (path.length >= maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      const why = unstorable(k);
      if (why) return { path: [...path, k], message: `key ${why}` };
      stack.push({ v: x, path: [...path, k] });
    }
  }
  return undefined;
}

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;
export const mediaTypeOf = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase();
export const isJsonMediaType = (contentType: string | undefined) => JSON_MEDIA.test(mediaTypeOf(contentType));

function decodePath(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null; // malformed escapes stay literal, as the router leaves them
  }
}

/**
 * URL hygiene before any route: a path + query over `MAX_URL_BYTES` is a 414, and a NUL byte in
 * the path or in a query parameter is a 400 naming it (PostgreSQL cannot compare or store it).
 */
export function urlGuard(): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.url;
    const at = raw.indexOf('/', raw.indexOf('//') + 2);
    const pathAndQuery = at < 0 ? '' : raw.slice(at);
    if (pathAndQuery.length > MAX_URL_BYTES)
      return errorBody(c, 'URI_TOO_LONG', `the URL is over ${MAX_URL_BYTES} bytes`);
    const q = pathAndQuery.indexOf('?');
    const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
    const decoded = decodePath(path);
    if (decoded !== null && unstorable(decoded))
      return errorBody(c, 'BAD_REQUEST', `path: ${unstorable(decoded)}`, { field: 'path' });
    if (q >= 0) {
      for (const [k, v] of new URLSearchParams(pathAndQuery.slice(q + 1))) {
        const why = unstorable(k) ?? unstorable(v);
        if (why) {
          const field = unstorable(k) ? 'query' : `query.${k}`;
          return errorBody(c, 'BAD_REQUEST', `${field}: ${why}`, { field });
        }
      }
    }
    await next();
  };
}

/**
 * JSON body hygiene: the body must be UTF-8, and no string in it may hold a NUL byte or an
 * unpaired surrogate (PostgreSQL rejects both in text and jsonb, which was a 500); a 400 names
 * the field. Malformed JSON is left to the route's validator. Routes that validate items one by
 * one (`/v1/ingest`, where one bad item must not reject the batch) are skipped.
 */
export function jsonBodyGuard(opts: { skip?: readonly string[] } = {}): MiddlewareHandler {
  const skip = new Set(opts.skip ?? []);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return async (c, next) => {
    if (!c.req.raw.body || skip.has(c.req.path) || !isJsonMediaType(c.req.header('content-type')))
      return next();
    const bytes = await c.req.arrayBuffer();
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return errorBody(c, 'BAD_REQUEST', 'body: not valid UTF-8', { field: 'body' });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return next(); // the validator answers "Malformed JSON"
    }
    const bad = findUnstorable(parsed);
    if (bad) {
      const field = formatPath(bad.path) || 'body';
      return errorBody(c, 'BAD_REQUEST', `${field}: ${bad.message}`, { field });
    }
    await next();
  };
}
