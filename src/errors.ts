/**
 * One error hierarchy for the whole service. Every error carries a stable `code`,
 * a `retry` flag (may the same call succeed later?) and a `context` bag for logs.
 *
 * @example
 * throw new FetchError('upstream answered 503', { status: 503, url, retryAfterMs: 2000 });
 */
export type ErrorCode =
  | 'INTERNAL'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'CONFIG'
  | 'FETCH'
  | 'SOURCE_FAULT'
  | 'QUERY_SYNTAX'
  | 'CIRCUIT_OPEN'
  | 'BLOCKED_ADDRESS';

export class EarshotError extends Error {
  readonly code: ErrorCode;
  readonly retry: boolean;
  readonly context: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retry?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retry = opts.retry ?? false;
    this.context = opts.context ?? {};
  }
}

/** A request-level validation failure; `field` is a path like `sources[2].url`. */
export class ValidationError extends EarshotError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, cause?: unknown) {
    super('BAD_REQUEST', message, { context: { field }, cause });
    this.field = field;
  }
}

export class NotFoundError extends EarshotError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${id} not found`, { context: { what, id } });
  }
}

export class ConflictError extends EarshotError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super('CONFLICT', message);
  }
}

/** A config file problem, located as `file:line:col path: message`. */
export class ConfigError extends EarshotError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('CONFIG', issues.map(formatConfigIssue).join('\n'), { context: { issues } });
    this.issues = issues;
  }
}

export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export function formatConfigIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col} ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** Strip credentials from a URL before it reaches a log or an error message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/key|token|secret|sig|password|auth|access/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

export type FetchFailure =
  | 'status'
  | 'timeout'
  | 'reset'
  | 'refused'
  | 'unreachable'
  | 'truncated'
  | 'too-large'
  | 'dns'
  | 'tls'
  | 'aborted';

/**
 * An HTTP request that did not produce a usable response. `retry` is true for 429,
 * 5xx, timeouts, resets and truncated bodies; never for other 4xx.
 */
export class FetchError extends EarshotError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly url: string;
  readonly failure: FetchFailure;

  constructor(
    message: string,
    opts: { url: string; failure: FetchFailure; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    const retry =
      opts.failure === 'status'
        ? opts.status === 429 || (opts.status !== undefined && opts.status >= 500)
        : opts.failure !== 'too-large' && opts.failure !== 'aborted' && opts.failure !== 'tls';
    const url = redactUrl(opts.url);
    super(opts.status === 429 ? 'RATE_LIMITED' : 'FETCH', message, {
      retry,
      cause: opts.cause,
      context: { url, status: opts.status, failure: opts.failure, retryAfterMs: opts.retryAfterMs },
    });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.url = url;
    this.failure = opts.failure;
  }
}

/** The kinds of fault a source can be in; shown in source health. */
export type SourceFaultKind =
  | 'rate-limited'
  | 'auth-expired'
  | 'blocked'
  | 'captcha'
  | 'login-wall'
  | 'parse-error'
  | 'schema-changed'
  | 'empty'
  | 'quota-exhausted'
  | 'network'
  | 'upstream';

/**
 * Fault kinds a retry will not fix: a person has to act (a new cookie, key or quota). A source
 * failing with one is `blocked` in its health, and its `collector-down` alert fires on the first
 * failure instead of waiting for `alerts.collectorDown.afterFailures`.
 */
export const BLOCKING_FAULT_KINDS: ReadonlySet<SourceFaultKind> = new Set<SourceFaultKind>([
  'blocked',
  'captcha',
  'login-wall',
  'auth-expired',
  'quota-exhausted',
]);

/** Whether a stored or reported fault kind is one of `BLOCKING_FAULT_KINDS`. */
export function isBlockingFault(kind: string | null | undefined): boolean {
  return kind !== null && kind !== undefined && BLOCKING_FAULT_KINDS.has(kind as SourceFaultKind);
}

/**
 * The platform answered, but not with what a healthy source returns: a captcha, a login
 * wall, an empty body where items were expected, a changed schema. A source fault is
 * never "no mentions".
 */
export class SourceFault extends EarshotError {
  readonly kind: SourceFaultKind;
  constructor(
    kind: SourceFaultKind,
    message: string,
    opts: { retry?: boolean; cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super('SOURCE_FAULT', message, {
      retry: opts.retry ?? false,
      cause: opts.cause,
      context: { kind, ...opts.context },
    });
    this.kind = kind;
  }
}

/** Map any thrown value to a fault kind for source health. */
export function faultKindOf(err: unknown): SourceFaultKind {
  if (err instanceof SourceFault) return err.kind;
  if (err instanceof FetchError) {
    if (err.status === 429) return 'rate-limited';
    if (err.status === 401) return 'auth-expired';
    if (err.status === 403) return 'blocked';
    if (err.failure === 'status' && err.status !== undefined && err.status >= 500) return 'upstream';
    return 'network';
  }
  if (err instanceof EarshotError && err.code === 'BLOCKED_ADDRESS') return 'blocked';
  if (err instanceof EarshotError && err.code === 'CIRCUIT_OPEN') return 'upstream';
  return 'parse-error';
}

export class QuerySyntaxError extends EarshotError {
  readonly position: number;
  readonly token: string;
  constructor(message: string, position: number, token: string) {
    super('QUERY_SYNTAX', `${message} at position ${position} (near "${token}")`, {
      context: { position, token },
    });
    this.position = position;
    this.token = token;
  }
}
