import { z } from 'zod';
import { type PluginKind, pluginEntrySchema } from '../src/config/plugins.ts';
import type { ChannelDefinition } from './types.ts';

/**
 * The alerting grammar (`alerts:` in earshot.yaml, and `alerts:` on a brand for overrides):
 * rule thresholds, grading weights and level cut-offs, channels, escalation policies, quiet
 * hours, maintenance windows and digests. Every field has a default a user could defend for
 * any brand, so `alerts: { channels: [...] }` is a working configuration.
 *
 * A contract module, like `types.ts`: the config schema builds on it, so it imports nothing of
 * the alerting code, and the channel entries are checked against the registry passed in.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `4h`, `1d`, or a number of seconds; parsed to milliseconds. */
export const duration = z.union([
  z
    .number()
    .nonnegative()
    .transform((s) => s * 1000),
  z.string().transform((s, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(s);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: 'Duration like 30s, 15m, 4h or 1d' });
      return z.NEVER;
    }
    return Number(m[1]) * UNITS[m[2]!]!;
  }),
]);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Time like 22:00');

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const RULE_IDS = [
  'negative-spike',
  'influential-negative',
  'viral-negative',
  'crisis-language',
  'sentiment-drop',
  'collector-down',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export const ruleSchemas = {
  'negative-spike': z
    .object({
      enabled: z.boolean().default(true),
      /** Trailing window the gates (count, authors, share) are measured over, ending at the spiking bucket's end. */
      window: duration.default(3_600_000),
      /** Tiny samples never page anyone. */
      minNegative: z.number().int().min(1).default(10),
      minAuthors: z.number().int().min(1).default(5),
      /** Cold start only (under the detector's warm-up): negatives must exceed `ratio` × the recent baseline... */
      ratio: z.number().min(1).default(3),
      /** ...and the baseline by `z` Poisson standard deviations. */
      z: z.number().min(0).default(3),
      /** The negative share must rise by this much over its baseline (raw volume fires on every launch). */
      minShareRise: z.number().min(0).max(1).default(0.15),
      /** Negative share assumed when a brand has no history yet. */
      priorShare: z.number().min(0).max(1).default(0.15),
      /** Weeks of history the baseline negative share is taken from. */
      baselineWeeks: z.number().int().min(1).max(12).default(4),
      /**
       * An hourly bucket is fed to the detector (learnt from) this long after it ends, so mentions
       * collected late still count; until then it is only evaluated (`peek`), never learnt.
       */
      settle: duration.default(30 * 60_000),
      /** Overrides of the spike detector's parameters (docs/spike-detector.md); the defaults are the measured ones. */
      detector: z
        .object({
          zOpen: z.number().min(0),
          thresholdQuantile: z.number().min(0).max(1),
          minRatio: z.number().min(1),
          minExcess: z.number().min(0),
          cooldownHours: z.number().min(0),
          escalateRatio: z.number().min(1),
          utcOffsetMinutes: z
            .number()
            .int()
            .min(-14 * 60)
            .max(14 * 60),
          /** The brand's IANA time zone for the detector's hour/weekday profiles (DST-correct); wins over utcOffsetMinutes. */
          timeZone: z.string().refine(validTimeZone, 'Unknown IANA time zone'),
        })
        .partial()
        .strict()
        .default({}),
    })
    .strict(),
  'influential-negative': z
    .object({
      enabled: z.boolean().default(true),
      minFollowers: z.number().int().min(0).default(100_000),
      /** Verified authors count from this many followers. */
      verifiedMinFollowers: z.number().int().min(0).default(10_000),
      /** Host names (and their subdomains) whose negative coverage always counts: `reuters.com`. */
      authoritativeSites: z.array(z.string().min(1)).default([]),
      /**
       * A post whose crisis score (classifiers/crisis.ts) reaches this counts as negative for
       * this rule whatever its sentiment label: a calm report of fires by a journalist
       * ("…blenders catching fire… Unsafe — unplug yours.") reads as neutral to a sentiment
       * model but is the post a PR team must see first. 1 turns this off.
       */
      minCrisisScore: z.number().min(0).max(1).default(0.5),
    })
    .strict(),
  'viral-negative': z
    .object({
      enabled: z.boolean().default(true),
      /** Engagement (likes + 2×shares + replies) gained per hour between re-polls. */
      minVelocityPerHour: z.number().min(0).default(300),
      minEngagement: z.number().min(0).default(200),
    })
    .strict(),
  'crisis-language': z
    .object({
      enabled: z.boolean().default(true),
      window: duration.default(2 * 3_600_000),
      minAuthors: z.number().int().min(1).default(3),
      minScore: z.number().min(0).max(1).default(0.5),
    })
    .strict(),
  'sentiment-drop': z
    .object({
      enabled: z.boolean().default(true),
      /** Net sentiment ((pos − neg) / total, −1..1) over the last day vs the previous `baselineDays`. */
      minDrop: z.number().min(0).max(2).default(0.3),
      minMentions: z.number().int().min(1).default(30),
      baselineDays: z.number().int().min(1).max(60).default(7),
    })
    .strict(),
} as const;

export type RuleParams = { [K in keyof typeof ruleSchemas]: z.output<(typeof ruleSchemas)[K]> };

/**
 * Rule overrides stay raw (only validated) so a brand's partial override merges over the
 * global one field by field; `rulesFor` applies the defaults.
 */
const rulesSchema = z
  .partialRecord(
    z.enum(Object.keys(ruleSchemas) as [keyof typeof ruleSchemas, ...(keyof typeof ruleSchemas)[]]),
    z.record(z.string(), z.unknown()),
  )
  .superRefine((rules, ctx) => {
    for (const [id, raw] of Object.entries(rules)) {
      const r = ruleSchemas[id as keyof typeof ruleSchemas].safeParse(raw);
      if (!r.success) for (const i of r.error.issues) ctx.addIssue({ ...i, path: [id, ...i.path] } as never);
    }
  });

export const FACTOR_NAMES = [
  'velocity',
  'volume',
  'negative-share',
  'intensity',
  'authority',
  'spread',
  'crisis',
  'engagement',
] as const;
export type FactorName = (typeof FACTOR_NAMES)[number];

export const gradingSchema = z
  .object({
    /**
     * Score (0..100) at or above which an alert is level 1 / 2 / 3; below `medium` it is level 4.
     * Fields left out keep the brand's global or default cut-offs (`DEFAULT_LEVELS` in grade.ts).
     */
    levels: z
      .object({
        critical: z.number().min(0).max(100).optional(),
        high: z.number().min(0).max(100).optional(),
        medium: z.number().min(0).max(100).optional(),
      })
      .strict()
      .optional(),
    weights: z
      .object(
        Object.fromEntries(FACTOR_NAMES.map((f) => [f, z.number().min(0).optional()])) as Record<
          FactorName,
          z.ZodOptional<z.ZodNumber>
        >,
      )
      .strict()
      .optional(),
  })
  .strict();

const quietHoursSchema = z
  .object({
    start: hhmm,
    end: hhmm,
    timezone: z.string().refine(validTimeZone, 'Unknown IANA time zone').default('UTC'),
    /** Levels at or above this severity (1 = only critical) notify even in quiet hours. */
    overrideLevel: z.number().int().min(0).max(4).default(1),
  })
  .strict();

const policySchema = z
  .object({
    name: z.string().min(1),
    steps: z
      .array(z.object({ channels: z.array(z.string().min(1)).min(1), after: duration.default(0) }).strict())
      .min(1),
    /** After the last step, start again from the first this long after it, until acknowledged. */
    repeatAfter: duration.optional(),
    /** Remind the first step's channels while an incident stays unresolved. */
    reminderEvery: duration.default(24 * 3_600_000),
    quietHours: quietHoursSchema.optional(),
  })
  .strict();

/** Per-brand overrides (`brands[].alerts`). */
export const brandAlertsSchema = z
  .object({
    enabled: z.boolean().default(true),
    policy: z.string().optional(),
    rules: rulesSchema.optional(),
    grading: gradingSchema.optional(),
    digests: z
      .object({
        channels: z.array(z.string()).optional(),
        daily: z.boolean().optional(),
        weekly: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type BrandAlerts = z.output<typeof brandAlertsSchema>;

/** The channels registry as the plugin-entry grammar sees it. */
export const channelPlugins = (channels: readonly ChannelDefinition[]): PluginKind<ChannelDefinition> => ({
  noun: 'channel type',
  plugins: channels,
});

function channelEntrySchema(channels: readonly ChannelDefinition[]) {
  return pluginEntrySchema(channelPlugins(channels), {
    name: z.string().min(1).max(100),
    locale: z.enum(['en', 'zh', 'bilingual']).optional(),
    allowPrivateNetwork: z.boolean().default(false),
    /** Lower the provider's rate limit (messages per minute) for this destination. */
    perMinute: z.number().int().positive().optional(),
  });
}

const windowSchema = z
  .object({
    brand: z.string().optional(),
    rule: z.enum(RULE_IDS).optional(),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date(),
    reason: z.string().default('maintenance'),
  })
  .strict();

/**
 * The `alerts:` section, its channels checked against `channels` (the registry).
 *
 * @example
 * const alerts = alertsSchema(channels).parse({ channels: [{ name: 'pr', type: 'slack', options: { url } }] });
 */
export function alertsSchema(channels: readonly ChannelDefinition[]) {
  return z
    .object({
      enabled: z.boolean().default(true),
      channels: z.array(channelEntrySchema(channels)).default([]),
      policies: z.array(policySchema).default([]),
      /** Policy for brands that name none; when absent, one step to every channel. */
      defaultPolicy: z.string().optional(),
      rules: rulesSchema.default({}),
      grading: gradingSchema.default({}),
      /** Alerts for the same brand + rule + topic/story within this window join one incident. */
      groupWindow: duration.default(6 * 3_600_000),
      /** A resolved incident whose group fires again within this window is reopened. */
      reopenWindow: duration.default(24 * 3_600_000),
      /** Incidents with no new activity for this long resolve themselves. */
      autoResolveAfter: duration.default(24 * 3_600_000),
      ackLinkTtl: duration.default(7 * 86_400_000),
      collectorDown: z
        .object({
          enabled: z.boolean().default(true),
          afterFailures: z.number().int().min(1).default(3),
          policy: z.string().optional(),
          channels: z.array(z.string()).optional(),
        })
        .strict()
        .default({ enabled: true, afterFailures: 3 }),
      maintenance: z.array(windowSchema).default([]),
      digests: z
        .object({
          daily: z.string().default('0 9 * * *'),
          weekly: z.string().default('0 9 * * 1'),
          /** Default digest channels; otherwise the first step of each brand's policy. */
          channels: z.array(z.string()).optional(),
          enabled: z.boolean().default(true),
        })
        .strict()
        .default({ daily: '0 9 * * *', weekly: '0 9 * * 1', enabled: true }),
      delivery: z
        .object({
          maxAttempts: z.number().int().min(1).default(10),
          backoff: duration.default(10_000),
          maxBackoff: duration.default(3_600_000),
          /** How long a dispatcher owns a claimed row before another may take it over. */
          lease: duration.default(120_000),
        })
        .strict()
        .default({ maxAttempts: 10, backoff: 10_000, maxBackoff: 3_600_000, lease: 120_000 }),
    })
    .strict()
    .superRefine((a, ctx) => {
      const names = new Set<string>();
      a.channels.forEach((c, i) => {
        if (names.has(c.name))
          ctx.addIssue({
            code: 'custom',
            path: ['channels', i, 'name'],
            message: `Duplicate channel name "${c.name}"`,
          });
        names.add(c.name);
      });
      const policies = new Set(a.policies.map((p) => p.name));
      a.policies.forEach((p, i) => {
        p.steps.forEach((s, j) => {
          s.channels.forEach((c, k) => {
            if (!names.has(c))
              ctx.addIssue({
                code: 'custom',
                path: ['policies', i, 'steps', j, 'channels', k],
                message: `Unknown channel "${c}"`,
              });
          });
        });
      });
      if (a.defaultPolicy && !policies.has(a.defaultPolicy))
        ctx.addIssue({
          code: 'custom',
          path: ['defaultPolicy'],
          message: `Unknown policy "${a.defaultPolicy}"`,
        });
      if (a.collectorDown.policy && !policies.has(a.collectorDown.policy))
        ctx.addIssue({
          code: 'custom',
          path: ['collectorDown', 'policy'],
          message: `Unknown policy "${a.collectorDown.policy}"`,
        });
      for (const [i, c] of (a.collectorDown.channels ?? []).entries()) {
        if (!names.has(c))
          ctx.addIssue({
            code: 'custom',
            path: ['collectorDown', 'channels', i],
            message: `Unknown channel "${c}"`,
          });
      }
      for (const [i, c] of (a.digests.channels ?? []).entries()) {
        if (!names.has(c))
          ctx.addIssue({
            code: 'custom',
            path: ['digests', 'channels', i],
            message: `Unknown channel "${c}"`,
          });
      }
    });
}

export type AlertsConfig = z.output<ReturnType<typeof alertsSchema>>;
export type ChannelConfig = AlertsConfig['channels'][number];
export type PolicyConfig = AlertsConfig['policies'][number];
export type GradingConfig = z.output<typeof gradingSchema>;

/** The alerting defaults (no channels): what `alerts:` left out of the file means. */
export const DEFAULT_ALERTS: AlertsConfig = alertsSchema([]).parse({});
