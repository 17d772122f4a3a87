import { and, asc, desc, eq, gte, lt, sql, sum } from 'drizzle-orm';
import { brandHourly, brands, incidents, mentionBrands, mentions } from '../db/schema/index.ts';
import { policyFor } from './escalation.ts';
import { type AlertContext, brandLocale, enqueueMessage, localTitle } from './outbox.ts';
import { brandAlertsOf } from './rules.ts';
import type { AlertLevel, AlertMessage } from './types.ts';

const DAY = 86_400_000;

/**
 * Daily and weekly digests per brand: totals from the hourly rollup, incidents opened in the
 * period, and the widest-reaching negative mentions. One outbox row per brand, period and
 * channel (keyed by them, so a re-run of the job sends nothing twice).
 */
export async function runDigests(ctx: AlertContext, label: 'daily' | 'weekly', now: Date): Promise<number> {
  if (!ctx.cfg.enabled || !ctx.cfg.digests.enabled) return 0;
  const span = label === 'daily' ? DAY : 7 * DAY;
  const to = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000);
  const from = new Date(to.getTime() - span);
  let written = 0;
  for (const b of await ctx.db.select().from(brands).orderBy(asc(brands.name))) {
    const ba = brandAlertsOf(b.settings);
    if (ba?.enabled === false || ba?.digests?.[label] === false) continue;
    const channels =
      ba?.digests?.channels ??
      ctx.cfg.digests.channels ??
      policyFor(ctx.cfg, ba?.policy).steps[0]?.channels ??
      [];
    if (channels.length === 0) continue;
    const [t] = await ctx.db
      .select({
        total: sum(brandHourly.total),
        neg: sum(brandHourly.negative),
        pos: sum(brandHourly.positive),
        neu: sum(brandHourly.neutral),
      })
      .from(brandHourly)
      .where(and(eq(brandHourly.brandId, b.id), gte(brandHourly.hour, from), lt(brandHourly.hour, to)));
    const opened = await ctx.db
      .select()
      .from(incidents)
      .where(and(eq(incidents.brandId, b.id), gte(incidents.openedAt, from), lt(incidents.openedAt, to)))
      .orderBy(asc(incidents.level), desc(incidents.mentionCount))
      .limit(50);
    const top = await ctx.db
      .select({ m: mentions })
      .from(mentionBrands)
      .innerJoin(mentions, eq(mentions.id, mentionBrands.mentionId))
      .where(
        and(
          eq(mentionBrands.brandId, b.id),
          gte(mentionBrands.publishedAt, from),
          lt(mentionBrands.publishedAt, to),
          eq(mentionBrands.sentimentLabel, 'negative'),
        ),
      )
      .orderBy(sql`coalesce(${mentions.authorFollowers}, 0) desc`)
      .limit(5);
    const totals = {
      mentions: Number(t?.total ?? 0),
      negative: Number(t?.neg ?? 0),
      positive: Number(t?.pos ?? 0),
      neutral: Number(t?.neu ?? 0),
      incidents: opened.length,
    };
    for (const channel of channels) {
      const locale = ctx.cfg.channels.find((c) => c.name === channel)?.locale ?? brandLocale(b);
      const message: AlertMessage = {
        kind: 'digest',
        id: `digest:${b.id}:${label}:${from.toISOString()}:${channel}`,
        locale,
        createdAt: now.toISOString(),
        digest: {
          period: { from: from.toISOString(), to: to.toISOString(), label },
          brandName: b.name,
          totals,
          topIncidents: opened.slice(0, 10).map((i) => ({
            id: i.id,
            title: localTitle(i.rule, i.title, locale),
            level: i.level as AlertLevel,
            status: i.status,
            openedAt: i.openedAt.toISOString(),
            dashboardUrl: `${ctx.publicUrl}/v1/incidents/${i.id}`,
          })),
          topMentions: top.map(({ m }) => ({
            url: m.url ?? '',
            authorHandle: m.authorHandle,
            ...(m.authorName ? { authorName: m.authorName } : {}),
            text: m.text,
            platform: m.platform,
            publishedAt: m.publishedAt.toISOString(),
            sentiment: 'negative' as const,
            ...(m.authorFollowers !== null ? { reach: m.authorFollowers } : {}),
          })),
        },
      };
      if (await enqueueMessage(ctx.db, ctx, channel, message)) written++;
    }
  }
  return written;
}
