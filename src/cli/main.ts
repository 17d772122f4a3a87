import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DbHandle } from '../../db/client.ts';
import { apiKeys, type Role, sourceHealth, sources } from '../../db/schema/index.ts';
import type { RuntimeConfig } from '../config/load.ts';
import type { Deps } from '../deps.ts';
import { ConfigError, EarshotError } from '../errors.ts';
import { newId } from '../ids.ts';
import { registerProfileCommands } from '../profiles/cli.ts';
import { plural } from './plural.ts';
import { progress } from './progress.ts';
import { table } from './table.ts';
import { registerTrainCommand } from './train.ts';

// Heavy modules (collectors, classifiers, the database drivers, the API) are imported inside
// the commands that use them, so `earshot --help` and light commands start quickly.

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`);

async function loadConfig(configPath: string | undefined): Promise<RuntimeConfig> {
  const [{ productionPlugins }, { loadRuntimeConfig, formatConfigWarning }, { validateQuery }] =
    await Promise.all([import('../registry.ts'), import('../config/load.ts'), import('../query/index.ts')]);
  const { collectors } = productionPlugins();
  return loadRuntimeConfig(configPath, {
    collectors,
    validateQuery,
    exists: existsSync,
    onWarning: (w) => err(formatConfigWarning(w)),
  });
}

/** The service's dependencies built from the config, as `start` builds them. */
async function buildDeps(config: RuntimeConfig): Promise<Deps> {
  const [{ productionPlugins }, { createDeps }, { createLogger }] = await Promise.all([
    import('../registry.ts'),
    import('../deps.ts'),
    import('../log.ts'),
  ]);
  return createDeps(config, { ...productionPlugins(), log: createLogger({ level: config.env.logLevel }) });
}

async function withDeps<T>(configPath: string | undefined, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const deps = await buildDeps(await loadConfig(configPath));
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}

/** Commands that need only the database, not a valid config file. */
async function withDb<T>(fn: (h: DbHandle) => Promise<T>): Promise<T> {
  const [{ readEnv }, { openDb }, { migrate }] = await Promise.all([
    import('../config/load.ts'),
    import('../../db/client.ts'),
    import('../../db/migrate.ts'),
  ]);
  const env = readEnv();
  const h = await openDb({ url: env.databaseUrl, dataDir: `${env.dataDir}/pglite` });
  try {
    await migrate(h);
    return await fn(h);
  } finally {
    await h.close();
  }
}

export function buildCli(): Command {
  const program = new Command('earshot')
    .description('Earshot: self-hosted social listening and sentiment monitoring')
    .option(
      '-c, --config <file>',
      'config file (default: $EARSHOT_CONFIG, ./earshot.yaml, then earshot.example.yaml)',
    )
    .showHelpAfterError();
  const cfgPath = () => program.opts<{ config?: string }>().config;

  program
    .command('start')
    .description('run the service: API plus collector schedules')
    .option('-p, --port <port>', 'port (default $PORT or 8787)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .action(async (o: { port?: number; host?: string }) => {
      const deps = await buildDeps(await loadConfig(cfgPath()));
      const { startService } = await import('../service.ts');
      const svc = await startService(deps, { port: o.port, host: o.host });
      err(
        `Earshot listening on ${svc.url} (database: ${deps.handle.kind}; API docs at ${svc.url}/openapi.json)`,
      );
      const shutdown = async (signal: string) => {
        err(`${signal}: shutting down`);
        await svc.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });

  program
    .command('check-config')
    .description('validate the config file and exit (0 when valid)')
    .action(async () => {
      const c = await loadConfig(cfgPath());
      out(
        `${c.file}: ok (${plural(c.config.brands.length, 'brand')}, ${plural(c.config.sources.length, 'source')})`,
      );
    });

  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      await withDb(async (h) => out(`migrations applied (${h.kind})`));
    });

  program
    .command('collect')
    .description('run sources now')
    .requiredOption('--once', 'run each source once and exit')
    .option('-s, --source <name>', 'only this source')
    .option('--dry-run', 'print normalised mentions as JSON lines; store nothing')
    .option('--max-pages <n>', 'stop each source after n pages', (v) => Number.parseInt(v, 10))
    .action(async (o: { source?: string; dryRun?: boolean; maxPages?: number }) => {
      const [{ syncConfig }, { runSource }] = await Promise.all([
        import('../config/sync.ts'),
        import('../pipeline/run-source.ts'),
      ]);
      const code = await withDeps(cfgPath(), async (deps) => {
        await syncConfig(deps);
        let rows = await deps.db.select().from(sources).orderBy(sources.name);
        if (o.source) {
          rows = rows.filter((s) => s.name === o.source);
          if (rows.length === 0) throw new EarshotError('NOT_FOUND', `no source named ${o.source}`);
        } else rows = rows.filter((s) => s.enabled);
        let failed = 0;
        for (const s of rows) {
          const bar = progress(s.name, undefined);
          const r = await runSource(deps, s, {
            dryRun: o.dryRun,
            maxPages: o.maxPages,
            onMention: (m) => out(JSON.stringify(m)),
            onProgress: (p) => bar.update(p.items, { pages: p.pages, stored: p.stored }),
          });
          bar.stop();
          if (r.status === 'fault') failed++;
          err(
            r.status === 'ok'
              ? `${s.name}: ok, ${plural(r.pages, 'page')}, ${plural(r.items, 'item')}, ${r.stored} new, ${r.duplicates} already stored`
              : `${s.name}: FAULT ${r.error?.kind}: ${r.error?.message} (after ${plural(r.pages, 'page')}, ${r.stored} new stored)`,
          );
        }
        return failed ? 1 : 0;
      });
      process.exitCode = code;
    });

  program
    .command('sources')
    .description('source health as a table')
    .option('--json', 'JSON output')
    .action(async (o: { json?: boolean }) => {
      const [{ syncConfig }, { healthView }] = await Promise.all([
        import('../config/sync.ts'),
        import('../pipeline/health.ts'),
      ]);
      await withDeps(cfgPath(), async (deps) => {
        await syncConfig(deps);
        const rows = await deps.db
          .select()
          .from(sources)
          .leftJoin(sourceHealth, eq(sourceHealth.sourceId, sources.id))
          .orderBy(sources.name);
        const views = rows.map((r) => healthView(r.sources, r.source_health ?? undefined, deps.clock.now()));
        if (o.json) return out(JSON.stringify(views, null, 2));
        out(
          table(
            ['source', 'type', 'state', 'last success', 'last error', 'items/run', 'lag'],
            views.map((v) => [
              v.name,
              v.type,
              v.enabled ? v.state : 'disabled',
              v.lastSuccessAt ?? '-',
              v.lastError ? `${v.lastError.kind}: ${v.lastError.message.slice(0, 40)}` : '-',
              String(v.avgItemsPerRun),
              v.lagSeconds === null ? '-' : `${Math.round(v.lagSeconds / 60)}m`,
            ]),
          ),
        );
      });
    });

  program
    .command('ingest')
    .description('push an NDJSON file of mentions through the pipeline (resumes after a crash)')
    .requiredOption('-i, --input <file>', 'NDJSON file, one mention per line (the /v1/ingest shape)')
    .option('--restart', 'ignore the saved position for this file and start from line 1')
    .action(async (o: { input: string; restart?: boolean }) => {
      const [{ syncConfig }, { ingestFile }] = await Promise.all([
        import('../config/sync.ts'),
        import('../pipeline/ingest-file.ts'),
      ]);
      await withDeps(cfgPath(), async (deps) => {
        await syncConfig(deps);
        const bar = progress('ingest', undefined);
        const s = await ingestFile(deps, o.input, {
          restart: o.restart,
          onProgress: (p) => bar.update(p.lines, { stored: p.stored, dup: p.duplicates }),
        });
        bar.stop();
        for (const e of s.errors.slice(0, 20)) err(`${o.input}:${e.index} ${e.field}: ${e.message}`);
        out(
          JSON.stringify({
            file: s.file,
            lines: s.lines,
            resumedAfter: s.skipped,
            stored: s.stored,
            duplicates: s.duplicates,
            updated: s.updated,
            rejected: s.rejected,
          }),
        );
      });
    });

  program
    .command('detect')
    .description(
      'run the production spike detector over a timestamp,value CSV (NAB format); prints {"detections": [...]}',
    )
    .requiredOption('-i, --input <file>', 'CSV with a timestamp,value header, rows in time order')
    .action(async (o: { input: string }) => {
      const { readFileSync } = await import('node:fs');
      const { runDetectCli } = await import('../../alerts/spike.ts');
      try {
        out(runDetectCli(readFileSync(o.input, 'utf8')));
      } catch (e) {
        throw new EarshotError('BAD_REQUEST', `${o.input}: ${(e as Error).message}`);
      }
    });

  program
    .command('classify')
    .description(
      'sentiment of a JSONL file offline: lines {"id","text","lang"?} in, lines {"id","label","score","confidence","lang"} out',
    )
    .requiredOption('-i, --input <file>', 'JSONL file, one {"id","text","lang"?} object per line')
    .option('-o, --output <file>', 'write the results here instead of stdout')
    .option(
      '--llm',
      'refine low-confidence results with the LLM pass (needs ANTHROPIC_API_KEY; otherwise offline)',
    )
    .action(async (o: { input: string; output?: string; llm?: boolean }) => {
      // Only what this command needs, loaded on demand: start-up stays quick.
      const { runClassifyCli } = await import('./classify.ts');
      await runClassifyCli(o, { err });
    });

  registerProfileCommands(program, { withDeps: (fn) => withDeps(cfgPath(), fn), out });
  registerTrainCommand(program, { withDeps: (fn) => withDeps(cfgPath(), fn), out });

  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .description('create a key and print it once')
    .addOption(
      new Option('--role <role>', 'role').choices(['admin', 'editor', 'viewer']).makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'who or what uses the key')
    .action(async (o: { role: Role; name: string }) => {
      const [{ generateApiKey }, { audit }] = await Promise.all([
        import('../secrets.ts'),
        import('../../db/repo/audit.ts'),
      ]);
      await withDb(async (h) => {
        const k = generateApiKey();
        const id = newId('key');
        const now = new Date();
        await h.db.transaction(async (tx) => {
          await tx
            .insert(apiKeys)
            .values({ id, name: o.name, role: o.role, hash: k.hash, prefix: k.prefix, createdAt: now });
          await audit(
            tx,
            newId('aud'),
            {
              actor: 'cli',
              action: 'key.create',
              entityType: 'api_key',
              entityId: id,
              after: { name: o.name, role: o.role, prefix: k.prefix },
            },
            now,
          );
        });
        err(`created ${o.role} key ${id} for "${o.name}"; it is shown once:`);
        out(k.key);
      });
    });
  keys
    .command('list')
    .description('list keys (never the keys themselves)')
    .option('--all', 'include revoked keys')
    .action(async (o: { all?: boolean }) => {
      await withDb(async (h) => {
        const rows = await h.db
          .select()
          .from(apiKeys)
          .where(o.all ? undefined : isNull(apiKeys.revokedAt))
          .orderBy(desc(apiKeys.createdAt));
        out(
          table(
            ['id', 'name', 'role', 'prefix', 'created', 'last used', 'revoked'],
            rows.map((r) => [
              r.id,
              r.name,
              r.role,
              `${r.prefix}…`,
              r.createdAt.toISOString(),
              r.lastUsedAt?.toISOString() ?? '-',
              r.revokedAt?.toISOString() ?? '-',
            ]),
          ),
        );
      });
    });
  keys
    .command('revoke')
    .description('revoke a key by id')
    .argument('<id>')
    .action(async (id: string) => {
      const { audit } = await import('../../db/repo/audit.ts');
      await withDb(async (h) => {
        const now = new Date();
        const done = await h.db.transaction(async (tx) => {
          const r = await tx
            .update(apiKeys)
            .set({ revokedAt: now })
            .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
            .returning({ id: apiKeys.id });
          if (r.length)
            await audit(
              tx,
              newId('aud'),
              { actor: 'cli', action: 'key.revoke', entityType: 'api_key', entityId: id },
              now,
            );
          return r.length > 0;
        });
        if (!done) throw new EarshotError('NOT_FOUND', `no active key ${id}`);
        out(`revoked ${id}`);
      });
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      process.exitCode = 2;
    } else if (e instanceof EarshotError) {
      err(`error: ${e.message}`);
      process.exitCode = 1;
    } else {
      err(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }
  }
}
