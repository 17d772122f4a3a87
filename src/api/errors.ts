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
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL',
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

const STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

function toApiCode(code: ErrorCode): ApiErrorCode {
  if ((apiErrorCodes as readonly string[]).includes(code)) return code as ApiErrorCode;
  if (code === 'QUERY_SYNTAX' || code === 'CONFIG') return 'BAD_REQUEST';
  return 'INTERNAL';
}

export function errorBody(
  c: Context,
  code: ApiErrorCode,
  message: string,
  extra: { field?: string; details?: { index?: number; field: string; message: string }[] } = {},
) {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  // Typed as a plain Response so it can be returned from any route, whatever its declared responses.
  return c.json({ error: { code, message, ...extra, requestId } }, STATUS[code]) as unknown as Response;
}

export class ApiError extends EarshotError {
  constructor(
    readonly apiCode: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(apiCode, message);
  }
}

/** `app.onError`: every thrown error becomes the one envelope; internals are never leaked. */
export function handleError(err: Error, c: Context) {
  if (err instanceof HTTPException) {
    const byStatus: Partial<Record<number, ApiErrorCode>> = {
      400: 'BAD_REQUEST',
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      413: 'PAYLOAD_TOO_LARGE',
      429: 'RATE_LIMITED',
    };
    const code = byStatus[err.status];
    if (code) return errorBody(c, code, err.message || code.toLowerCase().replace(/_/g, ' '));
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
  const log = c.get('log' as never) as { error: (o: unknown, m: string) => void } | undefined;
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
