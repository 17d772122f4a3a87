import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/**
 * One incident per brand + rule + group (topic or story) within a window: a crisis accumulates
 * mentions and rises in level instead of raising a storm of alerts.
 */
export const incidents = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    brandId: text('brand_id'),
    /** For collector-down incidents. */
    sourceId: text('source_id'),
    rule: text('rule').notNull(),
    /** brand + rule + topic/story: what makes two alerts the same incident. */
    groupKey: text('group_key').notNull(),
    title: text('title').notNull(),
    /** 1 critical/red, 2 high/orange, 3 medium/yellow, 4 low/blue. */
    level: integer('level').notNull(),
    status: text('status').$type<IncidentStatus>().notNull().default('open'),
    assignee: text('assignee'),
    factors: jsonb('factors').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
    mentionCount: integer('mention_count').notNull().default(0),
    openedAt: ts('opened_at').notNull(),
    lastActivityAt: ts('last_activity_at').notNull(),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    resolvedAt: ts('resolved_at'),
    reopenedCount: integer('reopened_count').notNull().default(0),
    /** Escalation: policy, current step, when the next step is due (persisted so a restart neither loses nor repeats one). */
    policy: text('policy'),
    escalationStep: integer('escalation_step').notNull().default(0),
    nextEscalationAt: ts('next_escalation_at'),
    nextReminderAt: ts('next_reminder_at'),
    lastNotifiedLevel: integer('last_notified_level'),
  },
  (t) => [
    index('incidents_status_idx').on(t.status, t.lastActivityAt),
    index('incidents_group_idx').on(t.groupKey, t.status),
    index('incidents_brand_idx').on(t.brandId, t.openedAt),
    index('incidents_escalation_idx').on(t.nextEscalationAt),
  ],
);

export const incidentMentions = pgTable(
  'incident_mentions',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    mentionId: text('mention_id').notNull(),
    addedAt: ts('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.mentionId] })],
);

/** The incident timeline: opened, level changes, mentions added, ack, notes, notifications. */
export const incidentEvents = pgTable(
  'incident_events',
  {
    id: text('id').primaryKey(),
    /** Order of events that share a timestamp (one transaction writes several). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id, { onDelete: 'cascade' }),
    at: ts('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor'),
    data: jsonb('data').$type<Record<string, unknown>>(),
  },
  (t) => [index('incident_events_incident_idx').on(t.incidentId, t.at)],
);

/** `merged`: folded into a digest row (`mergedInto`) because the channel was over its rate limit. */
export type OutboxStatus = 'pending' | 'delivered' | 'dead' | 'merged';

/**
 * Messages to deliver, written in the same transaction as the change that caused them, then
 * delivered by the dispatcher with retries; nothing is lost across restarts or outages.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    /** Insertion order: rows written in one transaction share `created_at`, and per-incident order must hold. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    /** Configured channel name (alerts.channels[].name) or `crm` for profile webhooks. */
    channel: text('channel').notNull(),
    kind: text('kind').notNull(),
    incidentId: text('incident_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    /** A dispatcher claims a row until this time; a crashed dispatcher's claim expires. */
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    createdAt: ts('created_at').notNull(),
    deliveredAt: ts('delivered_at'),
    /** Rows merged into a digest point at it. */
    mergedInto: text('merged_into'),
  },
  (t) => [
    uniqueIndex('outbox_idempotency_uq').on(t.idempotencyKey),
    index('outbox_due_idx').on(t.status, t.nextAttemptAt),
    index('outbox_channel_idx').on(t.channel, t.createdAt),
    index('outbox_channel_delivered_idx').on(t.channel, t.deliveredAt),
  ],
);

/** Persisted state of streaming detectors (baselines), keyed `<rule>:<brandId>`. */
export const detectorState = pgTable('detector_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** Silences and maintenance windows: matching alerts are recorded but not notified. */
export const silences = pgTable('silences', {
  id: text('id').primaryKey(),
  brandId: text('brand_id'),
  rule: text('rule'),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  reason: text('reason').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull(),
});

/** Hourly per-brand counts that baselines and analytics read instead of scanning mentions. */
export const brandHourly = pgTable(
  'brand_hourly',
  {
    brandId: text('brand_id').notNull(),
    hour: ts('hour').notNull(),
    platform: text('platform').notNull(),
    lang: text('lang').notNull(),
    total: integer('total').notNull().default(0),
    positive: integer('positive').notNull().default(0),
    negative: integer('negative').notNull().default(0),
    neutral: integer('neutral').notNull().default(0),
    sentimentSum: real('sentiment_sum').notNull().default(0),
    engagement: bigint('engagement', { mode: 'number' }).notNull().default(0),
    reach: bigint('reach', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.brandId, t.hour, t.platform, t.lang] }),
    index('brand_hourly_hour_idx').on(t.hour),
  ],
);
