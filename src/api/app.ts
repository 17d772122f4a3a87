import { sql } from 'drizzle-orm';
import { bodyLimit } from 'hono/body-limit';
import { dashboardRoutes } from '../dashboard/serve.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { createAuthenticator, requireAuth } from './auth.ts';
import { errorBody, handleError, isDatabaseUnavailable, withDeadline } from './errors.ts';
import { jsonBodyGuard, urlGuard } from './input.ts';
import { analyticsRoutes } from './routes/analytics.ts';
import { authorRoutes } from './routes/authors.ts';
import { brandRoutes } from './routes/brands.ts';
import { customerRoutes } from './routes/customers.ts';
import { ackRoutes, incidentRoutes } from './routes/incidents.ts';
import { ingestRoutes } from './routes/ingest.ts';
import { keyRoutes } from './routes/keys.ts';
import { labelRoutes } from './routes/labels.ts';
import { mentionRoutes } from './routes/mentions.ts';
import { reportRoutes } from './routes/reports.ts';
import { segmentRoutes } from './routes/segments.ts';
import { sourceRunRoutes } from './routes/source-runs.ts';
import { sourceRoutes } from './routes/sources.ts';
import { type StreamOptions, streamRoutes } from './routes/stream.ts';
import { router } from './types.ts';

export interface AppOptions {
  /** Called after a source is created, changed or deleted (the service reschedules). */
  onSourcesChanged?: () => void;
  /** SSE heartbeat and queue limits (tests shorten them). */
  stream?: StreamOptions;
  /** How long `/readyz` waits for the database before answering 503 (default 2 s). */
  readinessTimeoutMs?: number;
}

/**
 * The HTTP API. Everything under /v1 needs `Authorization: Bearer <key>`; viewers may only
 * read. Errors always use the `{ error: { code, message, field?, requestId } }` envelope.
 *
 * @example
 * const app = createApp(deps); const res = await app.request('/healthz');
 */
export function createApp(deps: Deps, opts: AppOptions = {}) {
  const app = router();
  const log = deps.log.child({ component: 'api' });

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : newId('req');
    c.set('requestId', requestId);
    c.set('log', log.child({ reqId: requestId }));
    c.header('x-request-id', requestId);
    c.header('x-content-type-options', 'nosniff');
    await next();
  });
  app.use('*', urlGuard());

  app.onError(handleError);
  app.notFound((c) =>
    errorBody(c, 'NOT_FOUND', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // Bounded: a database that accepts connections but never answers must not hang the probe.
  const readinessTimeoutMs = opts.readinessTimeoutMs ?? 2_000;
  app.get('/readyz', async (c) => {
    try {
      await withDeadline(deps.db.select({ one: sql`1` }).from(sql`(select 1) as t`), readinessTimeoutMs);
      return c.json({ status: 'ready', database: deps.handle.kind });
    } catch (err) {
      if (!isDatabaseUnavailable(err)) c.get('log').error({ err }, 'readiness probe failed');
      return errorBody(c, 'SERVICE_UNAVAILABLE', `the ${deps.handle.kind} database is not answering`);
    }
  });

  // Signed one-click acknowledge links carry their own credential: mounted before the key check.
  app.route('/', ackRoutes(deps));
  // The dashboard (static, public; it asks for a key) and the SSE stream (Bearer or ?key=, since
  // EventSource cannot send headers) authenticate on their own.
  app.route('/', dashboardRoutes());
  app.route('/', streamRoutes(deps, opts.stream));

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.config.config.server.maxBodyBytes,
      onError: (c) =>
        errorBody(
          c,
          'PAYLOAD_TOO_LARGE',
          `request body over ${deps.config.config.server.maxBodyBytes} bytes`,
        ),
    }),
  );
  app.use('/v1/*', requireAuth(createAuthenticator(deps.db, deps.clock)));
  app.use('/v1/*', jsonBodyGuard({ skip: ['/v1/ingest'] }));

  app.route('/', mentionRoutes(deps));
  app.route('/', ingestRoutes(deps));
  app.route('/', brandRoutes(deps));
  app.route('/', sourceRoutes(deps, opts.onSourcesChanged ?? (() => {})));
  app.route('/', incidentRoutes(deps));
  app.route('/', analyticsRoutes(deps));
  app.route('/', authorRoutes(deps));
  app.route('/', customerRoutes(deps));
  app.route('/', segmentRoutes(deps));
  app.route('/', reportRoutes(deps));
  app.route('/', labelRoutes(deps));
  app.route('/', keyRoutes(deps));
  app.route('/', sourceRunRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Earshot API',
      version: '1',
      description:
        'Self-hosted social listening: mentions, brands, sources, ingestion. Send `Authorization: Bearer <key>`.',
    },
    security: [{ bearer: [] }],
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
