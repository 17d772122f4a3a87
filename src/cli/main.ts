import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { eq } from 'drizzle-orm';
import { type Role, sourceHealth, sources } from '../../db/schema/index.ts';
import type { RuntimeConfig } from '../config/load.ts';
import type { Deps } from '../deps.ts';
import { ConfigError, EarshotError } from '../errors.ts';
import { registerProfileCommands } from '../profiles/cli.ts';
import { plural } from './plural.ts';
import { type CliRuntime, processIo, serviceRuntime } from './runtime.ts';
import { table } from './table.ts';
import { registerTrainCommand } from './train.ts';

// Heavy modules (collectors, classifiers, the database drivers, the API) are imported inside
// the commands that use them, so `earshot --help` and light commands start quickly.

async function loadConfig(
  configPath: string | undefined,
  warn: (line: string) => void,
): Promise<RuntimeConfig> {
  const [{ productionPlugins }, { loadRuntimeConfig, formatConfigWarning }, { validateQuery }] =
    await Promise.all([import('../registry.ts'), import('../config/load.ts'), import('../query/index.ts')]);
  const { collectors, classifiers, channels } = productionPlugins();
  return loadRuntimeConfig(configPath, {
    collectors,
    classifiers,
    channels,
    validateQuery,
    exists: existsSync,
    onWarning: (w) => warn(formatConfigWarning(w)),
  });
}

/** The service's dependencies built from the config, as `start` builds them. */
async function buildDeps(config: RuntimeConfig, o: { command: string; level: string }): Promise<Deps> {
  const [{ productionPlugins }, { createDeps }, { createLogger }] = await Promise.all([
    import('../registry.ts'),
    import('../deps.ts'),
    import('../log.ts'),
  ]);
  return createDeps(config, {
    ...productionPlugins(),
    log: createLogger({ level: o.level }),
    command: o.command,
  });
}

/** A forwarded command finished in the service with this exit code (nothing more to do here). */
class Forwarded extends Error {
  constructor(readonly code: number) {
    super('forwarded');
  }
}

/**
 * Log level of a command: `start` logs at LOG_LEVEL (default info); other commands print their
 * own summary, so their log lines (JSON on stderr) are only warnings and errors unless
 * `--log-level` or a LOG_LEVEL other than the default asks for more.
 */
function levelFor(command: string, envLevel: string, flag: string | undefined): string {
  if (flag) return flag;
  if (command === 'start') return envLevel;
  return envLevel === 'info' ? 'warn' : envLevel;
}

interface LocalOptions {
  /** The command line after `earshot`, forwarded as is when the service holds the database. */
  args: string[];
  configPath(): string | undefined;
  logLevel(): string | undefined;
  /** The running command's name (`keys create`), for the lock and messages. */
  command(): string;
}

/**
 * The runtime of a command run by `earshot` itself. On PGlite the command takes the data
 * directory's lock; when `earshot start` holds it, the command is forwarded to the service
 * over its control socket (src/cli/remote.ts); when another command holds it, it refuses.
 */
function localRuntime(o: LocalOptions): CliRuntime {
  const io = processIo();

  async function open<T>(opener: () => Promise<T>, dataDir: string): Promise<T> {
    const { DataDirLockedError } = await import('../../db/lock.ts');
    for (;;) {
      try {
        return await opener();
      } catch (e) {
        if (!(e instanceof DataDirLockedError)) throw e;
        if (e.holder?.command !== 'start') throw new EarshotError('CONFLICT', e.message);
        const code = await forward(dataDir);
        if (code !== 'retry') throw new Forwarded(code);
        // The service stopped meanwhile: open the database here after all.
      }
    }
  }

  /** Run this command line in the service; 'retry' when the service has gone meanwhile. */
  async function forward(dataDir: string): Promise<number | 'retry'> {
    const [{ lockHolder }, { controlSocketPath, forwardCommand, RemoteUnavailable }] = await Promise.all([
      import('../../db/lock.ts'),
      import('./remote.ts'),
    ]);
    const pglite = path.join(dataDir, 'pglite');
    const req = {
      v: 1 as const,
      argv: o.args,
      cwd: process.cwd(),
      tty: process.stderr.isTTY === true,
      columns: process.stderr.columns,
    };
    // A service that is still starting (migrating) holds the lock before its socket listens.
    const deadline = Date.now() + 60_000;
    let told = false;
    for (;;) {
      const holder = lockHolder(pglite);
      if (!holder) return 'retry';
      if (holder.command !== 'start')
        throw new EarshotError(
          'CONFLICT',
          `the database in ${pglite} is in use by \`earshot ${holder.command}\` (pid ${holder.pid}); wait for it to finish`,
        );
      if (!holder.socket && holder.url)
        throw new EarshotError(
          'CONFLICT',
          `the service at ${holder.url} (pid ${holder.pid}) holds the database in ${pglite} and has no control socket (see its log); stop it to run this command`,
        );
      if (holder.socket) {
        if (!told) {
          io.err(
            `earshot: the service (pid ${holder.pid}) holds the database; running "${o.command()}" there`,
          );
          told = true;
        }
        try {
          return await forwardCommand(holder.socket ?? controlSocketPath(dataDir), req, {
            stdout: process.stdout,
            stderr: process.stderr,
          });
        } catch (e) {
          if (!(e instanceof RemoteUnavailable)) throw e;
        }
      }
      if (Date.now() > deadline)
        throw new EarshotError(
          'CONFLICT',
          `the service (pid ${holder.pid}) holds the database in ${pglite} but does not answer on its control socket; stop it (or wait until it has started) and run the command again`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    where: 'local',
    ...io,
    async withDeps(fn, opts = {}) {
      const config = await loadConfig(o.configPath(), io.err);
      const command = o.command();
      const deps = await open(
        () => buildDeps(config, { command, level: levelFor(command, config.env.logLevel, o.logLevel()) }),
        config.env.dataDir,
      );
      // Mentions stored and sources run by this process raise their alerts before it exits.
      const alerts = opts.alerts ? await commandAlerts(deps, io.err) : undefined;
      try {
        return await fn(deps);
      } finally {
        try {
          await alerts?.finish();
        } finally {
          await deps.close();
        }
      }
    },
    async withDb(fn) {
      const [{ readEnv }, { openDb }, { migrate }] = await Promise.all([
        import('../config/load.ts'),
        import('../../db/client.ts'),
        import('../../db/migrate.ts'),
      ]);
      const env = readEnv();
      const h = await open(
        () =>
          openDb({ url: env.databaseUrl, dataDir: path.join(env.dataDir, 'pglite'), command: o.command() }),
        env.dataDir,
      );
      try {
        await migrate(h);
        return await fn(h);
      } finally {
        await h.close();
      }
    },
  };
}

/**
 * Alerting for a command that stores mentions in its own process (no service holds the
 * database, or PostgreSQL): committed batches and source faults are evaluated as they happen,
 * what is left is evaluated before exit, and the notifications due are sent once; a delivery
 * that fails stays in the outbox and is retried by the service (as are escalation steps).
 */
async function commandAlerts(deps: Deps, err: (s: string) => void) {
  const { createAlertEngine } = await import('../../alerts/engine.ts');
  const engine = createAlertEngine(deps);
  const opened = new Set<string>();
  const offIncident = deps.events.on('incident', (e) => {
    if (e.change === 'opened' || e.change === 'reopened' || e.change === 'level-up') opened.add(e.id);
  });
  const off = engine.listen();
  return {
    async finish() {
      off();
      await engine.idle();
      await engine.drain();
      const sent = await engine.dispatcher.drain();
      offIncident();
      if (opened.size)
        err(
          `alerts: ${opened.size} incident(s) opened or raised; ${sent.delivered} notification(s) sent${sent.retried ? `, ${sent.retried} to retry` : ''}`,
        );
    },
  };
}

/** Exit code for an error a command threw, with its message on stderr. */
function reportError(e: unknown, err: (s: string) => void): number {
  if (e instanceof Forwarded) return e.code;
  if (e instanceof CommanderError) return e.exitCode;
  if (e instanceof ConfigError) {
    err(e.message);
    return 2;
  }
  if (e instanceof EarshotError) {
    err(`error: ${e.message}`);
    return 1;
  }
  err(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
}

export interface BuildCliOptions {
  /** Run inside the service (forwarded): no process.exit, help and parse errors to the runtime. */
  embedded?: boolean;
  /** The command line after `earshot` (for forwarding). */
  args?: string[];
}

/**
 * The `earshot` command. `rt` decides where commands run (this process, or the service).
 *
 * @example
 * await buildCli().parseAsync(process.argv);
 */
export function buildCli(runtime?: CliRuntime, opts: BuildCliOptions = {}): Command {
  const program = new Command('earshot')
    .description('Earshot: self-hosted social listening and sentiment monitoring')
    .option(
      '-c, --config <file>',
      'config file (default: $EARSHOT_CONFIG, ./earshot.yaml, then earshot.example.yaml)',
    )
    .option(
      '--log-level <level>',
      'log level of JSON log lines on stderr (default: warn; start: $LOG_LEVEL or info)',
    )
    .showHelpAfterError();
  let current = '';
  program.hook('preAction', (_root, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c && c !== program; c = c.parent) names.unshift(c.name());
    current = names.join(' ');
  });
  const rt =
    runtime ??
    localRuntime({
      args: opts.args ?? [],
      configPath: () => program.opts<{ config?: string }>().config,
      logLevel: () => program.opts<{ logLevel?: string }>().logLevel,
      command: () => current,
    });
  if (opts.embedded) {
    // Inherited by the commands added below: never exit the service's process.
    program.exitOverride();
    program.configureOutput({ writeOut: (s) => rt.write(s), writeErr: (s) => rt.err(s.replace(/\n$/, '')) });
  }
  const cfgPath = () => program.opts<{ config?: string }>().config;
  const out = (s: string) => rt.out(s);
  const err = (s: string) => rt.err(s);

  program
    .command('start')
    .description('run the service: API plus collector schedules')
    .option('-p, --port <port>', 'port (default $PORT or 8787)', (v) => Number.parseInt(v, 10))
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .action(async (o: { port?: number; host?: string }) => {
      if (rt.where === 'service') throw new EarshotError('CONFLICT', 'the service is already running');
      const config = await loadConfig(cfgPath(), err);
      const { bindPort, startService } = await import('../service.ts');
      // The port first: a busy port fails with one line before anything is stored.
      const port = o.port ?? config.env.port ?? config.config.server.port;
      const host = o.host ?? config.config.server.host;
      const listener = await bindPort(port, host);
      let deps: Deps;
      try {
        deps = await buildDeps(config, {
          command: 'start',
          level: levelFor('start', config.env.logLevel, program.opts<{ logLevel?: string }>().logLevel),
        });
      } catch (e) {
        await listener.close();
        const { DataDirLockedError } = await import('../../db/lock.ts');
        if (e instanceof DataDirLockedError)
          throw new EarshotError(
            'CONFLICT',
            e.holder?.command === 'start'
              ? `Earshot is already running on this data directory (pid ${e.holder.pid}${e.holder.url ? `, ${e.holder.url}` : ''}): stop it first, or set EARSHOT_DATA_DIR to another directory`
              : e.message,
          );
        throw e;
      }
      const svc = await startService(deps, { listener });
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
      const c = await loadConfig(cfgPath(), err);
      out(
        `${c.file}: ok (${plural(c.config.brands.length, 'brand')}, ${plural(c.config.sources.length, 'source')})`,
      );
    });

  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      await rt.withDb(async (h) => {
        if (rt.where === 'service')
          return out(`migrations applied (${h.kind}; by the running service at start)`);
        out(`migrations applied (${h.kind})`);
      });
    });

  program
    .command('collect')
    .description('run sources now')
    .requiredOption('--once', 'run each source once and exit')
    .option('-s, --source <name>', 'only this source')
    .option(
      '--dry-run',
      'print normalised mentions as JSON lines (stdout) with the brands each matches and its sentiment (stderr); store nothing',
    )
    .option('--max-pages <n>', 'stop each source after n pages', (v) => Number.parseInt(v, 10))
    .action(async (o: { source?: string; dryRun?: boolean; maxPages?: number }) => {
      const [{ syncConfig }, { runSourceOnce }] = await Promise.all([
        import('../config/sync.ts'),
        import('../pipeline/run-source.ts'),
      ]);
      const code = await rt.withDeps(
        async (deps) => {
          await syncConfig(deps);
          let rows = await deps.db.select().from(sources).orderBy(sources.name);
          if (o.source) {
            rows = rows.filter((s) => s.name === o.source);
            if (rows.length === 0) throw new EarshotError('NOT_FOUND', `no source named ${o.source}`);
          } else rows = rows.filter((s) => s.enabled);
          let failed = 0;
          const brandName = (id: string) => deps.matcher().target(id)?.name ?? id;
          for (const s of rows) {
            const bar = rt.progress(s.name, undefined);
            const matched = new Map<string, number>();
            let unmatched = 0;
            const r = await runSourceOnce(deps, s, {
              dryRun: o.dryRun,
              maxPages: o.maxPages,
              signal: rt.signal,
              // The fault is this command's summary line; a log line would repeat it.
              faultLogLevel: 'info',
              onMention: (m, preview) => {
                out(JSON.stringify(m));
                if (!preview) return;
                for (const b of preview.brandIds) matched.set(b, (matched.get(b) ?? 0) + 1);
                if (preview.brandIds.length === 0) unmatched++;
                err(`  ${previewLine(m, preview, brandName)}`);
              },
              onProgress: (p) => bar.update(p.items, { pages: p.pages, stored: p.stored }),
            });
            bar.stop();
            if (r.status === 'fault') failed++;
            err(
              r.status === 'ok'
                ? o.dryRun
                  ? `${s.name}: ok, ${plural(r.pages, 'page')}, ${plural(r.items, 'item')} (dry run, nothing stored); ${matchSummary(matched, unmatched, brandName)}`
                  : `${s.name}: ok, ${plural(r.pages, 'page')}, ${plural(r.items, 'item')}, ${r.stored} new, ${r.duplicates} already stored${r.joined ? ' (joined the run in progress)' : ''}`
                : `${s.name}: FAULT ${r.error?.kind}: ${r.error?.message} (after ${plural(r.pages, 'page')}, ${r.stored} new stored)`,
            );
          }
          return failed ? 1 : 0;
        },
        { alerts: !o.dryRun },
      );
      rt.setExitCode(code);
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
      await rt.withDeps(async (deps) => {
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
      await rt.withDeps(
        async (deps) => {
          await syncConfig(deps);
          const bar = rt.progress('ingest', undefined);
          const s = await ingestFile(deps, rt.resolvePath(o.input), {
            restart: o.restart,
            signal: rt.signal,
            onProgress: (p) => bar.update(p.lines, { stored: p.stored, dup: p.duplicates }),
          }).finally(() => bar.stop());
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
        },
        { alerts: true },
      );
    });

  program
    .command('detect')
    .description(
      'run the production spike detector over a timestamp,value CSV (NAB format); prints {"profile", "detections": [...]}',
    )
    .requiredOption('-i, --input <file>', 'CSV with a timestamp,value header, rows in file order')
    .option(
      '-p, --profile <profile>',
      'auto (alert for counts, raw otherwise), alert (rises, mention-count gates: the negative-spike rule) or raw (rises and falls, no gates)',
      'auto',
    )
    .action(async (o: { input: string; profile: string }) => {
      const { readFileSync } = await import('node:fs');
      const { runDetectCli } = await import('../../alerts/spike.ts');
      if (o.profile !== 'auto' && o.profile !== 'alert' && o.profile !== 'raw')
        throw new EarshotError(
          'BAD_REQUEST',
          `--profile: expected auto, alert or raw, got ${JSON.stringify(o.profile)}`,
        );
      let text: string;
      try {
        text = readFileSync(rt.resolvePath(o.input), 'utf8');
      } catch (e) {
        throw new EarshotError('BAD_REQUEST', `${o.input}: ${(e as Error).message}`);
      }
      try {
        out(runDetectCli(text, { profile: o.profile }));
      } catch (e) {
        throw new EarshotError('BAD_REQUEST', `${o.input}:${(e as Error).message}`);
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

  registerProfileCommands(program, rt);
  registerTrainCommand(program, rt);

  const keys = program.command('keys').description('API keys (also POST/GET/DELETE /v1/keys for admins)');
  keys
    .command('create')
    .description('create a key and print it once')
    .addOption(
      new Option('--role <role>', 'role').choices(['admin', 'editor', 'viewer']).makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'who or what uses the key')
    .action(async (o: { role: Role; name: string }) => {
      const { issueApiKey } = await import('../api-keys.ts');
      await rt.withDb(async (h) => {
        const k = await issueApiKey(h.db, { name: o.name, role: o.role, actor: 'cli', now: new Date() });
        err(`created ${o.role} key ${k.row.id} for "${o.name}"; it is shown once:`);
        out(k.key);
      });
    });
  keys
    .command('list')
    .description('list keys (never the keys themselves)')
    .option('--all', 'include revoked keys')
    .action(async (o: { all?: boolean }) => {
      const { listApiKeys } = await import('../../db/repo/api-keys.ts');
      await rt.withDb(async (h) => {
        const rows = await listApiKeys(h.db, { all: o.all });
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
      const { withdrawApiKey } = await import('../api-keys.ts');
      await rt.withDb(async (h) => {
        const done = await withdrawApiKey(h.db, { id, actor: 'cli', now: new Date() });
        if (!done) throw new EarshotError('NOT_FOUND', `no active key ${id}`);
        out(`revoked ${id}`);
      });
    });

  return program;
}

/** One dry-run preview line: the brands a mention matches, its sentiment, where it is from. */
function previewLine(
  m: { platform: string; author: { handle: string }; text: string; title?: string | null },
  p: { brandIds: string[]; sentiment?: { label: string; score: number } | null },
  brandName: (id: string) => string,
): string {
  const brands = p.brandIds.length ? p.brandIds.map(brandName).join(', ') : '(no brand)';
  const s = p.sentiment ? `${p.sentiment.label} ${p.sentiment.score.toFixed(2)}` : 'unclassified';
  const text = (m.title ? `${m.title}: ${m.text}` : m.text).replace(/\s+/g, ' ').slice(0, 80);
  return `${brands} | ${s} | ${m.platform}/@${m.author.handle} | ${text}`;
}

function matchSummary(matched: Map<string, number>, unmatched: number, brandName: (id: string) => string) {
  const parts = [...matched].map(([id, n]) => `${brandName(id)} ${n}`);
  return `matched ${parts.length ? parts.join(', ') : 'no brand'}; ${unmatched} unmatched`;
}

/**
 * Run a command line forwarded over the control socket, inside the service, with its deps.
 * Resolves with the exit code; never exits the process.
 */
export async function runInService(
  deps: Deps,
  req: { argv: string[]; cwd: string; tty: boolean; columns?: number },
  io: { out(s: string): void; err(s: string): void; signal: AbortSignal },
): Promise<number> {
  let code = 0;
  const rt = serviceRuntime(deps, io, req, (c) => {
    code = c;
  });
  try {
    await buildCli(rt, { embedded: true }).parseAsync(req.argv, { from: 'user' });
  } catch (e) {
    return reportError(e, rt.err);
  }
  return code;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli(undefined, { args: argv.slice(2) }).parseAsync(argv);
  } catch (e) {
    process.exitCode = reportError(e, (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`));
  }
}
