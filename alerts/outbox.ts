import { desc, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import {
  brands,
  incidentMentions,
  type incidents,
  mentions,
  outbox,
  sourceHealth,
  sources,
} from '../db/schema/index.ts';
import type { Clock } from '../src/clock.ts';
import { newId } from '../src/ids.ts';
import type { Logger } from '../src/log.ts';
import { signAckToken } from './ack-links.ts';
import { brandAlertsOf } from './rules.ts';
import type { AlertsConfig } from './schema.ts';
import type { AlertFactor, AlertKind, AlertLevel, AlertLocale, AlertMention, AlertMessage } from './types.ts';

export type IncidentRow = typeof incidents.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;

/** What the alerting core needs from the service; built once by `alertContext(deps)`. */
export interface AlertContext {
  db: Db;
  clock: Clock;
  log: Logger;
  cfg: AlertsConfig;
  /** Base URL for links in notifications (`server.publicUrl` or the listen address). */
  publicUrl: string;
  ackKey: Buffer;
}

const RULE_TITLES: Record<string, [string, string]> = {
  'negative-spike': ['Negative spike', '负面声量激增'],
  'influential-negative': ['Influential negative post', '高影响力负面内容'],
  'viral-negative': ['Viral negative post', '负面内容快速传播'],
  'crisis-language': ['Crisis language', '危机信号聚集'],
  'sentiment-drop': ['Net sentiment drop', '整体情感下滑'],
  'collector-down': ['Collector down', '采集中断'],
};

/** The incident title in the message's locale: Chinese first, then English, for zh/bilingual brands. */
export function localTitle(rule: string, title: string, locale: AlertLocale): string {
  const t = RULE_TITLES[rule];
  if (!t || locale === 'en') return title;
  const detail = title.startsWith(t[0]) ? title.slice(t[0].length) : ` — ${title}`;
  return `${t[1]} / ${t[0]}${detail}`;
}

function mentionView(m: typeof mentions.$inferSelect): AlertMention {
  return {
    url: m.url ?? '',
    authorHandle: m.authorHandle,
    ...(m.authorName ? { authorName: m.authorName } : {}),
    text: m.title ? `${m.title} — ${m.text}` : m.text,
    platform: m.platform,
    publishedAt: m.publishedAt.toISOString(),
    ...(m.sentimentLabel ? { sentiment: m.sentimentLabel } : {}),
    ...(m.authorFollowers !== null ? { reach: m.authorFollowers } : {}),
  };
}

export interface EnqueueOptions {
  incident: IncidentRow;
  kind: AlertKind;
  channels: readonly string[];
  /** Identifies the event: with the channel name it is the outbox idempotency key. */
  eventKey: string;
  /** Deliver no earlier than this (quiet hours). */
  notBefore?: Date;
}

/**
 * Write one outbox row per channel for an incident event, in the caller's transaction (the
 * same one that changed the incident). A row whose idempotency key exists is skipped, so a
 * retried or concurrent transition never notifies twice. Returns the rows written.
 */
export async function enqueueIncident(tx: DbOrTx, ctx: AlertContext, o: EnqueueOptions): Promise<number> {
  if (o.channels.length === 0) return 0;
  const inc = o.incident;
  const now = ctx.clock.now();
  const brand = inc.brandId
    ? (await tx.select().from(brands).where(eq(brands.id, inc.brandId)).limit(1))[0]
    : undefined;
  const brandLocale = (brand?.settings.locale ?? 'en') as AlertLocale;
  let base: Omit<AlertMessage, 'id' | 'locale'>;
  if (inc.rule === 'collector-down') {
    const src = inc.sourceId
      ? (await tx.select().from(sources).where(eq(sources.id, inc.sourceId)).limit(1))[0]
      : undefined;
    const h = inc.sourceId
      ? (await tx.select().from(sourceHealth).where(eq(sourceHealth.sourceId, inc.sourceId)).limit(1))[0]
      : undefined;
    base = {
      kind: o.kind === 'alert' ? 'collector-down' : o.kind,
      collector: {
        sourceName: src?.name ?? inc.sourceId ?? 'unknown',
        sourceType: src?.type ?? 'unknown',
        fault:
          h?.lastErrorKind ??
          String((inc.factors as AlertFactor[]).find((f) => f.name === 'fault')?.value ?? 'silent'),
        since: inc.openedAt.toISOString(),
        ...(h?.lastErrorMessage ? { lastError: h.lastErrorMessage } : {}),
        dashboardUrl: `${ctx.publicUrl}/v1/sources/${inc.sourceId}/health`,
      },
      createdAt: now.toISOString(),
    };
  } else {
    const top = await tx
      .select({ m: mentions })
      .from(incidentMentions)
      .innerJoin(mentions, eq(mentions.id, incidentMentions.mentionId))
      .where(eq(incidentMentions.incidentId, inc.id))
      .orderBy(sql`coalesce(${mentions.authorFollowers}, 0) desc`, desc(mentions.publishedAt))
      .limit(5);
    const factors = (inc.factors as (AlertFactor & { points?: number })[]).map((f) => ({
      name: f.name,
      value: f.value,
      ...(f.weight !== undefined ? { weight: f.weight } : {}),
      explanation: f.points !== undefined ? `${f.explanation} (+${f.points} points)` : f.explanation,
    }));
    const c = inc.counts;
    base = {
      kind: o.kind,
      incident: {
        id: inc.id,
        brandName: brand?.name ?? 'unknown brand',
        rule: inc.rule,
        level: inc.level as AlertLevel,
        title: inc.title,
        status: inc.status,
        openedAt: inc.openedAt.toISOString(),
        factors,
        mentions: top.map((r) => mentionView(r.m)),
        counts: {
          mentions: inc.mentionCount,
          ...(c.negative !== undefined ? { negative: c.negative } : {}),
          ...(c.authors !== undefined ? { authors: c.authors } : {}),
          ...(c.reach !== undefined ? { reach: c.reach } : {}),
        },
        dashboardUrl: `${ctx.publicUrl}/v1/incidents/${inc.id}`,
      },
      createdAt: now.toISOString(),
    };
  }
  const rows = o.channels.map((channel) => {
    const ch = ctx.cfg.channels.find((x) => x.name === channel);
    const locale = (ch?.locale ?? brandLocale) as AlertLocale;
    const key = `${o.eventKey}:${channel}`;
    const message: AlertMessage = { ...base, id: key, locale };
    if (message.incident) {
      const token = signAckToken(ctx.ackKey, {
        incidentId: inc.id,
        generation: inc.reopenedCount,
        expiresAt: new Date(now.getTime() + ctx.cfg.ackLinkTtl),
      });
      message.incident = {
        ...message.incident,
        title: localTitle(inc.rule, inc.title, locale),
        ackUrl: `${ctx.publicUrl}/v1/ack/${token}`,
      };
    }
    return {
      id: newId('out'),
      channel,
      kind: message.kind,
      incidentId: inc.id,
      payload: message as unknown as Record<string, unknown>,
      idempotencyKey: key,
      status: 'pending' as const,
      nextAttemptAt: o.notBefore && o.notBefore > now ? o.notBefore : now,
      createdAt: now,
    };
  });
  const written = await tx
    .insert(outbox)
    .values(rows)
    .onConflictDoNothing({ target: outbox.idempotencyKey })
    .returning({ id: outbox.id });
  return written.length;
}

/** A non-incident message (digest) for one channel. */
export async function enqueueMessage(
  tx: DbOrTx,
  ctx: AlertContext,
  channel: string,
  message: AlertMessage,
): Promise<boolean> {
  const now = ctx.clock.now();
  const r = await tx
    .insert(outbox)
    .values({
      id: newId('out'),
      channel,
      kind: message.kind,
      incidentId: null,
      payload: message as unknown as Record<string, unknown>,
      idempotencyKey: message.id,
      status: 'pending',
      nextAttemptAt: now,
      createdAt: now,
    })
    .onConflictDoNothing({ target: outbox.idempotencyKey })
    .returning({ id: outbox.id });
  return r.length > 0;
}

/** Brand locale helper for digests. */
export function brandLocale(b: { settings: { locale?: string } }): AlertLocale {
  return (b.settings.locale ?? 'en') as AlertLocale;
}

export { brandAlertsOf };
