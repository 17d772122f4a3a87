import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Deps } from '../deps.ts';
import { EarshotError } from '../errors.ts';

export interface CliContext {
  withDeps<T>(fn: (deps: Deps) => Promise<T>): Promise<T>;
  out(s: string): void;
  /** Raw stdout (default: process.stdout). */
  write?(s: string): void;
  /** A path from the command line against the caller's directory (default: this process's). */
  resolvePath?(p: string): string;
}

/** `30d`, `12h`, `2w` → milliseconds. */
export function parseSince(s: string): number {
  const m = /^(\d+)\s*([hdw])$/i.exec(s.trim());
  if (!m)
    throw new EarshotError('BAD_REQUEST', `--since: expected a duration like 30d, 12h or 2w, got "${s}"`);
  const unit = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2]!.toLowerCase() as 'h' | 'd' | 'w'];
  return Number(m[1]) * unit;
}

/**
 * `earshot customers import FILE.csv` and `earshot report kol ...`.
 *
 * @example
 * registerProfileCommands(program, { withDeps: (fn) => withDeps(cfgPath(), fn), out });
 */
export function registerProfileCommands(program: Command, ctx: CliContext): void {
  const customers = program.command('customers').description('customer profiles linked to social authors');
  customers
    .command('import')
    .description(
      'import customers from CSV: crm_id, name?, email?, handles ("weibo:abc;x:def") or one column per platform',
    )
    .argument('<file>', 'CSV file with a header row')
    .action(async (file: string) => {
      const { customersFromCsv, upsertCustomers } = await import('./customers.ts');
      await ctx.withDeps(async (deps) => {
        const list = customersFromCsv(
          readFileSync(ctx.resolvePath?.(file) ?? file, 'utf8'),
          deps.collectors.map((c) => c.id),
        );
        const r = await deps.mutate(
          { actor: 'cli', action: 'customer.import', entityType: 'customer' },
          async (tx) => {
            const res = await upsertCustomers(tx, list, deps.config.config.profiles, deps.clock.now());
            return { result: res, after: { file, created: res.created, updated: res.updated } };
          },
        );
        ctx.out(JSON.stringify({ file, created: r.created, updated: r.updated }));
      });
    });

  const report = program.command('report').description('reports');
  report
    .command('kol')
    .description('KOL report: top, new, rising and detractor KOLs, UGC, competitor comparison')
    .requiredOption('-b, --brand <name>', 'brand name or id')
    .option('-s, --since <duration>', 'period ending now: 30d, 12h, 2w', '30d')
    .option('-f, --format <format>', 'json | csv | html', 'json')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (o: { brand: string; since: string; format: string; output?: string }) => {
      if (!['json', 'csv', 'html'].includes(o.format))
        throw new EarshotError('BAD_REQUEST', `--format: one of json, csv, html (got "${o.format}")`);
      const ms = parseSince(o.since);
      // Loaded on demand so the CLI's start-up stays quick.
      const [{ findBrand }, { syncConfig }, { buildKolReport, kolReportCsv, kolReportHtml }] =
        await Promise.all([
          import('../api/routes/brands.ts'),
          import('../config/sync.ts'),
          import('./report.ts'),
        ]);
      await ctx.withDeps(async (deps) => {
        await syncConfig(deps);
        const brand = await findBrand(deps.db, o.brand);
        const to = deps.clock.now();
        const r = await buildKolReport(deps.db, deps.config.config.profiles, brand, {
          from: new Date(to.getTime() - ms),
          to,
        });
        const text =
          o.format === 'csv'
            ? kolReportCsv(r)
            : o.format === 'html'
              ? kolReportHtml(r)
              : `${JSON.stringify(r, null, 2)}\n`;
        if (o.output) writeFileSync(ctx.resolvePath?.(o.output) ?? o.output, text);
        else (ctx.write ?? ((t: string) => process.stdout.write(t)))(text);
      });
    });
}
