import type { serve } from '@hono/node-server';
import { count, eq } from 'drizzle-orm';
import { createAlertEngine } from '../alerts/engine.ts';
import { apiKeys, sources } from '../db/schema/index.ts';
import { createApp } from './api/app.ts';
import { serveApi } from './api/server.ts';
import { syncConfig } from './config/sync.ts';
import type { Deps } from './deps.ts';
import { newId } from './ids.ts';
import { runSource } from './pipeline/run-source.ts';
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
        if (cur?.enabled) await runSource(deps, cur, { signal });
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

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** API plus schedules, in one process. */
export async function startService(
  deps: Deps,
  opts: { port?: number; host?: string } = {},
): Promise<RunningService> {
  const log = deps.log.child({ component: 'service' });
  const synced = await syncConfig(deps);
  log.info(synced, 'config synced');
  const firstKey = await ensureFirstKey(deps);
  if (firstKey) {
    process.stderr.write(
      `\nCreated the first admin API key (shown once; store it now):\n\n  ${firstKey}\n\nUse it as "Authorization: Bearer <key>". More keys: earshot keys create --role viewer --name NAME\n\n`,
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
  const port = opts.port ?? deps.config.env.port ?? deps.config.config.server.port;
  const host = opts.host ?? deps.config.config.server.host;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serveApi({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  // Alerting: detection after each batch, persisted escalation timers, the outbox dispatcher, digests.
  const alerts = createAlertEngine(deps, { publicUrl: deps.config.config.server.publicUrl ?? url });
  alerts.start();
  // Retention, influence recompute and customer tags once a day (src/profiles/erase.ts).
  deps.scheduler.add({ name: 'profiles:daily', cron: '17 3 * * *', run: () => runDailyProfileJob(deps) });
  deps.scheduler.start();
  log.info({ url, sources: n, database: deps.handle.kind }, 'earshot is listening');
  return {
    url,
    port: actualPort,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await alerts.stop();
      await deps.close();
    },
  };
}
