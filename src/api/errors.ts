import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formatPath } from '../config/load.ts';
import { EarshotError, type ErrorCode, ValidationError } from '../errors.ts';

/** The closed list of codes an API client can see. */
export const apiErrorCodes = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'PAYLOAD_TOO_LARGE',
  'URI_TOO_LONG',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'INTERNAL',
  'SERVICE_UNAVAILABLE',
] as const;
export type ApiErrorCode = (typeof apiErrorCodes)[number];

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(apiErrorCodes),
      message: z.string(),
      field: z.string().optional().openapi({ example: 'sources[2].url' }),
      requestId: z.string(),
      details: z
        .array(z.object({ index: z.number().optional(), field: z.string(), message: z.string() }))
        .optional(),
    }),
  })
  .openapi('Error');

export const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
};

/** Seconds a client is told to wait (`Retry-After`) when the database is unreachable. */
export const RETRY_AFTER_UNAVAILABLE_S = 5;

function toApiCode(code: ErrorCode): ApiErrorCode {
  if ((apiErrorCodes as readonly string[]).includes(code)) return code as ApiErrorCode;
  if (code === 'QUERY_SYNTAX' || code === 'CONFIG') return 'BAD_REQUEST';
  return 'INTERNAL';
}

export interface ErrorExtra {
  field?: string;
  details?: { index?: number; field: string; message: string }[];
  /** Response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

export function errorBody(c: Context, code: ApiErrorCode, message: string, extra: ErrorExtra = {}) {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  const { headers, ...rest } = extra;
  for (const [k, v] of Object.entries(headers ?? {})) c.header(k, v);
  if (code === 'SERVICE_UNAVAILABLE' && !headers?.['retry-after'])
    c.header('retry-after', String(RETRY_AFTER_UNAVAILABLE_S));
  // Typed as a plain Response so it can be returned from any route, whatever its declared responses.
  return c.json({ error: { code, message, ...rest, requestId } }, STATUS[code]) as unknown as Response;
}

/** The envelope as a bare `Response`, for answers written outside a hono context. */
export function errorResponse(code: ApiErrorCode, message: string, requestId: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (code === 'SERVICE_UNAVAILABLE') headers['retry-after'] = String(RETRY_AFTER_UNAVAILABLE_S);
  return new Response(JSON.stringify({ error: { code, message, requestId } }), {
    status: STATUS[code],
    headers,
  });
}

export class ApiError extends EarshotError {
  constructor(
    readonly apiCode: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    // The API's codes are a superset of the core ones (415, 503…); `apiCode` is what handlers read.
    super(apiCode as ErrorCode, message);
  }
}

const BY_STATUS = new Map<number, ApiErrorCode>(
  (Object.entries(STATUS) as [ApiErrorCode, number][]).map(([code, status]) => [status, code]),
);

/** Node socket errors and driver codes that mean "the database cannot be reached right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // postgres.js
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  // PostgreSQL: admin/crash shutdown, starting up, too many connections, out of memory/disk
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53000',
  '53100',
  '53200',
]);

/** The error and its causes (drizzle wraps driver errors in `DrizzleQueryError`). */
function* causes(err: unknown): Generator<Record<string, unknown>> {
  let e = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    yield e as Record<string, unknown>;
    e = (e as { cause?: unknown }).cause;
  }
}

/**
 * Is this the database being unavailable (refused, reset, timed out, shutting down, a closed
 * embedded database, a statement timeout) rather than a bug? Such errors answer 503 with
 * `Retry-After`, everywhere.
 *
 * @example
 * isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // true
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    // 57014: query_canceled, which a statement_timeout raises.
    if (code === '57014') return true;
    if (e instanceof DatabaseTimeout) return true;
    if (typeof e.message === 'string' && /^PGlite is clos(ed|ing)$/.test(e.message)) return true;
  }
  return false;
}

/** A database call that did not finish within its deadline (see `withDeadline`). */
export class DatabaseTimeout extends Error {
  constructor(ms: number) {
    super(`database did not answer within ${ms} ms`);
  }
}

/** Reject with `DatabaseTimeout` when `p` takes longer than `ms` (the call itself is not cancelled). */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(ms)), ms);
    timer.unref?.();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * PostgreSQL data exceptions a request value can cause when validation missed it (a NUL byte or
 * a lone surrogate in text, a number or date out of range): the client's fault, so a 400.
 */
const BAD_VALUE_CODES = new Set(['22021', '22P05', '22P02', '22003', '22007', '22008', '22001', '22025']);

function badValue(err: unknown): string | undefined {
  for (const e of causes(err)) {
    if (typeof e.code === 'string' && BAD_VALUE_CODES.has(e.code) && typeof e.message === 'string')
      return e.message;
  }
  return undefined;
}

/** `app.onError`: every thrown error becomes the one envelope; internals are never leaked. */
export function handleError(err: Error, c: Context) {
  const log = c.get('log' as never) as
    | { error: (o: unknown, m: string) => void; warn: (o: unknown, m: string) => void }
    | undefined;
  if (err instanceof HTTPException) {
    const code = BY_STATUS.get(err.status) ?? (err.status >= 500 ? undefined : 'BAD_REQUEST');
    if (code && code !== 'INTERNAL') {
      const message =
        code === 'UNSUPPORTED_MEDIA_TYPE'
          ? `unsupported Content-Type ${JSON.stringify(c.req.header('content-type') ?? '')}: send application/json`
          : err.message || code.toLowerCase().replace(/_/g, ' ');
      return errorBody(c, code, message);
    }
  }
  if (err instanceof ApiError) return errorBody(c, err.apiCode, err.message, { field: err.field });
  if (err instanceof ValidationError) return errorBody(c, 'BAD_REQUEST', err.message, { field: err.field });
  if (err instanceof EarshotError && err.code !== 'INTERNAL') {
    const code = toApiCode(err.code);
    if (code !== 'INTERNAL')
      return errorBody(c, code, err.message, { field: (err as { field?: string }).field });
  }
  if (err instanceof z.ZodError) {
    const i = err.issues[0];
    return errorBody(c, 'BAD_REQUEST', i?.message ?? 'invalid input', {
      field: i ? formatPath(i.path) : undefined,
    });
  }
  if (isDatabaseUnavailable(err)) {
    log?.warn({ err }, 'database unavailable');
    return errorBody(c, 'SERVICE_UNAVAILABLE', 'the database is unavailable; retry shortly');
  }
  const bad = badValue(err);
  if (bad) {
    // Validation should have caught it: logged so the missing check can be added.
    log?.warn({ err }, 'request value refused by the database');
    return errorBody(c, 'BAD_REQUEST', `a value in the request cannot be stored: ${bad}`);
  }
  log?.error({ err }, 'unhandled error');
  return errorBody(c, 'INTERNAL', 'internal error');
}

/** zod-openapi `defaultHook`: a 400 naming the field of the first issue. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target?: string },
  c: Context,
) {
  if (!result.success) {
    const i = result.error.issues[0];
    const where = 'target' in result && result.target === 'query' ? 'query.' : '';
    const field = i ? `${where}${formatPath(i.path)}` : undefined;
    return errorBody(c, 'BAD_REQUEST', i ? `${field}: ${i.message}` : 'invalid input', { field });
  }
  return undefined;
}
