/**
 * What collectors use of the HTTP layer besides `ctx.http`: reading a platform's rate-limit
 * headers (a quota reset). The client itself lives in `src/net/http.ts` and reaches a collector
 * only through its context.
 */
export { rateLimitWaitMs } from '../../src/net/rate-limit.ts';
