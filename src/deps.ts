import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ClassifierDefinition } from '../classifiers/types.ts';
import type { CollectorDefinition } from '../collectors/types.ts';
import { type Db, type DbHandle, type DbOrTx, openDb } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import { type AuditEntry, audit } from '../db/repo/audit.ts';
import { brands } from '../db/schema/index.ts';
import { type Clock, systemClock } from './clock.ts';
import type { RuntimeConfig } from './config/load.ts';
import { EventBus } from './events.ts';
import { newId } from './ids.ts';
import { createLogger, type Logger } from './log.ts';
import type { HttpClient } from './net/types.ts';
import { type ClassifierChain, createClassifierChain } from './pipeline/classify.ts';
import { createPipeline, type Pipeline } from './pipeline/ingest.ts';
import { type BrandMatcher, createBrandMatcher } from './pipeline/match.ts';
import type { RunSummary } from './pipeline/run-source.ts';
import { applyStoredBatch } from './profiles/update.ts';
import { createCronScheduler, type Scheduler } from './scheduler.ts';
import { createSecretBox, resolveSecretKey, type SecretBox } from './secrets.ts';

export interface HttpForOptions {
  allowPrivateNetwork?: boolean;
  rateLimit?: { perMinute: number; concurrency?: number };
  /** Circuit-breaker and limiter scope, usually `source:<id>`. */
  scope: string;
}

/** Everything a handler, command or job needs; built once by `createDeps`. */
export interface Deps {
  config: RuntimeConfig;
  handle: DbHandle;
  db: Db;
  log: Logger;
  clock: Clock;
  secrets: SecretBox;
  /** A 32-byte key for one purpose (`ack-links`), derived from the secret key; never stored. */
  signingKey(purpose: string): Buffer;
  scheduler: Scheduler;
  events: EventBus;
  collectors: readonly CollectorDefinition[];
  classifierDefs: readonly ClassifierDefinition[];
  classifiers: ClassifierChain;
  pipeline: Pipeline;
  /** Current brand matcher; `reloadBrands()` after a brand changes. */
  matcher(): BrandMatcher;
  reloadBrands(): Promise<void>;
  httpFor(opts: HttpForOptions): HttpClient;
  /** Source runs in progress in this process, by source id (one run per source at a time). */
  activeRuns: Map<
    string,
    { runId: string; startedAt: Date; started: Promise<void>; done: Promise<RunSummary> }
  >;
  /** Run a mutation and its audit row in one transaction; return before/after to be audited. */
  mutate<T>(
    entry: Omit<AuditEntry, 'before' | 'after' | 'entityId'>,
    fn: (tx: DbOrTx) => Promise<{ result: T; entityId?: string | null; before?: unknown; after?: unknown }>,
  ): Promise<T>;
  close(): Promise<void>;
}

export interface CreateDepsOptions {
  collectors: readonly CollectorDefinition[];
  classifiers: readonly ClassifierDefinition[];
  httpFactory: (
    opts: HttpForOptions & {
      allowPrivate: string[];
      userAgent?: string;
      proxy?: string;
      clock: Clock;
      log: Logger;
    },
  ) => HttpClient;
  clock?: Clock;
  log?: Logger;
  /** An already-open database (tests share one per file). */
  handle?: DbHandle;
  /** The command opening the database (`start`, `ingest`...), named in the PGlite lock for messages. */
  command?: string;
  scheduler?: Scheduler;
}

export async function createDeps(config: RuntimeConfig, opts: CreateDepsOptions): Promise<Deps> {
  const log = opts.log ?? createLogger({ level: config.env.logLevel });
  const clock = opts.clock ?? systemClock;
  const handle =
    opts.handle ??
    (await openDb({
      url: config.env.databaseUrl,
      dataDir: path.join(config.env.dataDir, 'pglite'),
      command: opts.command,
    }));
  if (!opts.handle) {
    try {
      await migrate(handle);
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  }
  const db = handle.db;
  const { key } = resolveSecretKey(config.env.secretKey, config.env.dataDir);
  const secrets = createSecretBox(key);
  const events = new EventBus();
  const scheduler = opts.scheduler ?? createCronScheduler(log);
  /** Per scope: the client and the settings it was built with. */
  const httpClients = new Map<string, { key: string; client: HttpClient }>();
  const classifiers = createClassifierChain(opts.classifiers, {
    log,
    db,
    disabled: config.config.classifiers.disabled,
    options: withLlmKey(config),
  });

  let matcher: BrandMatcher = createBrandMatcher([]);
  const reloadBrands = async () => {
    const rows = await db
      .select({ id: brands.id, name: brands.name, query: brands.query, settings: brands.settings })
      .from(brands);
    matcher = createBrandMatcher(rows, (b, err) =>
      log.warn({ brand: b.name, err }, 'brand query does not compile; brand skipped'),
    );
  };
  await reloadBrands();

  const pipeline = createPipeline({
    db,
    clock,
    log,
    classifiers,
    matcher: () => matcher,
    settings: config.config.pipeline,
    onCommitted: (e) => events.emit('mentions', e),
    // Author profiles and analytics rollups commit with the batch (src/profiles/update.ts).
    afterStore: (tx, stored) => applyStoredBatch(tx, stored, { profiles: config.config.profiles }),
  });

  const deps: Deps = {
    config,
    handle,
    db,
    log,
    clock,
    secrets,
    signingKey: (purpose) => Buffer.from(hkdfSync('sha256', key, 'earshot-signing', purpose, 32)),
    scheduler,
    events,
    collectors: opts.collectors,
    classifierDefs: opts.classifiers,
    classifiers,
    pipeline,
    matcher: () => matcher,
    reloadBrands,
    activeRuns: new Map(),
    httpFor: (o) => {
      // One client per scope, kept across runs: its per-host buckets, robots.txt cache and
      // circuit breaker must outlive a single run (a run stops at its first failed call, so a
      // breaker rebuilt every run would never open). A changed source entry gets a new client.
      const key = JSON.stringify([o.allowPrivateNetwork ?? false, o.rateLimit ?? null]);
      const held = httpClients.get(o.scope);
      if (held?.key === key) return held.client;
      const client = opts.httpFactory({
        ...o,
        allowPrivate: config.config.network.allowPrivate,
        userAgent: config.config.network.userAgent,
        proxy: config.env.httpsProxy,
        clock,
        log,
      });
      httpClients.set(o.scope, { key, client });
      return client;
    },
    async mutate(entry, fn) {
      return db.transaction(async (tx) => {
        const r = await fn(tx);
        // A call that changed nothing (no before/after) is not a mutation and leaves no audit row.
        if (r.before !== undefined || r.after !== undefined) {
          await audit(
            tx,
            newId('aud'),
            { ...entry, entityId: r.entityId, before: r.before, after: r.after },
            clock.now(),
          );
        }
        return r.result;
      });
    },
    async close() {
      await scheduler.stop();
      if (!opts.handle) await handle.close();
    },
  };
  return deps;
}

/** The LLM classifier gets its key from the environment through config, never by reading env itself. */
function withLlmKey(config: RuntimeConfig): Record<string, Record<string, unknown>> {
  const options: Record<string, Record<string, unknown>> = { ...config.config.classifiers.options };
  // The LLM pass runs only when the config enables it AND a key is in the environment.
  const llm = options.llm ?? {};
  options.llm =
    llm.enabled === true && config.env.anthropicApiKey
      ? { ...llm, apiKey: config.env.anthropicApiKey }
      : { ...llm, enabled: false };
  return options;
}

export const fileExists = (p: string) => existsSync(p);
