import ipaddr from 'ipaddr.js';
import cron from 'node-cron';
import { z } from 'zod';
import { alertsSchema, brandAlertsSchema, DEFAULT_ALERTS } from '../../alerts/schema.ts';
import type { ChannelDefinition } from '../../alerts/types.ts';
import type { ClassifierDefinition } from '../../classifiers/types.ts';
import { type CollectorDefinition, commonSourceOptions } from '../../collectors/types.ts';
import { type PluginKind, pluginEntrySchema, pluginIdSchema, pluginOptionsSchema } from './plugins.ts';

/**
 * The registries the grammar is built from: each plugin's options schema extends earshot.yaml.
 * The caller passes them (`productionPlugins()` in the service), so the config imports no
 * plugin and no alerting code, only their contracts.
 */
export interface ConfigPlugins {
  collectors: readonly CollectorDefinition[];
  channels: readonly ChannelDefinition[];
  classifiers: readonly ClassifierDefinition[];
}

/** A query validator injected by the caller (the query language lives in src/query). */
export type QueryValidator = (
  q: string,
) => { ok: true } | { ok: false; message: string; position: number; token: string };

/** Why a cron expression is refused, with the value, or null when node-cron accepts it. */
export function cronIssue(s: string): string | null {
  if (cron.validate(s)) return null;
  const n = s.trim() ? s.trim().split(/\s+/).length : 0;
  const why =
    n === 5 || n === 6
      ? 'a field is out of range or malformed'
      : `it has ${n} field${n === 1 ? '' : 's'}; a schedule has 5 (minute hour day-of-month month day-of-week), or 6 with seconds first`;
  return `Invalid cron expression ${JSON.stringify(s)}: ${why}, e.g. "*/15 * * * *"`;
}

const cronExpr = z.string().superRefine((s, ctx) => {
  const issue = cronIssue(s);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

/**
 * Why an `allowPrivate` entry is not a CIDR block, or null. Strict on purpose: ipaddr.js also
 * reads `010.0.0.0/8` (octal: 8.0.0.0) and `10.1/8` (10.0.0.1), which would allow a range
 * other than the one the admin meant.
 */
export function cidrIssue(s: string): string | null {
  const example = 'e.g. 127.0.0.0/8, 10.0.0.0/8 or fd00::/8';
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s.trim());
  if (!m) {
    const bare = ipaddr.isValid(s.trim())
      ? `; for one address add the prefix length: ${s.trim()}/${ipaddr.IPv4.isValidFourPartDecimal(s.trim()) ? 32 : 128}`
      : '';
    return `invalid CIDR ${JSON.stringify(s)}: expected address/prefix-length, ${example}${bare}`;
  }
  const [, addr, bitsText] = m as unknown as [string, string, string];
  const bits = Number(bitsText);
  if (
    ipaddr.IPv4.isValidFourPartDecimal(addr) &&
    addr.split('.').every((o) => o === '0' || !o.startsWith('0'))
  )
    return bits <= 32
      ? null
      : `invalid CIDR ${JSON.stringify(s)}: an IPv4 prefix length is 0 to 32, ${example}`;
  if (addr.includes(':') && ipaddr.IPv6.isValid(addr))
    return bits <= 128
      ? null
      : `invalid CIDR ${JSON.stringify(s)}: an IPv6 prefix length is 0 to 128, ${example}`;
  return `invalid CIDR ${JSON.stringify(s)}: ${JSON.stringify(addr)} is not an IPv4 (four decimal numbers) or IPv6 address, ${example}`;
}

const cidr = z.string().superRefine((s, ctx) => {
  const issue = cidrIssue(s);
  if (issue) ctx.addIssue({ code: 'custom', message: issue });
});

const name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\u0000-\u001f]+$/, 'no control characters');

export function brandSchema(validateQuery?: QueryValidator) {
  return z
    .object({
      name,
      query: z
        .string()
        .min(1)
        .max(4096)
        .superRefine((q, ctx) => {
          const r = validateQuery?.(q);
          if (r && !r.ok) ctx.addIssue({ code: 'custom', message: r.message });
        }),
      competitors: z.array(name).default([]),
      aliases: z.array(z.string().min(1)).default([]),
      locale: z.enum(['en', 'zh', 'bilingual']).default('en'),
      topics: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
      retentionDays: z.number().int().positive().optional(),
      alerts: brandAlertsSchema.optional(),
    })
    .strict();
}

const sourceFields = {
  name,
  schedule: cronExpr.optional(),
  enabled: z.boolean().default(true),
  allowPrivateNetwork: z.boolean().default(false),
  backfillDays: z.number().int().min(0).max(3650).default(7),
};

/** The collectors registry as the plugin-entry grammar sees it (shared with the API). */
export const sourcePlugins = (
  collectors: readonly CollectorDefinition[],
): PluginKind<CollectorDefinition> => ({
  noun: 'source type',
  plugins: collectors,
  common: commonSourceOptions,
});

/** The classifiers registry as the plugin-entry grammar sees it. */
export const classifierPlugins = (
  classifiers: readonly ClassifierDefinition[],
): PluginKind<ClassifierDefinition> => ({ noun: 'classifier', plugins: classifiers });

/** One config entry per registered collector, discriminated by `type`. */
export function sourceSchema(collectors: readonly CollectorDefinition[]) {
  return pluginEntrySchema(sourcePlugins(collectors), sourceFields).transform((v) => ({
    ...v,
    schedule: v.schedule ?? collectors.find((x) => x.id === v.type)!.defaultSchedule,
  }));
}

/** `classifiers:`: ids to switch off and options by classifier id, both checked against the registry. */
export function classifiersSchema(classifiers: readonly ClassifierDefinition[]) {
  const kind = classifierPlugins(classifiers);
  return z
    .object({
      disabled: z.array(pluginIdSchema(kind)).default([]),
      options: pluginOptionsSchema(kind).default({}),
    })
    .strict()
    .default({ disabled: [], options: {} });
}

/**
 * Author and customer profiles (docs/profiles.md): KOL tier bands by followers, stance rule,
 * churn-risk window, the CRM webhook (an alerts channel of that name), and retention of
 * mentions that match no brand (brands have their own `retentionDays`).
 */
export const profilesSchema = z
  .object({
    tiers: z
      .object({
        micro: z.number().int().positive().default(10_000),
        macro: z.number().int().positive().default(100_000),
        mega: z.number().int().positive().default(1_000_000),
      })
      .strict()
      .refine((t) => t.micro < t.macro && t.macro < t.mega, {
        message: 'bands must rise: micro < macro < mega',
      })
      .default({ micro: 10_000, macro: 100_000, mega: 1_000_000 }),
    stance: z
      .object({
        minPosts: z.number().int().min(1).default(3),
        threshold: z.number().min(0).max(1).default(0.25),
      })
      .strict()
      .default({ minPosts: 3, threshold: 0.25 }),
    /** KOLs are authors at or above this tier. */
    kolTier: z.enum(['micro', 'macro', 'mega']).default('micro'),
    churnDays: z.number().int().min(1).max(365).default(7),
    crm: z
      .object({ channel: z.string().min(1).default('crm') })
      .strict()
      .optional(),
    unmatchedRetentionDays: z.number().int().positive().optional(),
  })
  .strict();

export const DEFAULT_PROFILES = {
  tiers: { micro: 10_000, macro: 100_000, mega: 1_000_000 },
  stance: { minPosts: 3, threshold: 0.25 },
  kolTier: 'micro' as const,
  churnDays: 7,
};
export type ProfilesConfig = z.output<typeof profilesSchema>;

export function configSchema(plugins: ConfigPlugins, validateQuery?: QueryValidator) {
  return z
    .object({
      server: z
        .object({
          port: z.number().int().min(0).max(65535).default(8787),
          host: z.string().default('127.0.0.1'),
          publicUrl: z.url().optional(),
          maxBodyBytes: z
            .number()
            .int()
            .positive()
            .default(10 * 1024 * 1024),
        })
        .strict()
        .default({ port: 8787, host: '127.0.0.1', maxBodyBytes: 10 * 1024 * 1024 }),
      network: z
        .object({ allowPrivate: z.array(cidr).default([]), userAgent: z.string().optional() })
        .strict()
        .default({ allowPrivate: [] }),
      pipeline: z
        .object({
          dropUnmatched: z.boolean().default(false),
          nearDuplicateDistance: z.number().int().min(0).max(3).default(3),
          nearDuplicateWindowDays: z.number().int().min(1).max(90).default(7),
          batchSize: z.number().int().min(1).max(10_000).default(1000),
        })
        .strict()
        .default({
          dropUnmatched: false,
          nearDuplicateDistance: 3,
          nearDuplicateWindowDays: 7,
          batchSize: 1000,
        }),
      classifiers: classifiersSchema(plugins.classifiers),
      brands: z.array(brandSchema(validateQuery)).default([]),
      sources: z.array(sourceSchema(plugins.collectors)).default([]),
      alerts: alertsSchema(plugins.channels).default(DEFAULT_ALERTS),
      profiles: profilesSchema.default(DEFAULT_PROFILES),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const seen = new Map<string, number>();
      cfg.brands.forEach((b, i) => {
        const key = b.name.toLowerCase();
        if (seen.has(key))
          ctx.addIssue({
            code: 'custom',
            path: ['brands', i, 'name'],
            message: `Duplicate brand name "${b.name}"`,
          });
        seen.set(key, i);
      });
      const src = new Set<string>();
      cfg.sources.forEach((s, i) => {
        if (src.has(s.name))
          ctx.addIssue({
            code: 'custom',
            path: ['sources', i, 'name'],
            message: `Duplicate source name "${s.name}"`,
          });
        src.add(s.name);
      });
      const crm = cfg.profiles.crm?.channel;
      if (crm && !cfg.alerts.channels.some((c) => c.name === crm))
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', 'crm', 'channel'],
          message: `Unknown channel "${crm}": add a webhook channel of that name under alerts.channels`,
        });
      const policies = new Set(cfg.alerts.policies.map((p) => p.name));
      const channelNames = new Set(cfg.alerts.channels.map((c) => c.name));
      cfg.brands.forEach((b, i) => {
        if (b.alerts?.policy && !policies.has(b.alerts.policy))
          ctx.addIssue({
            code: 'custom',
            path: ['brands', i, 'alerts', 'policy'],
            message: `Unknown policy "${b.alerts.policy}"`,
          });
        for (const [k, c] of (b.alerts?.digests?.channels ?? []).entries()) {
          if (!channelNames.has(c))
            ctx.addIssue({
              code: 'custom',
              path: ['brands', i, 'alerts', 'digests', 'channels', k],
              message: `Unknown channel "${c}"`,
            });
        }
      });
    });
}

export type ConfigFile = z.output<ReturnType<typeof configSchema>>;
export type BrandConfig = ConfigFile['brands'][number];
export type SourceConfig = ConfigFile['sources'][number];
