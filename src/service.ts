import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { count, eq } from 'drizzle-orm';
import { createAlertEngine } from '../alerts/engine.ts';
import { apiKeys, sources } from '../db/schema/index.ts';
import { createApp } from './api/app.ts';
import { answerClientErrors, MAX_HEADER_BYTES } from './api/server.ts';
import { controlSocketPath, serveCommands } from './cli/remote.ts';
import { syncConfig } from './config/sync.ts';
import type { Deps } from './deps.ts';
import { EarshotError } from './errors.ts';
import { newId } from './ids.ts';
import { closeInterruptedRuns, startSourceRun } from './pipeline/run-source.ts';
import { runDailyProfileJob } from './profiles/erase.ts';
import { generateApiKey } from './secrets.ts';

/** (Re)register one scheduler job per enabled source. */
export async function scheduleSources(deps: Deps): Promise<number> {
  for (const j of deps.scheduler.jobs()) if (j.name.startsWith('source:')) deps.scheduler.remove(j.name);
  const rows = await deps.db.select().from(sources).where(eq(sources.enabled, true));
  for (const s of rows) {
    deps.scheduler.add({
      name: `source:${s.name}`,
      cron: s.schedule,
      run: async (signal) => {
        // Re-read the row: it may have changed since it was scheduled.
        const cur = (await deps.db.select().from(sources).where(eq(sources.id, s.id)).limit(1))[0];
        // A run started meanwhile (POST /v1/sources/{id}/run, a forwarded collect) is joined.
        if (cur?.enabled) await startSourceRun(deps, cur, { signal }).done;
      },
    });
  }
  return rows.length;
}

/** On a brand-new installation, create an admin key so the newcomer can call the API at once. */
export async function ensureFirstKey(deps: Deps): Promise<string | null> {
  const [row] = await deps.db.select({ n: count() }).from(apiKeys);
  if ((row?.n ?? 0) > 0) return null;
  const k = generateApiKey();
  await deps.mutate({ actor: 'system', action: 'key.create', entityType: 'api_key' }, async (tx) => {
    const id = newId('key');
    await tx.insert(apiKeys).values({
      id,
      name: 'first-admin',
      role: 'admin',
      hash: k.hash,
      prefix: k.prefix,
      createdAt: deps.clock.now(),
    });
    return { result: null, entityId: id, after: { name: 'first-admin', role: 'admin', prefix: k.prefix } };
  });
  return k.key;
}

type FetchHandler = Parameters<typeof createAdaptorServer>[0]['fetch'];

/** An HTTP port bound before anything else starts; requests wait until `serve` is called. */
export interface Listener {
  port: number;
  host: string;
  url: string;
  serve(fetch: FetchHandler): void;
  close(): Promise<void>;
}

/**
 * Bind the HTTP port first, so a port that is taken (or not allowed) fails with one clear line
 * before the database is touched and before the first admin key is stored. Requests arriving
 * while the service starts wait for it instead of being refused.
 *
 * @example
 * const l = await bindPort(8787, '127.0.0.1'); ...; l.serve(app.fetch);
 */
export async function bindPort(port: number, host: string): Promise<Listener> {
  let handler: FetchHandler | undefined;
  let open: () => void = () => {};
  const gate = new Promise<void>((r) => {
    open = r;
  });
  const server = createAdaptorServer({
    fetch: async (req: Request, env: unknown) => {
      await gate;
      return (handler as (r: Request, e: unknown) => Response | Promise<Response>)(req, env);
    },
    hostname: host,
    port,
    serverOptions: { maxHeaderSize: MAX_HEADER_BYTES },
  } as Parameters<typeof createAdaptorServer>[0]);
  answerClientErrors(server as Server);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE')
        reject(
          new EarshotError(
            'CONFLICT',
            `port ${port} on ${host} is already in use (another Earshot or another program listens on ${where}): stop it, or start on another port with --port N (or PORT=N)`,
          ),
        );
      else if (e.code === 'EACCES')
        reject(
          new EarshotError(
            'CONFLICT',
            `not allowed to listen on ${where}: choose a port above 1023 with --port N`,
          ),
        );
      else if (e.code === 'EADDRNOTAVAIL')
        reject(
          new EarshotError(
            'CONFLICT',
            `${host} is not an address of this machine: set --host (or server.host)`,
          ),
        );
      else reject(e);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: actualPort,
    host,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    serve(fetch) {
      handler = fetch;
      open();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * API plus schedules, in one process. The port is bound first (or `listener` is one already
 * bound), then runs a killed process left open are closed as interrupted, the first admin key
 * is made on a new installation, and on PGlite the control socket starts, through which CLI
 * commands run in this process while it holds the database (src/cli/remote.ts).
 */
export async function startService(
  deps: Deps,
  opts: { port?: number; host?: string; listener?: Listener } = {},
): Promise<RunningService> {
  const log = deps.log.child({ component: 'service' });
  const listener =
    opts.listener ??
    (await bindPort(
      opts.port ?? deps.config.env.port ?? deps.config.config.server.port,
      opts.host ?? deps.config.config.server.host,
    ));
  const synced = await syncConfig(deps);
  log.info(synced, 'config synced');
  const interrupted = await closeInterruptedRuns(deps);
  if (interrupted) log.warn({ runs: interrupted }, 'closed source runs a stopped process left running');
  const firstKey = await ensureFirstKey(deps);
  if (firstKey) {
    process.stderr.write(
      `\nCreated the first admin API key (shown once; store it now):\n\n  ${firstKey}\n\nUse it as "Authorization: Bearer <key>". More keys: earshot keys create --role viewer --name NAME (works while the service runs), or POST /v1/keys\n\n`,
    );
  }
  let rescheduling = Promise.resolve(0);
  const onSourcesChanged = () => {
    rescheduling = rescheduling
      .then(() => scheduleSources(deps))
      .catch((err) => {
        log.error({ err }, 'rescheduling failed');
        return 0;
      });
  };
  const app = createApp(deps, { onSourcesChanged });
  const n = await scheduleSources(deps);
  const url = listener.url;
  // Alerting: detection after each batch, persisted escalation timers, the outbox dispatcher, digests.
  const alerts = createAlertEngine(deps, { publicUrl: deps.config.config.server.publicUrl ?? url });
  alerts.start();
  // Retention, influence recompute and customer tags once a day (src/profiles/erase.ts).
  deps.scheduler.add({ name: 'profiles:daily', cron: '17 3 * * *', run: () => runDailyProfileJob(deps) });
  deps.scheduler.start();
  listener.serve(app.fetch);
  let control: { close(): Promise<void> } | undefined;
  const lock = deps.handle.lock;
  if (lock) {
    const socketPath = controlSocketPath(deps.config.env.dataDir);
    try {
      const { runInService } = await import('./cli/main.ts');
      control = await serveCommands({ socketPath, log, run: (req, io) => runInService(deps, req, io) });
      lock.update({ socket: socketPath, url });
    } catch (err) {
      // CLI commands then refuse with a message instead of opening the database a second time.
      log.error({ err }, 'control socket unavailable: CLI commands cannot reach this service');
      lock.update({ url });
    }
  }
  log.info({ url, sources: n, database: deps.handle.kind }, 'earshot is listening');
  return {
    url,
    port: listener.port,
    async stop() {
      await control?.close();
      await listener.close();
      await alerts.stop();
      await deps.close();
    },
  };
}
